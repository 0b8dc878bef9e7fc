// The user's own drizzle-orm, resolved from a schema file the way that file resolves it, read into plain data.
// A project on drizzle-orm 1.0 gets 1.0's getTableConfig, and a table built by one copy of drizzle is judged by
// that copy. Only what drizzle-orm 0.36–0.45 and 1.0 both expose is used: `is`, `getTableColumns`, `Table`,
// pg-core's `PgTable`, `IndexedColumn`, `getTableConfig`, `uniqueKeyName`, and `drizzle-orm/casing`.
import type { ModuleFormat, ModuleImporter } from './import-module.js';

type Casing = 'snake_case' | 'camelCase';

export interface ColumnView {
  /** Property name on the table object. */
  readonly key: string;
  /** The SQL name drizzle holds now (the key itself for a nameless column in 0.x). */
  readonly name: string;
  /** The builder had no explicit name: drizzle took the key (and, in 1.0, a table-level casing). */
  readonly keyAsName: boolean;
  readonly notNull: boolean;
  readonly primary: boolean;
  readonly isUnique: boolean;
  /** Column `.unique()` name; drizzle's derived name when none was given. */
  readonly uniqueName: string;
  readonly nullsNotDistinct: boolean;
}

/** A key from the table's extra config; `columns` holds SQL names, `undefined` for an expression. */
export interface ConstraintView {
  /** `foreign`: a foreign key (column `.references()` or `foreignKey(...)`), its own columns only. */
  readonly kind: 'primary' | 'unique' | 'index' | 'foreign';
  readonly name: string | undefined;
  readonly columns: readonly (string | undefined)[];
  readonly unique: boolean;
  readonly nullsNotDistinct: boolean;
  readonly partial: boolean;
}

export interface TableView {
  readonly schema: string | undefined;
  readonly name: string;
  readonly columns: readonly ColumnView[];
  readonly constraints: readonly ConstraintView[];
}

export interface UserDrizzle {
  /** Package version, e.g. `0.45.4` or `1.0.0-rc.5`. */
  readonly version: string;
  /** drizzle-orm ≥ 1.0 names nameless columns when the table is built (`snakeCase.table`); 0.x leaves it to `drizzle({ casing })`. */
  readonly casingAtBuild: boolean;
  /** A PgTable (not an alias of one). */
  isTable(value: unknown): boolean;
  /** Built by this copy of drizzle-orm (same classes), not merely a compatible one. */
  owns(table: unknown): boolean;
  readTable(table: unknown): TableView;
  casingOf(casing: Casing): (key: string) => string;
}

