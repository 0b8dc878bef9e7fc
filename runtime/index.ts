// Public entry of the runtime: what applications and generated modules import. Production code loads this
// alone; it never imports generator/ or ts-morph.
//
// CONTRACT: generated modules (templates/) compile against `defineTable`, `HotTable`, `Context`, `Row` and
// `NewRow` exactly as declared here. Change these signatures only together with the templates and goldens.

import type { PgTable } from 'drizzle-orm/pg-core';

/** A row as Postgres returns it through Drizzle. */
export type Row<T extends PgTable> = T['$inferSelect'];
/** A row as Drizzle accepts it for insert. */
export type NewRow<T extends PgTable> = T['$inferInsert'];

/** What the generator knew about a table's keys; checked against the live table when first used. */
export interface TableSpec {
  /** Primary key columns (TypeScript property names) in declared order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** Usable unique keys, columns in declared order. */
  readonly uniqueKeys: readonly (readonly string[])[];
  /** Columns identifying a cached row: the primary key, or the first NOT NULL unique key. */
  readonly identity: readonly string[];
}

/** Either the storage itself or a transaction opened by `hs.transaction`. */
export type Context = HotStorageContext;

export interface HotStorageContext {
  readonly kind: 'storage' | 'transaction';
}

export interface HotTable<T extends PgTable> {
  /** Look a row up by one of the spec's keys (`key` lists its columns). */
  getBy(ctx: Context, key: readonly string[], values: Partial<Row<T>>): Promise<Row<T> | null>;
  /** Rows by identity, in input order, null for absent rows. */
  getManyByIdentity(ctx: Context, values: readonly Partial<Row<T>>[]): Promise<(Row<T> | null)[]>;
  /** Insert or update a whole row (upsert on the identity); returns the row as Postgres returned it. */
  save(ctx: Context, row: NewRow<T>): Promise<Row<T>>;
  /** Update some columns of the row with this identity; null when no such row. */
  update(ctx: Context, identity: Partial<Row<T>>, patch: Partial<NewRow<T>>): Promise<Row<T> | null>;
  /** Delete the row with this identity; true when a row was deleted. */
  remove(ctx: Context, identity: Partial<Row<T>>): Promise<boolean>;
}

export { defineTable } from './table.js';

export { createHotStorage, type HotStorage, type HotStorageTransaction } from './storage.js';
export type { HotStorageOptions, ProtocolHooks } from './options.js';
export type { ListenOptions, Listener } from './listener.js';
export type { HotStorageEvent, HotStorageEventType, HotStorageStats } from './events.js';
export { KeyUsageError, KeyValueError, OptionError, ServiceUnavailableError, SpecMismatchError } from './errors.js';
