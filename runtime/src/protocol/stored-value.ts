// What the cache stores for a row: its encoded form, or the oversized marker when that form is over `maxRowBytes`
// (a row too large to be worth a Redis value is served from Postgres, never truncated); and, read back, which pointers
// that value was written with.
import type { StorageCore } from '../storage/core.js';
import { OVERSIZED } from '../codecs/markers.js';
import type { TableRuntime } from '../table/table-runtime.js';

export function storedValue(core: StorageCore, rt: TableRuntime, rowKey: string, row: Record<string, unknown>): string {
  const encoded = rt.codec.encode(row);
  // Byte length, not string length: a UTF-16 string of n units may be up to 3n bytes in Redis.
  if (encoded.length * 3 <= core.options.maxRowBytes || Buffer.byteLength(encoded, 'utf8') <= core.options.maxRowBytes) return encoded;
  core.emit('oversized', rt.info.display, rowKey);
  return OVERSIZED;
}

/** Pointer keys of a cached value; none when it is not a row this codec reads (a marker, a foreign or older value). */
export function pointersOfValue(rt: TableRuntime, value: string | null): string[] {
  if (value === null || rt.info.pointerKeys.length === 0) return [];
  const row = rt.codec.decode(value);
  return row === undefined ? [] : rt.pointersOf(row);
}
