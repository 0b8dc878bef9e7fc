// What the static reader knows about an expression: a small abstract value, just rich enough to replay what
// drizzle-orm does when a schema module runs (build columns, collect keys) without running it.
import type { Node } from 'ts-morph';
import type { Diagnostic } from '../diagnostics.js';
import type { Casing, ColumnFinding, KeyFinding } from '../findings.js';
import type { ModuleFile } from './modules.js';

/** A column builder: what `text('email').notNull().unique()` leaves behind. */
export interface ColumnBuilder {
  /** SQL name as written; undefined for a nameless column. */
  readonly name: string | undefined;
  readonly notNull: boolean;
  readonly primaryKey: boolean;
  /** Column-level `.unique(name?, { nulls })`. */
  readonly unique: { readonly name: string | undefined; readonly nullsNotDistinct: boolean } | undefined;
  /** `.references(() => other.id)`: a foreign key over this column, so a list. */
  readonly references?: boolean;
}

/** primaryKey(...), unique().on(...), uniqueIndex().on(...), index().on(...), foreignKey({ columns }). */
export interface KeyBuilder {
  readonly kind: 'primary' | 'unique-constraint' | 'index' | 'foreign';
  readonly unique: boolean;
  readonly name: string | undefined;
  /** The columns named, with the table each belongs to (undefined when it came from the extra-config parameter). */
  readonly refs: readonly { readonly key: string; readonly table: object | undefined }[];
  readonly expression: boolean;
  readonly partial: boolean;
  readonly nullsNotDistinct: boolean;
  readonly node: Node;
  readonly file: ModuleFile;
  /** A part that is neither a column of this table nor SQL. */
  readonly problem: Unknown | undefined;
}

/** The ways drizzle builds a table: pgTable, pgSchema(s).table, pgTableCreator(fn, casing), snakeCase.table. */
export interface TableFactory {
  readonly schema: string | undefined;
  readonly casing: Casing | undefined;
  /** The pgTableCreator name function. */
  readonly prefix: FunctionValue | undefined;
}

export interface FunctionValue {
  readonly kind: 'function';
  readonly node: Node;
  readonly scope: Scope;
}

export interface Unknown {
  readonly kind: 'unknown';
  readonly node: Node;
  readonly file: ModuleFile;
  readonly code: string;
  readonly message: string;
  readonly hint: string;
  /** It may well be a table (a project's own factory function): an export holding it is reported, not ignored. */
  readonly tableLike: boolean;
  /** Already reported elsewhere (a syntax error in the file it comes from). */
  readonly silent: boolean;
}

export interface ObjectEntry {
  readonly name: string;
  readonly node: Node;
  readonly get: () => Value;
}

/** A table as it is being read: what the static reader has found of it so far. */
export interface TableDraft {
  readonly file: ModuleFile;
  readonly node: Node;
  readonly line: number;
  readonly schema: string | undefined;
  readonly name: string;
  readonly casing: Casing | undefined;
  readonly columns: ColumnFinding[];
  readonly keys: KeyFinding[];
  /** Whatever stops this table from being read statically; the table is reported, not emitted. */
  readonly problems: Unknown[];
  readonly warnings: Diagnostic[];
  /** Work deferred until every export is bound (the extra config); run by `finishTable`. */
  readonly pending: (() => void)[];
}

export interface TableValue {
  readonly kind: 'table';
  readonly table: TableDraft;
}

export type Value =
  | { readonly kind: 'string'; readonly value: string }
  /** Numbers, booleans, null, RegExps: values no key depends on. */
  | { readonly kind: 'literal' }
  | { readonly kind: 'column'; readonly column: ColumnBuilder }
  /** A column of the table inside its extra-config callback (`t.email`, `t.email.asc()`). */
  | { readonly kind: 'column-ref'; readonly key: string; readonly table: object | undefined }
  /** The extra-config callback's parameter. */
  | { readonly kind: 'column-refs'; readonly table: object | undefined }
  /** The callback-columns parameter `(t) => ({ id: t.integer() })`. */
  | { readonly kind: 'builders' }
  /** A named export of drizzle-orm/pg-core. */
  | { readonly kind: 'drizzle'; readonly name: string }
  /** `import * as p from 'drizzle-orm/pg-core'`. */
  | { readonly kind: 'pg-core' }
  /** `sql` from drizzle-orm, and every SQL fragment it builds. */
  | { readonly kind: 'sql' }
  /** pgEnum(...) and customType(...) results: call them to get a column. */
  | { readonly kind: 'column-factory' }
  | { readonly kind: 'table-factory'; readonly factory: TableFactory }
  | { readonly kind: 'schema'; readonly name: string; readonly casing: Casing | undefined }
  /** drizzle 1.0's `snakeCase` / `camelCase`. */
  | { readonly kind: 'casing-namespace'; readonly casing: Casing }
  | TableValue
  | { readonly kind: 'key-start'; readonly key: 'unique-constraint' | 'index'; readonly unique: boolean; readonly name: string | undefined }
  | { readonly kind: 'key'; readonly key: KeyBuilder }
  /** A method looked up on a value, waiting for its call. */
  | { readonly kind: 'method'; readonly self: Value; readonly name: string }
  | { readonly kind: 'object'; readonly entries: readonly ObjectEntry[]; readonly opaque: Unknown | undefined; readonly node: Node | undefined }
  | { readonly kind: 'array'; readonly items: readonly Value[]; readonly opaque: Unknown | undefined; readonly node: Node | undefined }
  /** `import * as helpers from './helpers'`. */
  | { readonly kind: 'module'; readonly file: ModuleFile }
  | FunctionValue
  /** Known and irrelevant: relations, index(), check(), foreignKey(), other packages' exports. */
  | { readonly kind: 'ignored' }
  | Unknown;

/** Identifiers bound inside a function body or callback; the file's own top level is behind them. */
export interface Scope {
  readonly file: ModuleFile;
  readonly locals: ReadonlyMap<string, Value>;
  readonly parent: Scope | undefined;
  /** Calls of the project's own functions on the way here (a table built inside one is a factory). */
  readonly depth: number;
}

export const IGNORED: Value = { kind: 'ignored' };
export const LITERAL: Value = { kind: 'literal' };
