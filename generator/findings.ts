// Findings: what an extractor saw, before any rule is applied. Both extractors (static ts-morph reading and
// `--extract import`) emit these; normalize.ts alone turns them into the model, so the rules (casing, nullable
// keys, primary key = unique key dedup, identity choice, sorting) live in one place.

export type Casing = 'snake_case' | 'camelCase';

export interface ColumnFinding {
  /** TypeScript property name. */
  readonly key: string;
  /** SQL name as written; undefined for a nameless column (`text()`): its key, through the casing if one is set. */
  readonly name: string | undefined;
  readonly notNull: boolean;
  /** `.primaryKey()` on the column itself. */
  readonly primaryKey: boolean;
}

export interface KeyFinding {
  /**
   * `primary` and `unique` are keys; `index` (a non-unique index) and `foreign` (a foreign key, from `.references()` or
   * `foreignKey({ columns })`) are lists: normalize.ts turns them into the table's `listBy<Columns>` accessors.
   */
  readonly kind: 'primary' | 'unique' | 'index' | 'foreign';
  /** Name as declared, undefined when drizzle derives it. */
  readonly name: string | undefined;
  /** TypeScript property names in declared order; empty for expression keys. */
  readonly columns: readonly string[];
  readonly nullsNotDistinct: boolean;
  /** An index with `.where(...)`. */
  readonly partial: boolean;
  /** An index over an SQL expression rather than plain columns. */
  readonly expression: boolean;
  /** 1-based line of the declaration, for diagnostics; 0 when unknown (import extraction). */
  readonly line: number;
}

export interface TableFinding {
  readonly exportName: string;
  /** Relative to the project root, POSIX separators. */
  readonly file: string;
  readonly line: number;
  /** undefined means the default schema (`public`). */
  readonly schema: string | undefined;
  readonly name: string;
  readonly columns: readonly ColumnFinding[];
  /** Keys other than column-level `.primaryKey()`, which ColumnFinding carries. */
  readonly keys: readonly KeyFinding[];
  /** Casing declared by the table's own form (drizzle 1.0 `snakeCase.table`, `pgTableCreator(fn, casing)`). */
  readonly casing: Casing | undefined;
}

/**
 * What an extractor saw but could not read, each with an error diagnostic saying why: an export that is, or may
 * be, a table; or a source whose tables are not known by name: a whole file (a syntax error, a module that
 * throws), or `export * from '<package>'`, which static reading does not open.
 */
export interface UnreadTable {
  /** Relative to the project root, POSIX separators: the schema file that exports it, or the file not read. */
  readonly file: string;
  /** undefined when the names are not known. */
  readonly exportName: string | undefined;
  /** For `export * from '<package>'`: the package. */
  readonly from?: string;
}
