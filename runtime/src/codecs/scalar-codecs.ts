// One record per JavaScript value kind Drizzle returns for PostgreSQL. Each stores the value in the most compact
// JSON that decodes back to exactly the same value (same type, same bits): numbers as JSON numbers except the
// four JSON cannot hold, bigint as decimal text, Date as epoch milliseconds, Buffer as base64.
import { INVALID, type Invalid, type ValueCodec } from './value-codec.js';

// JSON has no NaN, ±Infinity or -0; Drizzle returns them (float columns, numeric in number mode, and NaN for
// NULL elements of bigint arrays), so they travel as these strings. A JSON number is always finite.
const NON_FINITE = new Map<string, number>([
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['-0', -0],
]);

function numberToJson(value: unknown): unknown {
  if (typeof value !== 'number') return INVALID;
  if (Number.isFinite(value) && !Object.is(value, -0)) return value;
  return Object.is(value, -0) ? '-0' : String(value);
}

function numberFromJson(stored: unknown): unknown {
  if (typeof stored === 'number') return stored;
  return typeof stored === 'string' ? (NON_FINITE.get(stored) ?? INVALID) : INVALID;
}

/** Integer columns in number mode; the key range is the column's, so an out-of-range lookup fails before I/O. */
export function integerCodec(min: number, max: number): ValueCodec {
  return {
    mode: 'number',
    nullIsValue: false,
    toJson: numberToJson,
    fromJson: numberFromJson,
    keyPart: (value) =>
      typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? String(value) : INVALID,
  };
}

export const floatCodec: ValueCodec = {
  mode: 'number',
  nullIsValue: false,
  toJson: numberToJson,
  fromJson: numberFromJson,
  // -0 = 0 in Postgres; String(-0) is already '0'. Non-finite keys are refused (NaN would match nothing useful).
  keyPart: (value) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : INVALID),
};

const BIGINT_TEXT = /^-?(0|[1-9]\d*)$/;

export function bigintCodec(min: bigint | undefined, max: bigint | undefined): ValueCodec {
  return {
    mode: 'bigint',
    nullIsValue: false,
    toJson: (value) => (typeof value === 'bigint' ? value.toString() : INVALID),
    fromJson: (stored) => (typeof stored === 'string' && BIGINT_TEXT.test(stored) ? BigInt(stored) : INVALID),
    keyPart: (value) =>
      typeof value === 'bigint' && (min === undefined || value >= min) && (max === undefined || value <= max)
        ? value.toString()
        : INVALID,
  };
}

/** Every string-valued type; `canonical` gives its key text (see key-text.ts) or undefined when refused. */
export function stringCodec(mode: string, canonical: (value: string) => string | undefined): ValueCodec {
  return {
    mode,
    nullIsValue: false,
    toJson: (value) => (typeof value === 'string' ? value : INVALID),
    fromJson: (stored) => (typeof stored === 'string' ? stored : INVALID),
    keyPart: (value) => (typeof value === 'string' ? (canonical(value) ?? INVALID) : INVALID),
  };
}

/**
 * Enum: only the enum's values are keys. Stored values are any string, because Drizzle returns strings outside
 * the enum (the text `NULL` for NULL elements of enum arrays; labels added in the database but not in the schema).
 */
export function enumCodec(values: readonly string[]): ValueCodec {
  const allowed = new Set(values);
  return {
    mode: `enum${JSON.stringify(values)}`,
    nullIsValue: false,
    toJson: (value) => (typeof value === 'string' ? value : INVALID),
    fromJson: (stored) => (typeof stored === 'string' ? stored : INVALID),
    keyPart: (value) => (typeof value === 'string' && allowed.has(value) ? value : INVALID),
  };
}

export const booleanCodec: ValueCodec = {
  mode: 'boolean',
  nullIsValue: false,
  toJson: (value) => (typeof value === 'boolean' ? value : INVALID),
  fromJson: (stored) => (typeof stored === 'boolean' ? stored : INVALID),
  keyPart: (value) => (typeof value === 'boolean' ? String(value) : INVALID),
};

