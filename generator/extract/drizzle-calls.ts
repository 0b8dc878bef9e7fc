// What drizzle's own values do when the schema module runs: property lookups on tables, schemas, casing
// namespaces and builders, calls of pg-core exports, and builder methods.
import { Node } from 'ts-morph';
import { COLUMN_BUILDERS, COLUMN_FACTORIES, IRRELEVANT, NOT_NULL_BUILDERS, pgCoreExport } from './drizzle-api.js';
import type { Reader } from './reader.js';
import { columnMethod, foreignKeyFrom, keyMethod, keyStartMethod, primaryKeyFrom } from './keys.js';
import { short } from './node-text.js';
import { buildTable } from './tables.js';
import { IGNORED, LITERAL } from './values.js';
import type { Scope, TableFactory, Value } from './values.js';

export function property(ev: Reader, value: Value, name: string, node: Node, scope: Scope): Value {
  switch (value.kind) {
    case 'object': {
      const entry = [...value.entries].reverse().find((e) => e.name === name);
      if (entry) return entry.get();
      return value.opaque ?? ev.unknown(node, scope.file, 'unresolved-value', `the object has no property \`${name}\``);
    }
    case 'module':
      return ev.exportOf(value.file, name) ?? ev.unknown(node, scope.file, 'unresolved-import', `${value.file.path} has no export named \`${name}\``, { hint: 'check the import' });
    case 'pg-core':
      return pgCoreExport(name);
    case 'builders':
      return COLUMN_BUILDERS.has(name) || COLUMN_FACTORIES.has(name)
        ? { kind: 'drizzle', name }
        : ev.unknown(node, scope.file, 'unresolved-value', `\`${name}\` is not a drizzle column builder`);
    case 'column-refs':
      return { kind: 'column-ref', key: name, table: value.table };
    case 'casing-namespace':
      if (name === 'table') return { kind: 'table-factory', factory: { schema: undefined, casing: value.casing, prefix: undefined } };
      return name === 'schema' ? { kind: 'method', self: value, name } : IGNORED;
    case 'schema':
      if (name === 'table') return { kind: 'table-factory', factory: { schema: value.name, casing: value.casing, prefix: undefined } };
      return name === 'enum' ? { kind: 'method', self: value, name } : IGNORED;
    case 'table-factory':
      return name === 'withRLS' ? value : ev.unknown(node, scope.file, 'unresolved-value', `unknown table builder property \`${name}\``);
    case 'drizzle':
      if (value.name === 'pgTable' && name === 'withRLS') return { kind: 'table-factory', factory: { schema: undefined, casing: undefined, prefix: undefined } };
      return { kind: 'method', self: value, name };
    case 'table':
      if (name === 'enableRLS') return { kind: 'method', self: value, name };
      if (value.table.columns.some((c) => c.key === name)) return { kind: 'column-ref', key: name, table: value.table };
      return IGNORED;
    case 'column':
    case 'column-ref':
    case 'key-start':
    case 'key':
    case 'sql':
    case 'array':
      if (value.kind === 'array' && /^\d+$/.test(name)) return value.items[Number(name)] ?? LITERAL;
      return { kind: 'method', self: value, name };
    case 'string':
    case 'literal':
      return LITERAL;
    case 'ignored':
    case 'unknown':
      return value;
    default:
      return ev.unknown(node, scope.file, 'unresolved-value', `cannot follow \`${short(node)}\` statically`);
  }
}

