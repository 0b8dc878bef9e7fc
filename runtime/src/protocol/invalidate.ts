// Invalidation of rows changed by commits the cache did not get (invalidate-row.lua), and of whole tables (an epoch
// bump): the change feed's listener, the repair queue and `hotstorage verify --repair` all invalidate this way.
import type { RedisIo } from '../redis/redis-io.js';
import { invalidateRow, type InvalidateReply } from '../redis/scripts.js';
import { epochKey, type StorageCore } from '../storage/core.js';
import type { RowKeys } from '../table/keys.js';
import type { TableRuntime } from '../table/table-runtime.js';
import { pointersOfValue } from './stored-value.js';

/**
 * Invalidates rows by their keys (invalidate-row.lua: lease overridden first, then the row and the pointers still
 * naming it). Also used by `hotstorage verify --repair`, so both invalidate the same way. A script cannot decode a row,
 * so the pointers of each row's cached value are found first, by one MGET, for the calls that name their table (`rt`):
 * one round trip more than the invalidation itself. `io`: the repair queue may send through its own connection.
 */
export async function invalidateRowKeys(
  core: StorageCore,
  calls: readonly { readonly keys: RowKeys; readonly origin: string; readonly rt?: TableRuntime }[],
  io: RedisIo = core.io,
): Promise<(InvalidateReply | Error)[]> {
  const pointers = await cachedPointers(io, calls);
  return io.runMany(
    invalidateRow,
    calls.map(({ keys, origin }, i) => ({
      keys: [keys.row, keys.lease, keys.writers, keys.contended, keys.applied],
      argv: [origin, keys.tag, core.options.leaseTtlMs, core.options.overrideLease ? '1' : '0', ...(pointers[i] ?? [])],
    })),
  );
}

/** Pointer keys of each call's cached row; none on a Cluster (they live in other slots than the row's script). */
async function cachedPointers(io: RedisIo, calls: readonly { readonly keys: RowKeys; readonly rt?: TableRuntime }[]): Promise<string[][]> {
  const found: string[][] = calls.map(() => []);
  if (io.cluster) return found;
  const wanted = calls.flatMap((call, i) => (call.rt !== undefined && call.rt.info.pointerKeys.length > 0 ? [{ rt: call.rt, row: call.keys.row, i }] : []));
  if (wanted.length === 0) return found;
  const values = await io.values(wanted.map((w) => w.row));
  wanted.forEach(({ rt, i }, n) => {
    found[i] = pointersOfValue(rt, values[n] ?? null);
  });
  return found;
}

export async function bumpEpoch(core: StorageCore, rt: TableRuntime): Promise<void> {
  await core.epochs.bump(epochKey(rt));
  core.emit('epochBump', rt.info.display);
}

