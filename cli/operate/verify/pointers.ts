// Judges unique pointers: a pointer is a hint naming a row by its tag; it is orphaned when that row is not cached as
// a row carrying the pointer's values (missing, a cached absence, undecodable, or a row whose values moved on).
// A pointer to an invalid or oversized marker, or to a row of an older epoch, is left alone: those rows are read
// from Postgres, never through it.
import { readStoredRow } from '@hotstorage/runtime/internal';
import type { RowJudge } from './rows.js';

export interface Orphan {
  readonly key: string;
  /** The value seen: repair deletes the pointer only if it still holds it. */
  readonly value: string;
}

/** The orphans among these pointer keys (pointers gone since the SCAN are skipped), and how many were looked at. */
export async function judgePointers(judge: RowJudge, pointerKeys: readonly string[]): Promise<{ checked: number; orphans: Orphan[] }> {
  const { core, rt, keys } = judge;
  const values = await core.io.values(pointerKeys);
  const present = pointerKeys.flatMap((key, i) => {
    const value = values[i];
    return value === null || value === undefined ? [] : [{ key, value }];
  });
  // A value that is no tag names no row: an orphan without asking Redis.
  const named = present.map((pointer) => ({ ...pointer, rowKey: keys.rowTag(keys.rowKey(pointer.value)) === undefined ? undefined : keys.rowKey(pointer.value) }));
  const rowValues = await core.io.values(named.flatMap(({ rowKey }) => (rowKey === undefined ? [] : [rowKey])));
  let next = 0;
  const orphans = named.filter(({ key, rowKey }) => {
    if (rowKey === undefined) return true;
    const value = rowValues[next++];
    if (value === null || value === undefined) return true;
    const stored = readStoredRow(rt, value);
    if (stored.kind === 'invalid' || stored.kind === 'oversized' || stored.kind === 'outdated') return false;
    return stored.kind !== 'row' || !rt.pointersOf(stored.row).includes(key);
  }).map(({ key, value }) => ({ key, value }));
  return { checked: present.length, orphans };
}
