// What a row key's value means to a reader, decided exactly as the read path decides it (read.ts getByIdentity): a
// row, a cached absence, a marker that is never served, or a value it cannot decode (corrupt, foreign, or of an older
// epoch). For tools that inspect the cache (`hotstorage verify`); the read path keeps its inline branches.
import { ABSENT, INVALID, OVERSIZED } from './markers.js';
import type { TableRuntime } from './table-runtime.js';

export type StoredRow =
  | { readonly kind: 'row'; readonly row: Record<string, unknown> }
  | { readonly kind: 'absent' }
  | { readonly kind: 'invalid' }
  | { readonly kind: 'oversized' }
  | { readonly kind: 'corrupt' };

export function readStoredRow(rt: TableRuntime, value: string): StoredRow {
  if (value === ABSENT) return { kind: 'absent' };
  if (value === INVALID) return { kind: 'invalid' };
  if (value === OVERSIZED) return { kind: 'oversized' };
  const row = rt.codec.decode(value);
  return row === undefined ? { kind: 'corrupt' } : { kind: 'row', row };
}