// The largest epoch offset a Date can hold; anything beyond would decode to an Invalid Date.
const MAX_DATE_MS = 8.64e15;
// Drizzle itself returns Invalid Date for values it cannot parse (±infinity, BC dates, NULL elements of date
// arrays); to return exactly what Drizzle returned, that value has its own stored form. Nothing else decodes
// to an Invalid Date, and an Invalid Date is never a key.
const INVALID_DATE = 'invalid';

export const dateCodec: ValueCodec = {
  mode: 'date-ms',
  nullIsValue: false,
  toJson: (value) => {
    if (!(value instanceof Date)) return INVALID;
    const ms = value.getTime();
    return Number.isNaN(ms) ? INVALID_DATE : ms;
  },
  fromJson: (stored) => {
    if (typeof stored === 'number') {
      return Number.isInteger(stored) && Math.abs(stored) <= MAX_DATE_MS ? new Date(stored) : INVALID;
    }
    return stored === INVALID_DATE ? new Date(Number.NaN) : INVALID;
  },
  keyPart: (value) => (value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : INVALID),
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const bufferCodec: ValueCodec = {
  mode: 'buffer-base64',
  nullIsValue: false,
  toJson: (value) => (Buffer.isBuffer(value) ? value.toString('base64') : INVALID),
  fromJson: (stored) => (typeof stored === 'string' && BASE64.test(stored) ? Buffer.from(stored, 'base64') : INVALID),
  // bytea equality is bytewise; hex is canonical (one text per byte string) and never contains U+0000.
  keyPart: (value) => (Buffer.isBuffer(value) ? `\\x${value.toString('hex')}` : INVALID),
};

/** Geometric types (point, line): a fixed tuple or record of floats, any of which may be NaN or ±Infinity. */
export function floatTupleCodec(length: number): ValueCodec {
  const isTuple = (value: unknown): value is unknown[] => Array.isArray(value) && value.length === length;
  return {
    mode: `float-tuple${length}`,
    nullIsValue: false,
    arrayValues: true,
    toJson: (value) => (isTuple(value) ? mapAll(value, numberToJson) : INVALID),
    fromJson: (stored) => (isTuple(stored) ? mapAll(stored, numberFromJson) : INVALID),
    keyPart: (value) => (isTuple(value) ? floatsKey(value) : INVALID),
  };
}

export function floatRecordCodec(keys: readonly string[]): ValueCodec {
  return {
    mode: `float-record${JSON.stringify(keys)}`,
    nullIsValue: false,
    toJson: (value) => {
      const tuple = recordToTuple(value, keys);
      return tuple === INVALID ? INVALID : mapAll(tuple, numberToJson);
    },
    fromJson: (stored) => {
      if (!Array.isArray(stored) || stored.length !== keys.length) return INVALID;
      const numbers = mapAll(stored, numberFromJson);
      if (numbers === INVALID) return INVALID;
      const record: Record<string, unknown> = {};
      keys.forEach((key, i) => (record[key] = numbers[i]));
      return record;
    },
    keyPart: (value) => {
      const tuple = recordToTuple(value, keys);
      return tuple === INVALID ? INVALID : floatsKey(tuple);
    },
  };
}

function recordToTuple(value: unknown, keys: readonly string[]): unknown[] | Invalid {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return INVALID;
  if (Object.keys(value).length !== keys.length) return INVALID;
  const tuple = keys.map((key) => (value as Record<string, unknown>)[key]);
  return tuple.every((n) => typeof n === 'number') ? tuple : INVALID;
}

function floatsKey(values: readonly unknown[]): string | Invalid {
  const parts: string[] = [];
  for (const value of values) {
    const part = floatCodec.keyPart(value);
    if (part === INVALID) return INVALID;
    parts.push(part);
  }
  return `(${parts.join(',')})`;
}

/** Maps every element; INVALID when any element is. */
export function mapAll(values: readonly unknown[], map: (value: unknown) => unknown): unknown[] | Invalid {
  const out = new Array<unknown>(values.length);
  for (let i = 0; i < values.length; i++) {
    const mapped = map(values[i]);
    if (mapped === INVALID) return INVALID;
    out[i] = mapped;
  }
  return out;
}
