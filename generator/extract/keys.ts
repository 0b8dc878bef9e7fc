// Column builder methods and key builders: what `.notNull()`, `.unique(name, { nulls })`, `primaryKey(...)`,
// `unique().on(...)`, `uniqueIndex().using(...)`, `.where(...)` and `.nullsNotDistinct()` do to drizzle's config.
import type { Node } from 'ts-morph';
import type { KeyFinding } from '../findings.js';
import { applyCasing, defaultUniqueName } from '../normalize.js';
import { NOT_NULL_METHODS } from './drizzle-api.js';
import { position, short } from './node-text.js';
import type { Reader } from './reader.js';
import type { ColumnBuilder, KeyBuilder, Scope, TableDraft, Unknown, Value } from './values.js';

export function columnMethod(column: ColumnBuilder, method: string, arg: (i: number) => Value, node: Node, scope: Scope, ev: Reader): Value {
  if (method === 'primaryKey') return { kind: 'column', column: { ...column, primaryKey: true, notNull: true } };
  if (NOT_NULL_METHODS.has(method)) return { kind: 'column', column: { ...column, notNull: true } };
  if (method === 'unique') {
    const name = arg(0);
    if (name.kind !== 'string' && name.kind !== 'literal') {
      return name.kind === 'unknown' ? name : ev.unknown(node, scope.file, 'unresolved-key', `cannot compute the unique constraint name in \`${short(node)}\``);
    }
    const config = arg(1);
    const nulls = config.kind === 'object' ? config.entries.find((e) => e.name === 'nulls')?.get() : undefined;
    return {
      kind: 'column',
      column: {
        ...column,
        unique: { name: name.kind === 'string' ? name.value : undefined, nullsNotDistinct: nulls?.kind === 'string' && nulls.value === 'not distinct' },
      },
    };
  }
  if (method === 'references') return { kind: 'column', column: { ...column, references: true } };
  // drizzle 0.x `.array()` wraps the builder in a new one with a fresh config: flags set before it are dropped.
  if (method === 'array') return { kind: 'column', column: { name: column.name, notNull: false, primaryKey: false, unique: undefined } };
  // .default(), .$type(), .$defaultFn(), ...: nothing a key depends on; arguments are not read.
  return { kind: 'column', column };
}

export function keyStartMethod(
  ev: Reader,
  start: Extract<Value, { kind: 'key-start' }>,
  method: string,
  args: readonly Node[],
  node: Node,
  scope: Scope,
): Value {
  let columns: readonly Node[];
  if (method === 'on' || (method === 'onOnly' && start.key === 'index')) columns = args;
  else if (method === 'using' && start.key === 'index') columns = args.slice(1);
  else return ev.unknown(node, scope.file, 'unresolved-key', `unknown key builder method \`.${method}()\``);
  return { kind: 'key', key: keyFrom(ev, { kind: start.key, unique: start.unique, name: start.name }, columns, node, scope) };
}

export function keyMethod(key: KeyBuilder, method: string): Value {
  if (method === 'where') return { kind: 'key', key: { ...key, partial: true } };
  if (method === 'nullsNotDistinct') return { kind: 'key', key: { ...key, nullsNotDistinct: true } };
  // .concurrently(), .with(), ...
  return { kind: 'key', key };
}

/** `foreignKey({ columns: [t.a], foreignColumns: [other.id], name })`: a list over `columns` (the rest is not read). */
export function foreignKeyFrom(ev: Reader, args: readonly Node[], node: Node, scope: Scope): Value {
  const config = args[0] ? ev.evaluate(args[0], scope) : undefined;
  const head = { kind: 'foreign' as const, unique: false, name: undefined };
  const columns = config?.kind === 'object' ? config.entries.find((e) => e.name === 'columns')?.get() : undefined;
  if (columns?.kind !== 'array' || columns.opaque) {
    const problem = columns?.kind === 'unknown' ? columns : columns?.kind === 'array' ? columns.opaque : config?.kind === 'unknown' ? config : undefined;
    return { kind: 'key', key: { ...keyFrom(ev, head, [], node, scope), problem: problem ?? ev.unknown(node, scope.file, 'unresolved-key', `cannot read the columns of \`${short(node)}\``) } };
  }
  return { kind: 'key', key: keyFromValues(ev, head, columns.items, node, scope) };
}

/** `primaryKey({ columns: [t.a, t.b], name })` or the deprecated `primaryKey(t.a, t.b)`. */
export function primaryKeyFrom(ev: Reader, args: readonly Node[], node: Node, scope: Scope): Value {
  const first = args[0] ? ev.evaluate(args[0], scope) : undefined;
  if (first?.kind === 'object') {
    const columns = first.entries.find((e) => e.name === 'columns')?.get();
    const name = first.entries.find((e) => e.name === 'name')?.get();
    const key = { kind: 'primary' as const, unique: true, name: name?.kind === 'string' ? name.value : undefined };
    if (columns?.kind !== 'array' || columns.opaque) {
      const problem = columns?.kind === 'unknown' ? columns : columns?.kind === 'array' ? columns.opaque : undefined;
      return { kind: 'key', key: { ...keyFrom(ev, key, [], node, scope), problem: problem ?? ev.unknown(node, scope.file, 'unresolved-key', `cannot read the columns of \`${short(node)}\``) } };
    }
    return { kind: 'key', key: keyFromValues(ev, key, columns.items, node, scope) };
  }
  return { kind: 'key', key: keyFrom(ev, { kind: 'primary', unique: true, name: undefined }, args, node, scope) };
}

type KeyHead = Pick<KeyBuilder, 'kind' | 'unique' | 'name'>;

function keyFrom(ev: Reader, head: KeyHead, columns: readonly Node[], node: Node, scope: Scope): KeyBuilder {
  return keyFromValues(ev, head, columns.map((c) => ev.evaluate(c, scope)), node, scope);
}

function keyFromValues(ev: Reader, head: KeyHead, values: readonly Value[], node: Node, scope: Scope): KeyBuilder {
  const refs: { key: string; table: object | undefined }[] = [];
  let expression = false;
  let problem: Unknown | undefined;
  for (const value of values) {
    if (value.kind === 'column-ref') refs.push({ key: value.key, table: value.table });
    else if (value.kind === 'sql') expression = true;
    else if (value.kind === 'unknown') problem ??= value;
    else problem ??= ev.unknown(node, scope.file, 'unresolved-key', `a part of \`${short(node)}\` is neither a column of the table nor SQL`);
  }
  return { ...head, refs, expression, partial: false, nullsNotDistinct: false, node, file: scope.file, problem };
}

/** The column name drizzle itself uses for default constraint names: as written, else the key (cased by a table casing). */
export function drizzleColumnName(draft: TableDraft, key: string): string {
  const column = draft.columns.find((c) => c.key === key);
  if (column?.name !== undefined) return column.name;
  return draft.casing ? applyCasing(key, draft.casing) : key;
}

export function keyFinding(draft: TableDraft, key: KeyBuilder): KeyFinding {
  const columns = key.expression ? [] : key.refs.map((r) => r.key);
  let name = key.name;
  if (name === undefined && key.kind === 'unique-constraint') {
    name = defaultUniqueName(draft.name, key.refs.map((r) => drizzleColumnName(draft, r.key)));
  }
  return {
    kind: key.kind === 'primary' ? 'primary' : key.kind === 'foreign' ? 'foreign' : key.kind === 'index' && !key.unique ? 'index' : 'unique',
    name,
    columns,
    nullsNotDistinct: key.nullsNotDistinct,
    partial: key.partial,
    expression: key.expression,
    line: position(key.node).line,
  };
}
