// Which codec a Drizzle column gets: one table keyed by the column's own `columnType` (its class, which encodes
// Drizzle's mode: PgTimestamp vs PgTimestampString, PgBigInt53 vs PgBigInt64…). Read from drizzle-orm 0.45's
// pg-core/columns (mapFromDriverValue of each class) plus 1.0's names where they differ (PgBytea, `dimensions`).
import type { PgColumn } from 'drizzle-orm/pg-core';
import { UnsupportedColumnError } from '../errors.js';
import { arrayCodec, customValueCodec, isCarriableCustomValue } from './composite-codecs.js';
import { jsonCodec } from './json-codec.js';
import {
  dateText,
  inetText,
  int8Text,
  intervalText,
  macText,
  numericText,
  paddedText,
  plainText,
  timestampText,
  timestampTzText,
  timeText,
  timeTzText,
  uuidText,
} from './key-text.js';
import {
  bigintCodec,
  booleanCodec,
  bufferCodec,
  dateCodec,
  enumCodec,
  floatCodec,
  floatRecordCodec,
  floatTupleCodec,
  integerCodec,
  stringCodec,
} from './scalar-codecs.js';
import type { ValueCodec } from './value-codec.js';

/** Names the column in errors. */
export interface ColumnPlace {
  readonly table: string;
  readonly column: string;
}

