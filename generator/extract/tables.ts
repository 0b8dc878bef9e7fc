// A table-building call (pgTable, schema.table, a pgTableCreator result, snakeCase.table) replayed statically:
// its SQL name, its columns in declared order and the keys of its extra config.
import { Node, SyntaxKind } from 'ts-morph';
import type { KeyFinding } from '../findings.js';
import { defaultUniqueName } from '../normalize.js';
import { collectExtraConfig } from './extra-config.js';
import { drizzleColumnName } from './keys.js';
import { position, short } from './node-text.js';
import type { Reader } from './reader.js';
import { LITERAL } from './values.js';
import type { Scope, TableDraft, TableFactory, TableValue, Unknown, Value } from './values.js';

export function finishTable(draft: TableDraft): void {
  for (const step of draft.pending.splice(0)) step();
}

export function buildTable(ev: Reader, factory: TableFactory, args: readonly Node[], node: Node, scope: Scope): Value {
  if (scope.depth > 0) {
    const fn = node.getFirstAncestor((a) => Node.isFunctionDeclaration(a) || Node.isArrowFunction(a) || Node.isFunctionExpression(a) || Node.isMethodDeclaration(a));
    const fnName = fn && (Node.isFunctionDeclaration(fn) || Node.isMethodDeclaration(fn)) ? fn.getName() : fn?.getParentIfKind(SyntaxKind.VariableDeclaration)?.getName();
    const where = fnName ? `the function ${fnName}` : 'a function';
    return ev.unknown(node, scope.file, 'unresolved-table', `a table is built inside ${where}, so its name, columns and keys depend on each call`, { tableLike: true });
  }
  const name = tableName(ev, factory, args[0], node, scope);
  if (typeof name !== 'string') return name;
  const draft: TableDraft = {
    file: scope.file,
    node,
    line: position(node).line,
    schema: factory.schema,
    name,
    casing: factory.casing,
    columns: [],
    keys: [],
    problems: [],
    warnings: [],
    pending: [],
  };
  const table: TableValue = { kind: 'table', table: draft };
  readColumns(ev, draft, args[1], node, scope);
  const extra = args[2];
  // drizzle calls the extra-config callback only when getTableConfig asks, after the module has run, so the
  // callback may name the table's own binding (`unique().on(users.email)`): read it once everything is bound.
  if (extra) {
    draft.pending.push(() => {
      const builder = ev.evaluate(extra, scope);
      if (builder.kind === 'function') {
        const config = ev.invoke(builder, [{ kind: 'column-refs', table: draft }], extra, scope, false);
        collectExtraConfig(ev, draft, config, extra, scope);
      } else if (builder.kind === 'unknown') draft.problems.push(builder);
      else if (builder.kind !== 'literal') {
        draft.problems.push(ev.unknown(extra, scope.file, 'unresolved-key', `the third argument of table ${name} is not a function`));
      }
    });
  }
  return table;
}

function tableName(ev: Reader, factory: TableFactory, arg: Node | undefined, node: Node, scope: Scope): string | Unknown {
  const value = arg ? ev.evaluate(arg, scope) : LITERAL;
  if (value.kind !== 'string') {
    const why = value.kind === 'unknown' ? `: ${value.message}` : '';
    return ev.unknown(arg ?? node, scope.file, 'unresolved-table', `cannot compute the table name \`${arg ? short(arg) : ''}\`${why}`, { tableLike: true });
  }
  if (!factory.prefix) return value.value;
  const prefixed = ev.invoke(factory.prefix, [value], node, scope, false);
  if (prefixed.kind === 'string') return prefixed.value;
  return ev.unknown(node, scope.file, 'unresolved-table', `cannot compute what the pgTableCreator function makes of the name '${value.value}'`, { tableLike: true });
}

function readColumns(ev: Reader, draft: TableDraft, arg: Node | undefined, node: Node, scope: Scope): void {
  let columns = arg ? ev.evaluate(arg, scope) : LITERAL;
  if (columns.kind === 'function') columns = ev.invoke(columns, [{ kind: 'builders' }], arg ?? node, scope, false);
  if (columns.kind !== 'object') {
    draft.problems.push(columns.kind === 'unknown' ? columns : ev.unknown(arg ?? node, scope.file, 'unresolved-column', `cannot read the columns of table ${draft.name}`));
    return;
  }
  if (columns.opaque) draft.problems.push(columns.opaque);
  for (const entry of columns.entries) {
    const value = entry.get();
    if (value.kind !== 'column') {
      draft.problems.push(
        value.kind === 'unknown'
          ? value
          : ev.unknown(entry.node, scope.file, 'unresolved-column', `property \`${entry.name}\` of table ${draft.name} is not a drizzle column builder`),
      );
      continue;
    }
    const { column } = value;
    // drizzle 1.0 has no run-time casing: a nameless column of a table without its own casing is named by its key.
    const name = column.name ?? (ev.options.drizzleMajor >= 1 && !draft.casing ? entry.name : undefined);
    draft.columns.push({ key: entry.name, name, notNull: column.notNull, primaryKey: column.primaryKey });
    if (column.references) draft.keys.push(foreignKeyOf(entry.name, position(entry.node).line));
    if (column.unique) {
      draft.keys.push({
        kind: 'unique',
        name: column.unique.name ?? defaultUniqueName(draft.name, [drizzleColumnName(draft, entry.name)]),
        columns: [entry.name],
        nullsNotDistinct: column.unique.nullsNotDistinct,
        partial: false,
        expression: false,
        line: position(entry.node).line,
      });
    }
  }
}

/** A column's `.references()`: a foreign key over that one column (its name is not needed: lists are named by columns). */
function foreignKeyOf(key: string, line: number): KeyFinding {
  return { kind: 'foreign', name: undefined, columns: [key], nullsNotDistinct: false, partial: false, expression: false, line };
}
