// The model: the one contract between extraction and rendering. `hotstorage inspect --json` prints exactly
// this. Both extractors (static and import) produce it through normalize.ts, and the tests hold them equal.
// Bump MODEL_VERSION whenever the printed shape changes.

export const MODEL_VERSION = 2;

export type SkipReason = 'expression' | 'partial' | 'nullable' | 'no-key';

export interface Column {
  /** TypeScript property name on the table object: the key used everywhere in the model. */
  readonly key: string;
  /** SQL column name after casing. */
  readonly name: string;
  readonly notNull: boolean;
}

export interface Skipped {
  /** Constraint or index name (the table's SQL name for `no-key`). */
  readonly name: string;
  /** TypeScript property names; empty when the key is an expression or the table has no key. */
  readonly columns: readonly string[];
  readonly reason: SkipReason;
}

/** Where a list comes from: a foreign key of the table, a non-unique index, or both. */
export type ListSource = 'fk' | 'index';

/**
 * A list (`listBy<Columns>`): the rows whose columns equal given values, ordered by identity. One per distinct column
 * list (declared order) of the table's foreign keys and non-unique plain indexes; none whose columns are (as a set) the
 * identity or a usable unique key, which `getBy` serves.
 */
export interface List {
  /** TypeScript property names in declared order. */
  readonly columns: readonly string[];
  /** Sorted; both when a foreign key and an index name the same columns. */
  readonly sources: readonly ListSource[];
}

export interface Table {
  /** The binding the schema file exports the table under. */
  readonly exportName: string;
  readonly schema: string;
  /** SQL table name, with any pgTableCreator prefix applied. */
  readonly name: string;
  /** Schema file that exports the table, relative to the project root, POSIX separators. */
  readonly file: string;
  /** Primary key columns in declared order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** Usable unique keys (columns in declared order), sorted by declaration; never equal (as a set) to the primary key. */
  readonly uniqueKeys: readonly (readonly string[])[];
  /**
   * The columns that identify a cached row: the primary key, or, for a table without one, its first usable
   * unique key. Empty only for a table skipped with reason `no-key`.
   */
  readonly identity: readonly string[];
  readonly columns: readonly Column[];
  /** Sorted by where their columns sit in the table. */
  readonly lists: readonly List[];
  readonly skipped: readonly Skipped[];
}

export interface Model {
  readonly version: typeof MODEL_VERSION;
  /** Sorted by schema, then name. */
  readonly tables: readonly Table[];
}
