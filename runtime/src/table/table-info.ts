// What the runtime knows about one table, read once from drizzle-orm's getTableConfig: the spec a generated module
// was built with is checked against the table's real primary key and unique constraints, so a schema changed without
// regenerating fails with one clear error instead of caching under wrong keys.
import { getTableColumns, is } from 'drizzle-orm';
import { getTableConfig, IndexedColumn, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import type { TableSpec } from '../types.js';
import { SpecMismatchError } from '../errors.js';

export interface KeyColumns {
  /** TypeScript property names, in spec order. */
  readonly props: readonly string[];
  /** SQL column names, same order. */
  readonly sqlNames: readonly string[];
  readonly columns: readonly PgColumn[];
}

export interface TableInfo {
  readonly schema: string;
  readonly name: string;
  /** `schema.table`, for messages. */
  readonly display: string;
  readonly identity: KeyColumns;
  /** Unique keys other than the identity: each has a pointer. */
  readonly pointerKeys: readonly KeyColumns[];
  /** The spec's lists (foreign keys and non-unique indexes), in spec order. */
  readonly lists: readonly KeyColumns[];
}

export function readTableInfo(table: PgTable, spec: TableSpec): TableInfo {
  const config = getTableConfig(table);
  const schema = config.schema ?? 'public';
  const display = `${schema}.${config.name}`;
  const byProp = getTableColumns(table) as Record<string, PgColumn>;
  const propOfSql = new Map<string, string>();
  for (const [prop, column] of Object.entries(byProp)) propOfSql.set(column.name, prop);

  const keyColumns = (props: readonly string[]): KeyColumns => {
    const columns = props.map((prop) => {
      const column = byProp[prop];
      if (column === undefined) throw new SpecMismatchError(display, `the generated key names column \`${prop}\`, which the table does not have`);
      return column;
    });
    return { props, sqlNames: columns.map((c) => c.name), columns };
  };

  const actual = actualKeys(config, propOfSql);
  const setOf = (props: readonly string[]) => [...props].sort().join('\u0000');
  const pkSet = setOf(actual.primaryKey);
  if (setOf(spec.primaryKey) !== pkSet) {
    throw new SpecMismatchError(display, `the generated primary key is (${spec.primaryKey.join(', ')}) but the table's is (${actual.primaryKey.join(', ')})`);
  }
  const specUnique = new Set(spec.uniqueKeys.map(setOf).filter((s) => s !== pkSet));
  const actualUnique = new Set(actual.uniqueKeys.map(setOf).filter((s) => s !== pkSet));
  for (const key of spec.uniqueKeys) {
    if (setOf(key) !== pkSet && !actualUnique.has(setOf(key))) {
      throw new SpecMismatchError(display, `the generated unique key (${key.join(', ')}) is not a usable unique constraint of the table`);
    }
  }
  for (const key of actual.uniqueKeys) {
    if (!specUnique.has(setOf(key))) {
      throw new SpecMismatchError(display, `the table's unique key (${key.join(', ')}) is missing from the generated keys`);
    }
  }
  const identitySet = setOf(spec.identity);
  if (spec.identity.length === 0 || (identitySet !== pkSet && !actualUnique.has(identitySet))) {
    throw new SpecMismatchError(display, `the generated identity (${spec.identity.join(', ')}) is neither the primary key nor a unique key`);
  }
  const identity = keyColumns(spec.identity);
  if (identity.columns.some((c) => !c.notNull)) {
    throw new SpecMismatchError(display, `the generated identity (${spec.identity.join(', ')}) has a nullable column`);
  }
  const pointerKeys = [...(actual.primaryKey.length > 0 ? [spec.primaryKey] : []), ...spec.uniqueKeys]
    .filter((key, i, all) => setOf(key) !== identitySet && all.findIndex((k) => setOf(k) === setOf(key)) === i)
    .map(keyColumns);
  const lists = (spec.lists ?? []).map(keyColumns);
  return { schema, name: config.name, display, identity, pointerKeys, lists };
}

/** The table's primary key and usable unique keys (NOT NULL columns, or NULLS NOT DISTINCT; no partial or expression indexes). */
function actualKeys(config: ReturnType<typeof getTableConfig>, propOfSql: ReadonlyMap<string, string>) {
  const prop = (sqlName: string) => propOfSql.get(sqlName) ?? sqlName;
  const columnPk = config.columns.filter((c) => c.primary).map((c) => prop(c.name));
  const primaryKey = columnPk.length > 0 ? columnPk : (config.primaryKeys[0]?.columns.map((c) => prop(c.name)) ?? []);
  const uniqueKeys: string[][] = [];
  const notNull = new Map(config.columns.map((c) => [c.name, c.notNull] as const));
  for (const column of config.columns) {
    if (column.isUnique && (column.notNull || column.uniqueType === 'not distinct')) uniqueKeys.push([prop(column.name)]);
  }
  for (const constraint of config.uniqueConstraints) {
    if (constraint.nullsNotDistinct || constraint.columns.every((c) => c.notNull)) uniqueKeys.push(constraint.columns.map((c) => prop(c.name)));
  }
  for (const index of config.indexes) {
    const { unique, where, columns } = index.config;
    if (!unique || where !== undefined) continue;
    // is(), not instanceof: the table may come from another copy of drizzle-orm than the runtime's (a CommonJS
    // project's schema loaded by the CLI, a bundled application), whose classes drizzle recognises by entityKind.
    const names = columns.map((c) => (is(c, IndexedColumn) && c.name !== undefined ? c.name : undefined));
    if (names.some((n) => n === undefined || notNull.get(n) !== true)) continue;
    uniqueKeys.push(names.map((n) => prop(n ?? '')));
  }
  return { primaryKey, uniqueKeys };
}