export function callDrizzle(ev: Reader, name: string, args: readonly Node[], arg: (i: number) => Value, node: Node, scope: Scope): Value {
  if (name === 'pgTable') return buildTable(ev, { schema: undefined, casing: undefined, prefix: undefined }, args, node, scope);
  if (name === 'pgTableCreator') {
    const prefix = arg(0);
    const casing = casingOf(arg(1));
    if (prefix.kind !== 'function') return prefix.kind === 'unknown' ? { ...prefix, tableLike: true } : ev.unknown(node, scope.file, 'unresolved-table', 'cannot follow the pgTableCreator name function', { tableLike: true });
    const factory: TableFactory = { schema: undefined, casing, prefix };
    return { kind: 'table-factory', factory };
  }
  if (name === 'pgSchema') {
    const schema = arg(0);
    if (schema.kind !== 'string') return ev.unknown(node, scope.file, 'unresolved-table', `cannot compute the schema name of \`${short(node)}\``, { tableLike: true });
    return { kind: 'schema', name: schema.value, casing: casingOf(arg(1)) };
  }
  if (COLUMN_BUILDERS.has(name)) return columnOf(arg(0), NOT_NULL_BUILDERS.has(name), node, scope, ev);
  if (COLUMN_FACTORIES.has(name)) return { kind: 'column-factory' };
  if (name === 'primaryKey') return primaryKeyFrom(ev, args, node, scope);
  if (name === 'foreignKey') return foreignKeyFrom(ev, args, node, scope);
  if (name === 'unique' || name === 'uniqueIndex' || name === 'index') {
    const declared = arg(0);
    if (declared.kind !== 'string' && declared.kind !== 'literal') {
      return declared.kind === 'unknown' ? declared : ev.unknown(node, scope.file, 'unresolved-value', `cannot compute the key name of \`${short(node)}\``);
    }
    const keyName = declared.kind === 'string' ? declared.value : undefined;
    return name === 'unique'
      ? { kind: 'key-start', key: 'unique-constraint', unique: true, name: keyName }
      : { kind: 'key-start', key: 'index', unique: name === 'uniqueIndex', name: keyName };
  }
  if (IRRELEVANT.has(name)) return IGNORED;
  return ev.unknown(node, scope.file, 'unresolved-value', `\`${name}\` from drizzle-orm/pg-core is not known to the static reader`);
}

export function callMethod(ev: Reader, self: Value, name: string, args: readonly Node[], arg: (i: number) => Value, node: Node, scope: Scope): Value {
  switch (self.kind) {
    case 'column':
      return columnMethod(self.column, name, arg, node, scope, ev);
    case 'column-ref':
      return self;
    case 'key-start':
      return keyStartMethod(ev, self, name, args, node, scope);
    case 'key':
      return keyMethod(self.key, name);
    case 'table':
      return self;
    case 'casing-namespace': {
      const schema = arg(0);
      if (schema.kind !== 'string') return ev.unknown(node, scope.file, 'unresolved-table', `cannot compute the schema name of \`${short(node)}\``, { tableLike: true });
      return { kind: 'schema', name: schema.value, casing: self.casing };
    }
    case 'schema':
      return name === 'enum' ? { kind: 'column-factory' } : IGNORED;
    case 'sql':
      return self;
    case 'drizzle':
      return IGNORED;
    default:
      return ev.unknown(node, scope.file, 'unresolved-value', `cannot follow the call \`${short(node)}\` statically`);
  }
}

export function looksLikeTableCall(args: readonly Node[]): boolean {
  const [name, columns] = args;
  return (
    name !== undefined &&
    (Node.isStringLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name) || Node.isTemplateExpression(name)) &&
    columns !== undefined &&
    (Node.isObjectLiteralExpression(columns) || Node.isArrowFunction(columns))
  );
}

function casingOf(value: Value): 'snake_case' | 'camelCase' | undefined {
  return value.kind === 'string' && (value.value === 'snake_case' || value.value === 'camelCase') ? value.value : undefined;
}

/** `text('email')`, `varchar({ length: 5 })`, `roleEnum()`: a column builder with the name as written, if any. */
export function columnOf(first: Value, notNull: boolean, node: Node, scope: Scope, ev: Reader): Value {
  if (first.kind === 'unknown') return first;
  if (first.kind !== 'string' && first.kind !== 'object' && first.kind !== 'literal') {
    return ev.unknown(node, scope.file, 'unresolved-column', `cannot compute the column name in \`${short(node)}\``);
  }
  // drizzle treats '' like no name (keyAsName).
  const name = first.kind === 'string' && first.value !== '' ? first.value : undefined;
  return { kind: 'column', column: { name, notNull, primaryKey: false, unique: undefined } };
}
