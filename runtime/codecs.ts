// CONTRACT between the codec work and the protocol work (replace the body, keep the exported shapes).
// One codec per column, built from the column's own Drizzle type and mode; a row codec over them.
import type { PgTable } from 'drizzle-orm/pg-core';

export interface ColumnCodec {
  /** TypeScript property name of the column. */
  readonly key: string;
  /** Value as Drizzle returns it → JSON-safe value. */
  toJson(value: unknown): unknown;
  /** Inverse of toJson; throws CorruptValueError when the stored value is not what this column holds. */
  fromJson(stored: unknown): unknown;
  /**
   * Canonical text of a value used inside a Redis key (before escaping): equal values, equal text.
   * Throws KeyValueError (before any I/O) for values that cannot be this column's key: NaN, objects, undefined,
   * wrong run-time types.
   */
  keyPart(value: unknown): string;
}

export interface RowCodec {
  readonly columns: readonly ColumnCodec[];
  codecFor(key: string): ColumnCodec;
  /** Row → the string stored in Redis. */
  encode(row: Record<string, unknown>): string;
  /** Stored string → row; undefined when the text is corrupt or foreign (a miss, repaired, counted). */
  decode(text: string): Record<string, unknown> | undefined;
  /** Sorted `key:sqlName:dataType:columnType:mode` parts plus the codec version: input of the shape hash. */
  readonly signature: string;
}

/** Builds (once per table object) the row codec; throws at startup naming the column for a type it cannot carry. */
export function rowCodecFor(table: PgTable): RowCodec {
  void table;
  throw new Error('hotstorage runtime: codecs not implemented yet');
}