const INT2 = integerCodec(-32768, 32767);
const INT4 = integerCodec(-2147483648, 2147483647);
// bigint in number mode: Drizzle returns Number(text), which rounds past 2^53; only exact integers are keys.
const INT8_NUMBER = integerCodec(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
const INT8_BIGINT = bigintCodec(-(2n ** 63n), 2n ** 63n - 1n);
const NUMERIC_BIGINT = bigintCodec(undefined, undefined);
const TEXT = stringCodec('text', plainText);

type CodecFactory = (column: PgColumn, place: ColumnPlace) => ValueCodec;

const BY_COLUMN_TYPE: Readonly<Record<string, CodecFactory>> = {
  PgSmallInt: () => INT2,
  PgSmallSerial: () => INT2,
  PgInteger: () => INT4,
  PgSerial: () => INT4,
  PgBigInt53: () => INT8_NUMBER,
  PgBigSerial53: () => INT8_NUMBER,
  PgBigInt64: () => INT8_BIGINT,
  PgBigSerial64: () => INT8_BIGINT,
  PgBigIntString: () => stringCodec('int8-text', int8Text),
  PgNumeric: () => stringCodec('numeric', numericText),
  PgNumericNumber: () => floatCodec,
  PgNumericBigInt: () => NUMERIC_BIGINT,
  PgReal: () => floatCodec,
  PgDoublePrecision: () => floatCodec,
  PgBoolean: () => booleanCodec,
  PgText: () => TEXT,
  PgVarchar: () => TEXT,
  PgChar: () => stringCodec('char', paddedText),
  PgUUID: () => stringCodec('uuid', uuidText),
  PgEnumColumn: (column) => enumCodec(column.enumValues ?? []),
  PgEnumObjectColumn: (column) => enumCodec(column.enumValues ?? []),
  PgDate: () => dateCodec,
  PgDateString: () => stringCodec('date', dateText),
  PgTimestamp: () => dateCodec,
  PgTimestampString: (column) =>
    withTimezone(column) ? stringCodec('timestamptz', timestampTzText) : stringCodec('timestamp', timestampText),
  PgTime: (column) => (withTimezone(column) ? stringCodec('timetz', timeTzText) : stringCodec('time', timeText)),
  PgInterval: () => stringCodec('interval', intervalText),
  PgJson: () => jsonCodec,
  PgJsonb: () => jsonCodec,
  PgInet: () => stringCodec('inet', inetText),
  PgCidr: () => stringCodec('cidr', inetText),
  PgMacaddr: () => stringCodec('macaddr', (value) => macText(value, 6)),
  PgMacaddr8: () => stringCodec('macaddr8', (value) => macText(value, 8)),
  PgPointTuple: () => floatTupleCodec(2),
  PgPointObject: () => floatRecordCodec(['x', 'y']),
  PgLine: () => floatTupleCodec(3),
  PgLineABC: () => floatRecordCodec(['a', 'b', 'c']),
  PgGeometry: () => floatTupleCodec(2),
  PgGeometryObject: () => floatRecordCodec(['x', 'y']),
  PgVector: () => arrayCodec(floatCodec),
  PgHalfVector: () => arrayCodec(floatCodec),
  PgSparseVector: () => TEXT,
  PgBinaryVector: () => TEXT,
  PgBytea: () => bufferCodec,
  PgArray: (column, place) => {
    const base = property(column, 'baseColumn');
    if (!isColumn(base)) throw new UnsupportedColumnError(place.table, place.column, 'array column without a base column');
    return arrayCodec(codecForColumn(base, place));
  },
  PgCustomColumn: (column, place) => customCodec(column, place),
};

/** The codec for one column; throws UnsupportedColumnError naming the column when none fits. */
export function codecForColumn(column: PgColumn, place: ColumnPlace): ValueCodec {
  const factory = Object.hasOwn(BY_COLUMN_TYPE, column.columnType) ? BY_COLUMN_TYPE[column.columnType] : undefined;
  if (factory === undefined) {
    throw new UnsupportedColumnError(
      place.table,
      place.column,
      `hotstorage has no codec for Drizzle column type ${column.columnType} (${column.getSQLType()}); ` +
        'use a customType, or leave this table out of hotstorage',
    );
  }
  let codec = factory(column, place);
  // drizzle-orm 1.0 marks arrays on the column itself (`dimensions`) instead of wrapping it in PgArray.
  const dimensions = property(column, 'dimensions');
  for (let i = 0; typeof dimensions === 'number' && i < dimensions; i++) codec = arrayCodec(codec);
  return codec;
}

// What postgres.js (with drizzle's transparent date parsers) hands a custom type without `fromDriver`, by SQL
// type: the value Drizzle returns is exactly this driver value.
const DRIVER_CODECS: ReadonlyMap<string, ValueCodec> = new Map([
  ['bytea', bufferCodec],
  ['json', jsonCodec],
  ['jsonb', jsonCodec],
  ['boolean', booleanCodec],
  ['bool', booleanCodec],
  ['smallint', INT2],
  ['int2', INT2],
  ['integer', INT4],
  ['int', INT4],
  ['int4', INT4],
  ['oid', floatCodec],
  ['real', floatCodec],
  ['float4', floatCodec],
  ['double precision', floatCodec],
  ['float8', floatCodec],
]);

function customCodec(column: PgColumn, place: ColumnPlace): ValueCodec {
  const sqlType = column.getSQLType().trim().toLowerCase();
  if (typeof property(column, 'mapFrom') !== 'function') return driverCodec(sqlType);
  // A fromDriver may return anything; probe it with driver values of its SQL type and refuse the column now when
  // it returns what cannot be carried. A probe that throws proves nothing: the value is checked on every encode.
  for (const sample of driverSamples(sqlType)) {
    let value: unknown;
    try {
      value = column.mapFromDriverValue(sample);
    } catch {
      continue;
    }
    if (!isCarriableCustomValue(value)) {
      throw new UnsupportedColumnError(
        place.table,
        place.column,
        `custom type ${column.getSQLType()} returns values hotstorage cannot store exactly ` +
          '(only strings, numbers, booleans, bigint, Date, Buffer and plain JSON); ' +
          'make its fromDriver return one of these, or leave this table out of hotstorage',
      );
    }
  }
  return customValueCodec;
}

function driverCodec(sqlType: string): ValueCodec {
  const arrayMatch = /^(.*?)((?:\[\d*\])+)$/.exec(sqlType);
  if (arrayMatch !== null && arrayMatch[1] !== undefined && arrayMatch[2] !== undefined) {
    let codec = driverCodec(arrayMatch[1].trim());
    for (const _ of arrayMatch[2].matchAll(/\[/g)) codec = arrayCodec(codec);
    return codec;
  }
  // Anything else (text-like, numeric, dates with drizzle's transparent parsers, extension types) is text.
  return DRIVER_CODECS.get(sqlType.replace(/\(.*\)$/, '').trim()) ?? TEXT;
}

function driverSamples(sqlType: string): unknown[] {
  const codec = driverCodec(sqlType);
  if (codec === bufferCodec) return [Buffer.from([0, 1])];
  if (codec === jsonCodec) return [{ a: 1 }, 'text'];
  if (codec === booleanCodec) return [true];
  if (codec === INT2 || codec === INT4 || codec === floatCodec) return [1];
  if (codec === TEXT) return ['1', '{}', '[1]', 'a'];
  return [];
}

function withTimezone(column: PgColumn): boolean {
  return property(column, 'withTimezone') === true;
}

function isColumn(value: unknown): value is PgColumn {
  return typeof value === 'object' && value !== null && typeof (value as { columnType?: unknown }).columnType === 'string';
}

/** Reads a property drizzle's public types do not declare (it differs between 0.x and 1.0). */
function property(column: object, name: string): unknown {
  return (column as Record<string, unknown>)[name];
}
