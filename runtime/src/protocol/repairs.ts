// Repairs: rows whose cache update failed after a database commit (Redis down, slow, or the lease not confirmed) are
// queued in the storage's repair queue (storage/repair-queue.ts) and invalidated as the outbox listener invalidates a
// row, as soon as Redis answers: when the application's client or the standby connection (storage/
// standby-connection.ts) becomes ready, at each `repairIntervalMs` tick, or on hs.flushRepairs().
import type { StorageCore } from '../storage/core.js';
import { StandbyConnection } from '../storage/standby-connection.js';
import type { RowKeys } from '../table/keys.js';
import { invalidateRowKeys } from './invalidate.js';

/** Queues rows for invalidation after a failed post-commit cache update, and arms the retry timer. */
export function queueRepair(core: StorageCore, table: string, rows: readonly RowKeys[]): void {
  for (const keys of rows) {
    core.repairs.add(keys);
    core.emit('repairQueued', table, keys.row);
  }
  if (core.repairTimer === undefined && core.repairs.size > 0) {
    core.repairTimer = setInterval(() => void flushRepairs(core), core.options.repairIntervalMs);
    core.repairTimer.unref();
    // Other processes trust the rows we could not invalidate as soon as Redis is back: repair at reconnection, not
    // only at the next tick, to keep that window to one round trip.
    core.io.client.on('ready', onReadyOf(core));
  }
  // Opens the standby connection now if the application's client is not connected, so that it is already trying
  // when Redis comes back (see storage/standby-connection.ts).
  standbyOf(core).usable();
}

/** Invalidates every queued row now, if Redis answers; resolves to how many are still queued. */
export async function flushRepairs(core: StorageCore): Promise<number> {
  core.repairing ??= flushOnce(core).finally(() => {
    core.repairing = undefined;
  });
  await core.repairing;
  return core.repairs.size;
}

/**
 * Stops the retry timer and the reconnection trigger (an empty queue; the standby connection stays for writers until
 * the application's client is back), and with `closing` (hs.close()) the standby connection too.
 */
export function stopRepairs(core: StorageCore, closing = false): void {
  if (core.repairTimer !== undefined) clearInterval(core.repairTimer);
  core.repairTimer = undefined;
  core.io.client.off('ready', onReadyOf(core));
  if (closing) core.standby?.close();
}

/** The standby connection writers and repairs use while the application's client is not connected. */
export function standbyOf(core: StorageCore): StandbyConnection {
  core.standby ??= new StandbyConnection(core.io, core.options.repairIntervalMs, onReadyOf(core), () => core.repairs.size > 0);
  return core.standby;
}

// One listener function per storage, so that `off` removes exactly what `on` added.
const onReady = new WeakMap<StorageCore, () => void>();

function onReadyOf(core: StorageCore): () => void {
  let listener = onReady.get(core);
  if (listener === undefined) {
    listener = () => void flushRepairs(core);
    onReady.set(core, listener);
  }
  return listener;
}

async function flushOnce(core: StorageCore): Promise<void> {
  const stamp = core.repairs.stamp();
  const rows = core.repairs.snapshot();
  // Nothing reaches Redis yet: no attempt, no error counted; a `ready` event or the next tick tries again.
  const io = rows.length > 0 ? standbyOf(core).usable() : undefined;
  if (io !== undefined) {
    try {
      // As the outbox listener invalidates a row its writer could not update: a reader's lease goes first (it may have
      // read the row before the commit), writers in flight are marked contended (the update we gave up on may still
      // arrive, after this: a re-sent command, or a script ioredis sends again after NOSCRIPT), then the row goes.
      const results = await invalidateRowKeys(core, rows.map((keys) => ({ keys, origin: '' })), io);
      results.forEach((result, i) => {
        const row = rows[i]?.row;
        if (row === undefined) return;
        if (result instanceof Error) core.redisError(result, undefined, row);
        else if (core.repairs.settle(row, stamp)) core.emit('repair', undefined, row);
      });
    } catch (error) {
      core.redisError(error);
    }
  }
  if (core.repairs.size === 0) stopRepairs(core);
}
