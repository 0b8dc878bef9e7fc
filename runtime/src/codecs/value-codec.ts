// The shape every per-type codec record has (postgres.js `src/types.js` style: codecs are data, one record per
// type). Records know nothing about tables; runtime/codecs.ts binds them to columns and names in errors.

/**
 * Returned instead of a value when the input is not what the type holds. A sentinel, not an exception, so that
 * decode's hot loop never unwinds and a corrupt row costs one comparison per column.
 */
export const INVALID: unique symbol = Symbol('hotstorage.invalid');
export type Invalid = typeof INVALID;

export interface ValueCodec {
  /** Names the stored form in the shape signature: change it whenever the stored form changes. */
  readonly mode: string;
  /** JSON null is a value of this type (json/jsonb `null`), not only SQL NULL: allowed in NOT NULL columns. */
  readonly nullIsValue: boolean;
  /** Some values are JS arrays (json, point tuples…): an enclosing Postgres array must not descend into them. */
  readonly arrayValues?: true;
  /** Drizzle's value (never null) → JSON-safe value. */
  toJson(value: unknown): unknown;
  /** Inverse of toJson on a non-null stored value. */
  fromJson(stored: unknown): unknown;
  /** Canonical key text (never containing U+0000), or INVALID when the value cannot be a key of this type. */
  keyPart(value: unknown): string | Invalid;
}

/** Short description of a run-time value for error messages (never the value itself: it may be secret). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : 'a Date';
  if (Buffer.isBuffer(value)) return 'a Buffer';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return 'an infinite number';
    return Number.isInteger(value) ? 'an integer number' : 'a fractional number';
  }
  if (typeof value === 'object') {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return name !== undefined && name !== 'Object' ? `an object (${name})` : 'an object';
  }
  return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
}
