// Codecs built from other codecs: Postgres arrays (any number of dimensions, NULL elements) and custom types
// whose own `fromDriver` decides the value's kind at run time.
import { plainText } from './key-text.js';
import { jsonCodec } from './json-codec.js';
import { bufferCodec, dateCodec, mapAll } from './scalar-codecs.js';
import { INVALID, type ValueCodec } from './value-codec.js';

/**
 * Postgres does not enforce an array column's declared dimensions (`integer[]` may hold `{{1,2},{3,4}}`) and
 * Drizzle returns whatever nesting Postgres sent, so for element types whose values are never arrays, a nested
 * array is descended into at any depth.
 */
export function arrayCodec(element: ValueCodec): ValueCodec {
  const nested = element.arrayValues !== true;
  const elementToJson = (value: unknown): unknown =>
    value === null ? null : nested && Array.isArray(value) ? mapAll(value, elementToJson) : element.toJson(value);
  const elementFromJson = (stored: unknown): unknown =>
    stored === null ? null : nested && Array.isArray(stored) ? mapAll(stored, elementFromJson) : element.fromJson(stored);
  const elementKey = (value: unknown): unknown =>
    value === null ? null : nested && Array.isArray(value) ? mapAll(value, elementKey) : element.keyPart(value);
  return {
    mode: `array(${element.mode})`,
    nullIsValue: false,
    arrayValues: true,
    toJson: (value) => (Array.isArray(value) ? mapAll(value, elementToJson) : INVALID),
    fromJson: (stored) => (Array.isArray(stored) ? mapAll(stored, elementFromJson) : INVALID),
    keyPart: (value) => {
      if (!Array.isArray(value)) return INVALID;
      const parts = mapAll(value, elementKey);
      // Element texts are JSON strings inside a JSON array, so no element text can imitate a separator.
      return parts === INVALID ? INVALID : JSON.stringify(parts);
    },
  };
}

/**
 * A custom type with its own `fromDriver` may return any kind of value. Strings, booleans and finite numbers are
 * stored as themselves (the common case: citext, ltree, money…); every other carriable kind as a `[tag, payload]`
 * pair. What cannot be carried exactly (class instances, Maps, functions, objects holding them) is refused by
 * toJson, so such a row is never cached rather than cached wrong; `classifyCustomValue` lets startup refuse the
 * column early when a probe already shows such a value.
 */
export const customValueCodec: ValueCodec = {
  mode: 'custom-tagged',
  nullIsValue: true,
  arrayValues: true,
  toJson: (value) => {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        return Number.isFinite(value) && !Object.is(value, -0) ? value : ['f', Object.is(value, -0) ? '-0' : String(value)];
      case 'bigint':
        return ['n', value.toString()];
      case 'undefined':
        return ['u', 0];
      default:
        if (value instanceof Date) return withTag('d', dateCodec.toJson(value));
        if (Buffer.isBuffer(value)) return withTag('b', bufferCodec.toJson(value));
        return withTag('j', jsonCodec.toJson(value));
    }
  },
  fromJson: (stored) => {
    if (typeof stored === 'string' || typeof stored === 'boolean' || typeof stored === 'number') return stored;
    if (!Array.isArray(stored) || stored.length !== 2) return INVALID;
    const [tag, payload] = stored as [unknown, unknown];
    switch (tag) {
      case 'f':
        return payload === 'NaN' ? Number.NaN : payload === 'Infinity' ? Infinity : payload === '-Infinity' ? -Infinity : payload === '-0' ? -0 : INVALID;
      case 'n':
        return typeof payload === 'string' && /^-?(0|[1-9]\d*)$/.test(payload) ? BigInt(payload) : INVALID;
      case 'u':
        return payload === 0 ? undefined : INVALID;
      case 'd':
        return dateCodec.fromJson(payload);
      case 'b':
        return bufferCodec.fromJson(payload);
      case 'j':
        return jsonCodec.fromJson(payload);
      default:
        return INVALID;
    }
  },
  keyPart: (value) => {
    switch (typeof value) {
      case 'string':
        return plainText(value) ?? INVALID;
      case 'boolean':
      case 'bigint':
        return String(value);
      case 'number':
        return Number.isFinite(value) ? String(value) : INVALID;
      default:
        if (value instanceof Date) return dateCodec.keyPart(value);
        if (Buffer.isBuffer(value)) return bufferCodec.keyPart(value);
        return value === null ? INVALID : jsonCodec.keyPart(value);
    }
  },
};

function withTag(tag: string, payload: unknown): unknown {
  return payload === INVALID ? INVALID : [tag, payload];
}

/** Whether customValueCodec can carry a value a custom type's fromDriver returned (used by the startup probe). */
export function isCarriableCustomValue(value: unknown): boolean {
  return value === null || customValueCodec.toJson(value) !== INVALID;
}
