// What every read path shares (read.ts, read-unique.ts, read-many.ts): the Postgres read, the read that skips the
// cache, the classification of a value cached under a row key, and the fill of rows read under our leases.
import { INVALID, OVERSIZED } from '../codecs/markers.js';
import { fillRow } from '../redis/scripts.js';
import type { StorageCore } from '../storage/core.js';
import type { RowKeys } from '../table/keys.js';
import type { KeyColumns } from '../table/table-info.js';
import type { TableRuntime, Values } from '../table/table-runtime.js';
import type { Database } from '../types.js';
import { writeClusterPointers } from './cluster-pointers.js';
import { storedValue } from './stored-value.js';

type Row = Record<string, unknown>;

export async function selectOne(core: StorageCore, db: Database, rt: TableRuntime, key: KeyColumns, values: Values): Promise<Row | null> {
  const rows: Row[] = await core.query(() => db.select().from(rt.table).where(rt.where(key, values)).limit(1));
  return rows[0] ?? null;
}

/** A cached value a read does not serve, but reads Postgres for without a fill: the oversized or invalid marker. */
export const TO_POSTGRES = Symbol('to Postgres');
/** A cached value that cannot be decoded (corrupt, foreign, an older epoch): replaced through the read-row script. */
export const CORRUPT = Symbol('corrupt');

/**
 * What a value cached under a row key gives a read by identity, counted as such: the row, a cached absence (null),
 * TO_POSTGRES or CORRUPT. One classification for the GET and MGET hit paths and the read-row script's replies, single and many.
 */
export function cachedValue(core: StorageCore, rt: TableRuntime, rowKey: string, value: string): Row | null | typeof TO_POSTGRES | typeof CORRUPT {
  const table = rt.info.display;
  if (rt.codec.isAbsent(value)) {
    core.emit('hit', table, rowKey);
    core.emit('tombstoneHit', table, rowKey);
    return null;
  }
  if (value === OVERSIZED) return TO_POSTGRES;
  if (value === INVALID) {
    core.emit('invalidRead', table, rowKey);
    return TO_POSTGRES;
  }
  const row = rt.codec.decode(value);
  if (row !== undefined) {
    core.emit('hit', table, rowKey);
    return row;
  }
  core.emit('corrupt', table, rowKey);
  return CORRUPT;
}

export async function readWithoutFill(core: StorageCore, rt: TableRuntime, key: KeyColumns, values: Values): Promise<Row | null> {
  core.emit('miss', rt.info.display);
  return selectOne(core, core.db, rt, key, values);
}

export interface PendingFill {
  readonly keys: RowKeys;
  readonly token: string;
  readonly row: Row | null;
}

/** Fills rows read from Postgres under our leases, in one round trip. */
export async function fill(core: StorageCore, rt: TableRuntime, fills: readonly PendingFill[]): Promise<void> {
  if (fills.length === 0) return;
  const table = rt.info.display;
  const { options, io } = core;
  const calls = fills.map(({ keys, token, row }) => {
    const value = row === null ? rt.codec.absent() : storedValue(core, rt, keys.row, row);
    const ttl = row === null ? options.tombstoneTtlMs : options.rowTtlMs;
    const pointers = row === null || io.cluster ? [] : rt.pointersOf(row);
    return { keys: [keys.row, keys.lease], argv: [token, value, ttl, keys.tag, ...pointers] };
  });
  try {
    if (!options.guard) {
      // Test-only switch: make every lease ours and clear the row, so the script's checks always pass.
      await io.commands(fills.flatMap(({ keys, token }) => [['SET', keys.lease, token, 'PX', options.leaseTtlMs] as const, ['DEL', keys.row] as const]));
    }
    const results = await io.runMany(fillRow, calls);
    const filled: { rt: TableRuntime; keys: RowKeys; row: Row | null }[] = [];
    results.forEach((result, i) => {
      const pending = fills[i];
      if (pending === undefined) return;
      if (result instanceof Error) core.redisError(result, table, pending.keys.row);
      else core.emit(result ? 'fill' : 'fillRefused', table, pending.keys.row);
      if (result === true) filled.push({ rt, keys: pending.keys, row: pending.row });
    });
    if (io.cluster) await writeClusterPointers(core, filled);
  } catch (error) {
    core.redisError(error, table);
  }
}
