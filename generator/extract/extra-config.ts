// The third pgTable argument, read the way drizzle's getTableConfig reads it: an array is flattened one level
// (`extraConfig.flat(1)`), an object contributes its values, and anything that is not a builder is skipped.
// What drizzle skips is skipped here too, with a warning when it looks like a key the author meant.
import type { Node } from 'ts-morph';
import type { Reader } from './reader.js';
import { position } from './node-text.js';
import { keyFinding } from './keys.js';
import type { Scope, TableDraft, Value } from './values.js';

export function collectExtraConfig(ev: Reader, draft: TableDraft, config: Value, node: Node, scope: Scope): void {
  if (config.kind === 'array') {
    if (config.opaque) draft.problems.push(config.opaque);
    for (const item of config.items) {
      if (item.kind !== 'array') {
        addItem(ev, draft, item, node, scope);
        continue;
      }
      if (item.opaque) draft.problems.push(item.opaque);
      for (const inner of item.items) {
        if (inner.kind === 'array') {
          if (holdsKey(inner)) warn(ev, draft, inner.node ?? node, 'nested-extra-config', `table ${draft.name}: drizzle flattens the extra-config array one level only, so keys nested deeper are ignored`, 'flatten the array (spread the inner one)');
        } else addItem(ev, draft, inner, node, scope);
      }
    }
    return;
  }
  if (config.kind === 'object') {
    if (config.opaque) draft.problems.push(config.opaque);
    for (const entry of config.entries) {
      const value = entry.get();
      if (value.kind === 'array') {
        if (holdsKey(value)) warn(ev, draft, entry.node, 'ignored-key', `table ${draft.name}: drizzle ignores an array inside the object form of the extra config, so its keys are ignored`, 'return an array of keys instead');
      } else addItem(ev, draft, value, entry.node, scope);
    }
    return;
  }
  if (config.kind === 'unknown') draft.problems.push(config);
  else if (config.kind !== 'literal' && config.kind !== 'ignored') {
    draft.problems.push(ev.unknown(node, scope.file, 'unresolved-key', `the extra config of table ${draft.name} returns neither an array nor an object`));
  }
}

function addItem(ev: Reader, draft: TableDraft, item: Value, node: Node, scope: Scope): void {
  switch (item.kind) {
    case 'key': {
      const { key } = item;
      if (key.problem) {
        draft.problems.push(key.problem);
        return;
      }
      if (key.refs.some((r) => r.table !== undefined && r.table !== draft)) {
        draft.problems.push(ev.unknown(key.node, key.file, 'unresolved-key', `a key of table ${draft.name} names a column of another table`));
        return;
      }
      draft.keys.push(keyFinding(draft, key));
      return;
    }
    case 'object':
      if (holdsKey(item)) warn(ev, draft, item.node ?? node, 'ignored-key', `table ${draft.name}: drizzle ignores a key wrapped in an object inside the array form`, 'put the key in the array itself');
      return;
    case 'unknown':
      draft.problems.push(item);
      return;
    case 'key-start':
      draft.problems.push(ev.unknown(node, scope.file, 'unresolved-key', `a key of table ${draft.name} names no columns (missing \`.on(...)\`)`, { hint: 'add .on(...)' }));
      return;
    default:
      // Checks, foreign keys, policies, plain indexes and other values: no key here, as in getTableConfig.
      return;
  }
}

function holdsKey(value: Value): boolean {
  if (value.kind === 'key') return value.key.kind !== 'foreign' && (value.key.kind !== 'index' || value.key.unique);
  if (value.kind === 'array') return value.items.some(holdsKey);
  if (value.kind === 'object') return value.entries.some((e) => holdsKey(e.get()));
  return false;
}

/** drizzle 0.x skips these silently (a warning here); drizzle 1.0's getTableConfig throws on them (an error). */
function warn(ev: Reader, draft: TableDraft, node: Node, code: string, message: string, hint: string): void {
  const { line, col } = position(node);
  const severity = ev.options.drizzleMajor >= 1 ? 'error' : 'warning';
  const text = severity === 'error' ? `${message} (drizzle-orm 1.x rejects this extra config)` : message;
  draft.warnings.push({ severity, file: ev.modules.pathOf(node.getSourceFile()), line, col, code, message: text, hint });
}

