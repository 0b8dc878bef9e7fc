// What drizzle-orm's pg-core exports do, as far as keys are concerned (0.36–0.45 and the 1.0 release candidates).
// Kept as data so a new drizzle export is one line here, not a new branch in the evaluator.
import type { Value } from './values.js';

export const PG_CORE = 'drizzle-orm/pg-core';

/** Column builder functions (pg-core/columns/all.ts `getPgColumnBuilders`, 0.45 and 1.0). */
export const COLUMN_BUILDERS: ReadonlySet<string> = new Set([
  'bigint', 'bigserial', 'bit', 'boolean', 'bytea', 'char', 'cidr', 'date', 'decimal', 'doublePrecision', 'geometry',
  'halfvec', 'inet', 'integer', 'interval', 'json', 'jsonb', 'line', 'macaddr', 'macaddr8', 'numeric', 'point', 'real',
  'serial', 'smallint', 'smallserial', 'sparsevec', 'text', 'time', 'timestamp', 'uuid', 'varchar', 'vector',
]);

/** Column builders whose constructor sets `notNull` (serial.ts, smallserial.ts, bigserial.ts). */
export const NOT_NULL_BUILDERS: ReadonlySet<string> = new Set(['serial', 'smallserial', 'bigserial']);

/** Column builder methods that set `notNull` (column-builder.ts, int.common.ts). */
export const NOT_NULL_METHODS: ReadonlySet<string> = new Set([
  'notNull', 'primaryKey', 'generatedAlwaysAsIdentity', 'generatedByDefaultAsIdentity',
]);

/** Functions returning something that, called, builds a column. */
export const COLUMN_FACTORIES: ReadonlySet<string> = new Set(['pgEnum', 'customType']);

/**
 * pg-core exports that build things no key depends on. Anything in pg-core that is not a column builder, a
 * table or key builder, or in this list is treated as unknown, so a new drizzle export is noticed, not guessed.
 */
export const IRRELEVANT: ReadonlySet<string> = new Set([
  'index', 'foreignKey', 'check', 'pgPolicy', 'pgRole', 'pgSequence', 'pgView', 'pgMaterializedView', 'alias',
  'getTableConfig', 'getViewConfig', 'getMaterializedViewConfig', 'pgEnumObjectWithSchema', 'pgEnumWithSchema',
  'pgSequenceWithSchema', 'pgViewWithSchema', 'pgMaterializedViewWithSchema', 'except', 'exceptAll', 'intersect',
  'intersectAll', 'union', 'unionAll', 'isPgEnum', 'isPgSchema', 'isPgView', 'isPgMaterializedView', 'isPgSequence',
  'QueryBuilder', 'makePgArray', 'parsePgArray', 'parsePgNestedArray',
]);

/** What importing `name` from drizzle-orm/pg-core gives: 1.0's casing namespaces, else the named export. */
export function pgCoreExport(name: string): Value {
  if (name === 'snakeCase') return { kind: 'casing-namespace', casing: 'snake_case' };
  if (name === 'camelCase') return { kind: 'casing-namespace', casing: 'camelCase' };
  return { kind: 'drizzle', name };
}
