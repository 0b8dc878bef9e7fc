// The write lease steps every writer shares, standalone (write.ts) or a transaction (transaction.ts): the rows'
// leases are taken before the commit (overriding readers' leases); after the commit one apply-write per row writes the
// committed row (or the absent marker) and its pointers while the lease stands, else leaves the invalid marker; a
// writer that does not commit releases them. If Redis fails after the commit the write stands and the row is queued
// for repair. While the application's client is not connected they go through the standby connection
// (storage/standby-connection.ts): a lease confirmed there overrides readers' leases as any other does.
import { INVALID } from '../codecs/markers.js';
import { applyWrite, releaseLease, takeWriteLease } from '../redis/scripts.js';
import type { Effect } from '../storage/context.js';
import type { StorageCore } from '../storage/core.js';
import type { RowKeys } from '../table/keys.js';
import { writeClusterPointers } from './cluster-pointers.js';
import { flushRepairs, queueRepair, standbyOf } from './repairs.js';
import { pointersOfValue, storedValue } from './stored-value.js';

/**
 * Row keys whose write lease Redis confirmed, each with the value cached there at that moment (null: none, or not
 * asked for): the pointers of that value are the ones the apply removes if the commit does not keep them.
 */
export type ConfirmedLeases = ReadonlyMap<string, string | null>;

/**
 * Overrides readers' leases before the commit. A Redis failure here does not stop the write (invariant 5).
 * `withValues`: the rows have pointers, so the cached values are wanted back.
 */
export async function takeWriteLeases(core: StorageCore, keys: readonly RowKeys[], token: string, withValues = true): Promise<ConfirmedLeases> {
  const taken = new Map<string, string | null>();
  try {
    const results = await standbyOf(core).writer().runMany(
      takeWriteLease,
      keys.map((k) => ({ keys: [k.lease, k.writers, k.contended, k.row], argv: [token, core.options.leaseTtlMs, withValues ? '1' : '0'] })),
    );
    results.forEach((result, i) => {
      const row = keys[i]?.row;
      if (result instanceof Error) core.redisError(result);
      else if (row !== undefined) taken.set(row, result);
    });
  } catch (error) {
    core.redisError(error);
  }
  return taken;
}

export async function releaseWriteLeases(core: StorageCore, keys: readonly RowKeys[], token: string): Promise<void> {
  try {
    await standbyOf(core).writer().runMany(releaseLease, keys.map((k) => ({ keys: [k.lease, k.writers, k.contended], argv: [token] })));
  } catch (error) {
    core.redisError(error);
  }
}

/**
 * After the commit: one apply-write script per row, all in one round trip. Then the near-cache (near/) drops its copies
 * of those rows, before the write returns (read-your-writes in this process; other processes hear it from Redis).
 */
export async function applyEffects(core: StorageCore, all: readonly Effect[], token: string, leased: ConfirmedLeases): Promise<void> {
  try {
    await applyToRedis(core, all, token, leased);
  } finally {
    core.near?.cache.dropWritten(all.map((effect) => effect.keys.row));
  }
}

async function applyToRedis(core: StorageCore, all: readonly Effect[], token: string, leased: ConfirmedLeases): Promise<void> {
  // A row whose lease Redis did not confirm before the commit (down, slow, paused) is never written: the lease may still
  // be taken late, after this commit and after a newer writer's update, and make this older row look current. It is
  // invalidated through the repair queue instead (now, if Redis answers).
  const unconfirmed = all.filter((effect) => !leased.has(effect.keys.row));
  for (const effect of unconfirmed) queueRepair(core, effect.rt.info.display, [effect.keys]);
  if (unconfirmed.length > 0) await flushRepairs(core);
  const effects = all.filter((effect) => leased.has(effect.keys.row));
  if (effects.length === 0) return;
  const { options } = core;
  const io = standbyOf(core).writer();
  const calls = effects.map(({ rt, keys, row }) => {
    const pointers = row === null || io.cluster ? [] : rt.pointersOf(row);
    const previous = io.cluster ? [] : pointersOfValue(rt, leased.get(keys.row) ?? null);
    return {
      keys: [keys.row, keys.lease, keys.writers, keys.contended, keys.applied],
      argv: [
        token, row === null ? rt.codec.absent() : storedValue(core, rt, keys.row, row), row === null ? options.tombstoneTtlMs : options.rowTtlMs,
        INVALID, options.invalidTtlMs, keys.tag, core.hasFeed(rt) ? options.appliedTtlMs : 0, pointers.length, ...pointers, ...previous,
      ],
    };
  });
  try {
    if (!options.guard) {
      // Test-only switch: make every writer uncontended and in flight so the script's checks always pass.
      await io.commands(effects.flatMap((e) => [['ZADD', e.keys.writers, '+inf', token] as const, ['DEL', e.keys.contended] as const]));
    }
    const results = await io.runMany(applyWrite, calls);
    const written: Effect[] = [];
    results.forEach((result, i) => {
      const effect = effects[i];
      if (effect === undefined) return;
      const table = effect.rt.info.display;
      if (result instanceof Error) {
        core.redisError(result, table, effect.keys.row);
        queueRepair(core, table, [effect.keys]);
      } else if (result) {
        core.repairs.delete(effect.keys.row);
        core.emit('write', table, effect.keys.row);
        written.push(effect);
      } else core.emit('invalidation', table, effect.keys.row);
    });
    if (io.cluster) await writeClusterPointers(core, written);
  } catch (error) {
    core.redisError(error);
    for (const effect of effects) queueRepair(core, effect.rt.info.display, [effect.keys]);
  }
}
