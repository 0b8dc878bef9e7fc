// CONTRACT between the codec work and the protocol work (keep the exported shapes).
// One codec per column, built from the column's own Drizzle type and mode; a row codec over them.
//
// Stored row: `["hs1",v1,v2,…]`, one JSON value per column in the table's column order (compact: no names), the
// marker first so foreign or older text is recognised before any column is read. Values never pass through
// eval or a class registry: each column's codec (runtime/codecs/) maps Drizzle's value to plain JSON and back.
import { getTableColumns } from 'drizzle-orm';
import { getTableConfig, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import { codecForColumn } from './column-codecs.js';
import { describeValue, INVALID, type ValueCodec } from './value-codec.js';
import { CorruptValueError, KeyValueError, UnsupportedColumnError } from '../errors.js';
import { ABSENT } from './markers.js';

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
  /** The stored value of a cached absence. */
  absent(): string;
  /** Is this stored value a cached absence that may be served? (Not one of an older table epoch.) */
  isAbsent(text: string): boolean;
  /** Sorted `key:sqlName:dataType:columnType:mode` parts plus the codec version: input of the shape hash. */
  readonly signature: string;
}

/** Bump when any stored form changes; it is part of every signature, so old rows become unreachable. */
export const CODEC_VERSION = 1;
const MARKER = `hs${CODEC_VERSION}`;
const PREFIX = `["${MARKER}"`;

/**
 * keyPart of SQL NULL (a nullable column of a NULLS NOT DISTINCT key). No value's key text contains U+0000
 * (Postgres text cannot hold it and every codec refuses or escapes it), so this one character is unreachable by
 * any value. The key layout must keep it distinct from escaped text (e.g. pass it through unescaped, or escape
 * it to a form that escaping a string never produces).
 */
export const NULL_KEY_PART = '\u0000';

/** One column bound to its codec, with the facts the hot loops need precomputed. */
interface BoundColumn {
  readonly key: string;
  readonly codec: ValueCodec;
  /** null may be stored: the column is nullable, or JSON null is one of its values. */
  readonly nullAllowed: boolean;
  readonly public: ColumnCodec;
}

const cache = new WeakMap<PgTable, RowCodec>();

/** Builds (once per table object) the row codec; throws at startup naming the column for a type it cannot carry. */
export function rowCodecFor(table: PgTable): RowCodec {
  let codec = cache.get(table);
  if (codec === undefined) {
    codec = buildRowCodec(table);
    cache.set(table, codec);
  }
  return codec;
}

function buildRowCodec(table: PgTable): RowCodec {
  const config = getTableConfig(table);
  const tableName = config.schema === undefined ? config.name : `${config.schema}.${config.name}`;
  const keyByColumn = new Map<PgColumn, string>();
  for (const [key, column] of Object.entries(getTableColumns(table))) keyByColumn.set(column, key);

  const bound = config.columns.map((column): BoundColumn => {
    const key = keyByColumn.get(column) ?? column.name;
    if (key === '__proto__') {
      throw new UnsupportedColumnError(tableName, key, 'a column keyed `__proto__` cannot be a property of a plain row');
    }
    const place = { table: tableName, column: key };
    const codec = codecForColumn(column, place);
    const nullAllowed = !column.notNull || codec.nullIsValue;
    return { key, codec, nullAllowed, public: bindColumn(place, codec, nullAllowed) };
  });
  const byKey = new Map(bound.map((column) => [column.key, column.public]));
  const signature = signatureOf(config.columns, bound);

  return {
    columns: bound.map((column) => column.public),
    signature,
    codecFor(key) {
      const column = byKey.get(key);
      if (column === undefined) throw new KeyValueError(tableName, key, 'no such column in this table');
      return column;
    },
    encode: (row) => encodeRow(tableName, bound, row),
    decode: (text) => decodeRow(bound, text),
    absent: () => ABSENT,
    isAbsent: (text) => text === ABSENT,
  };
}

function encodeRow(table: string, columns: readonly BoundColumn[], row: Record<string, unknown>): string {
  const values = new Array<unknown>(columns.length + 1);
  values[0] = MARKER;
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i] as BoundColumn;
    const value = row[column.key];
    if (value === null && column.nullAllowed) {
      values[i + 1] = null;
      continue;
    }
    const json = value === null ? INVALID : column.codec.toJson(value);
    if (json === INVALID) {
      throw new CorruptValueError(table, column.key, `cannot store ${describeValue(value)} (${column.codec.mode})`);
    }
    values[i + 1] = json;
  }
  return JSON.stringify(values);
}

function decodeRow(columns: readonly BoundColumn[], text: string): Record<string, unknown> | undefined {
  // Cheap refusal of foreign text before parsing it.
  if (!text.startsWith(PREFIX)) return undefined;
  let stored: unknown;
  try {
    stored = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(stored) || stored.length !== columns.length + 1 || stored[0] !== MARKER) return undefined;
  // A corrupt column anywhere yields undefined, never half a row. The try only guards against what no codec
  // expects (a stack overflow on absurdly nested arrays): decode must never throw.
  try {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i] as BoundColumn;
      const value: unknown = stored[i + 1];
      if (value === null) {
        if (!column.nullAllowed) return undefined;
        row[column.key] = null;
        continue;
      }
      const decoded = column.codec.fromJson(value);
      if (decoded === INVALID) return undefined;
      row[column.key] = decoded;
    }
    return row;
  } catch {
    return undefined;
  }
}

function bindColumn(place: { table: string; column: string }, codec: ValueCodec, nullAllowed: boolean): ColumnCodec {
  const { table, column } = place;
  return {
    key: column,
    toJson(value) {
      if (value === null && nullAllowed) return null;
      const json = value === null ? INVALID : codec.toJson(value);
      if (json === INVALID) throw new CorruptValueError(table, column, `cannot store ${describeValue(value)} (${codec.mode})`);
      return json;
    },
    fromJson(stored) {
      if (stored === null && nullAllowed) return null;
      const value = stored === null ? INVALID : codec.fromJson(stored);
      if (value === INVALID) throw new CorruptValueError(table, column, `stored ${describeValue(stored)} is not a ${codec.mode} value`);
      return value;
    },
    keyPart(value) {
      if (value === null && nullAllowed) return NULL_KEY_PART;
      const text = value === null || value === undefined ? INVALID : codec.keyPart(value);
      if (text === INVALID) {
        throw new KeyValueError(table, column, `${describeValue(value)} cannot be a key value of this column (${codec.mode})`);
      }
      return text;
    },
  };
}

/**
 * One entry per column in column order (the stored form is positional, so reordering columns must change the
 * shape; the index makes the order explicit), each `index:key:sqlName:sqlType:dataType:columnType:mode:nullability`.
 */
function signatureOf(columns: readonly PgColumn[], bound: readonly BoundColumn[]): string {
  const parts = columns.map((column, i) => {
    const b = bound[i] as BoundColumn;
    const nullability = column.notNull ? 'not-null' : 'nullable';
    return [i, b.key, column.name, column.getSQLType(), column.dataType, column.columnType, b.codec.mode, nullability].join(':');
  });
  return `codec-v${CODEC_VERSION}|${parts.join('|')}`;
}