/** Resolves drizzle-orm as `fromFile` does; throws (with the resolver's message) when it cannot. */
export async function loadUserDrizzle(importer: ModuleImporter, fromFile: string, format: ModuleFormat): Promise<UserDrizzle> {
  const root = await importer.importFrom('drizzle-orm', fromFile, format);
  const pgCore = await importer.importFrom('drizzle-orm/pg-core', fromFile, format);
  // Both are conveniences (casing exists since 0.35, version since 0.29): their absence is not fatal here.
  const casingModule = await importer.importFrom('drizzle-orm/casing', fromFile, format).catch(() => ({}));
  const versionModule = await importer.importFrom('drizzle-orm/version', fromFile, format).catch(() => ({}));

  const is = callable(root, 'is', 'drizzle-orm');
  const getTableColumns = callable(root, 'getTableColumns', 'drizzle-orm');
  const getTableConfig = callable(pgCore, 'getTableConfig', 'drizzle-orm/pg-core');
  const uniqueKeyName = callable(pgCore, 'uniqueKeyName', 'drizzle-orm/pg-core');
  const PgTable = required(pgCore, 'PgTable', 'drizzle-orm/pg-core');
  const IndexedColumn = required(pgCore, 'IndexedColumn', 'drizzle-orm/pg-core');
  const isAliasSymbol = tableSymbol(root, 'IsAlias');

  // drizzle's `is` reads the prototype's constructor, which a module namespace (`export * as ns`) lacks.
  const isTable = (value: unknown): boolean =>
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) !== null &&
    is(value, PgTable) === true && !(isAliasSymbol !== undefined && field(value, isAliasSymbol) === true);

  function readTable(table: unknown): TableView {
    const config = getTableConfig(table);
    const tableName = text(field(config, 'name'), 'table name');
    const columns = Object.entries(record(getTableColumns(table))).map(([key, column]): ColumnView => {
      const name = text(field(column, 'name'), `column ${key}`);
      const uniqueName = field(column, 'uniqueName');
      return {
        key,
        name,
        keyAsName: field(column, 'keyAsName') === true,
        notNull: field(column, 'notNull') === true,
        primary: field(column, 'primary') === true,
        isUnique: field(column, 'isUnique') === true,
        // 0.x fills a default at build time, 1.0 leaves it undefined; drizzle's own uniqueKeyName either way.
        uniqueName: typeof uniqueName === 'string' ? uniqueName : text(uniqueKeyName(table, [name]), 'unique name'),
        nullsNotDistinct: field(column, 'uniqueType') === 'not distinct',
      };
    });
    const constraints: ConstraintView[] = [];
    for (const pk of list(field(config, 'primaryKeys'))) {
      constraints.push({
        kind: 'primary',
        name: optionalText(field(pk, 'name')),
        columns: list(field(pk, 'columns')).map((c) => text(field(c, 'name'), 'primary key column')),
        unique: true,
        nullsNotDistinct: false,
        partial: false,
      });
    }
    for (const uc of list(field(config, 'uniqueConstraints'))) {
      constraints.push({
        kind: 'unique',
        name: optionalText(field(uc, 'name')),
        columns: list(field(uc, 'columns')).map((c) => text(field(c, 'name'), 'unique column')),
        unique: true,
        nullsNotDistinct: field(uc, 'nullsNotDistinct') === true,
        partial: false,
      });
    }
    for (const index of list(field(config, 'indexes'))) {
      const indexConfig = field(index, 'config');
      constraints.push({
        kind: 'index',
        name: optionalText(field(indexConfig, 'name')),
        columns: list(field(indexConfig, 'columns')).map((c) =>
          is(c, IndexedColumn) === true ? text(field(c, 'name'), 'index column') : undefined,
        ),
        unique: field(indexConfig, 'unique') === true,
        nullsNotDistinct: false,
        partial: field(indexConfig, 'where') !== undefined,
      });
    }
    constraints.push(...foreignKeysOf(config));
    return { schema: optionalText(field(config, 'schema')), name: tableName, columns, constraints };
  }

  return {
    version: typeof field(versionModule, 'npmVersion') === 'string' ? String(field(versionModule, 'npmVersion')) : 'unknown',
    casingAtBuild: typeof pgCore.snakeCase === 'object' && pgCore.snakeCase !== null,
    isTable,
    owns: (table) => typeof PgTable === 'function' && table instanceof PgTable,
    readTable,
    casingOf: (casing) => {
      const convert = callable(casingModule, casing === 'snake_case' ? 'toSnakeCase' : 'toCamelCase', 'drizzle-orm/casing');
      return (key) => text(convert(key), 'cased name');
    },
  };
}

/** The table's foreign keys (drizzle turns column `.references()` into these too): their own columns, by SQL name. */
function foreignKeysOf(config: unknown): ConstraintView[] {
  return list(field(config, 'foreignKeys')).map((fk) => {
    const reference = field(fk, 'reference');
    const referenced: unknown = typeof reference === 'function' ? Reflect.apply(reference, fk, []) : undefined;
    return {
      kind: 'foreign',
      name: undefined,
      columns: list(field(referenced, 'columns')).map((c) => text(field(c, 'name'), 'foreign key column')),
      unique: false,
      nullsNotDistinct: false,
      partial: false,
    };
  });
}

// Narrowing helpers: drizzle's internals are read as unknown and checked, so a drizzle that changed shape
// fails with a sentence instead of a wrong model.

function field(value: unknown, key: string | symbol): unknown {
  return typeof value === 'object' || typeof value === 'function' ? (value as Record<string | symbol, unknown> | null)?.[key] : undefined;
}

function required(module: Record<string, unknown>, name: string, from: string): unknown {
  const value = module[name];
  if (value === undefined) throw new Error(`${from} does not export ${name}; this drizzle-orm version is not supported`);
  return value;
}

function callable(module: Record<string, unknown>, name: string, from: string): (...args: unknown[]) => unknown {
  const value = required(module, name, from);
  if (typeof value !== 'function') throw new Error(`${from}: ${name} is not a function`);
  return (...args: unknown[]): unknown => Reflect.apply(value, undefined, args);
}

function tableSymbol(root: Record<string, unknown>, name: string): symbol | undefined {
  const symbol = field(field(root.Table, 'Symbol'), name);
  return typeof symbol === 'symbol' ? symbol : undefined;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`drizzle-orm returned no string for the ${what}`);
  return value;
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
