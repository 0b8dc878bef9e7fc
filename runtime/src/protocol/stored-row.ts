// What a row key's value means to a reader, decided exactly as the read path decides it (read.ts cachedValue): a
// row, a cached absence, a marker that is never served, a row of an older table epoch (never served either: the read
// path drops it and refills), or a value it cannot decode (corrupt or foreign). For tools that inspect the cache
// (`hotstorage verify`): unlike cachedValue it counts nothing and tells an older epoch from a corrupt value.
import { rowCodecFor } from '../codecs/row-codec.js';
import { splitEpoch } from '../codecs/epoch-tag.js';
import { ABSENT, INVALID, OVERSIZED } from '../codecs/markers.js';
import type { TableRuntime } from '../table/table-runtime.js';

export type StoredRow =
  | { readonly kind: 'row'; readonly row: Record<string, unknown> }
  | { readonly kind: 'absent' }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'oversized' }
  | { readonly kind: 'outdated' }
  | { readonly kind: 'corrupt' };

export function readStoredRow(rt: TableRuntime, value: string): StoredRow {
  if (rt.codec.isAbsent(value)) return { kind: 'absent' };
  if (value === INVALID) return { kind: 'invalid' };
  if (value === OVERSIZED) return { kind: 'oversized' };
  const row = rt.codec.decode(value);
  if (row !== undefined) return { kind: 'row', row };
  // With the change feed on, rt.codec refuses rows and absences tagged with an older epoch; the plain codec still reads them.
  if (splitEpoch(value).body === ABSENT) return { kind: 'outdated' };
  return rowCodecFor(rt.table).decode(splitEpoch(value).body) === undefined ? { kind: 'corrupt' } : { kind: 'outdated' };
}
