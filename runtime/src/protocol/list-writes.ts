// The lists a write can change (insert: the new row's lists; an update of a listed column or of the identity: the old
// and the new row's; delete: the old row's), and their leases: taken before the commit, overriding readers' leases,
// so a list read from Postgres before the commit can never be filled (take-list-lease.lua); after the commit each list
// is deleted and the lease given back once no writer of it is left in flight (finish-list-write.lua). A list whose
// lease was not confirmed, or whose deletion failed, goes to the repair queue and is invalidated as a row would be.
import { finishListWrite, takeListLease } from '../redis/scripts.js';
import type { ListEffect } from '../storage/context.js';
import type { StorageCore } from '../storage/core.js';
import type { TableRuntime } from '../table/table-runtime.js';
import { flushRepairs, queueRepair } from './repairs.js';

/** The lists of these rows (old and new values of one write), without repeats. */
export function listEffects(rt: TableRuntime, ...rows: (Record<string, unknown> | null | undefined)[]): ListEffect[] {
  const found = new Map<string, ListEffect>();
  for (const row of rows) {
    if (row === null || row === undefined) continue;
    for (const keys of rt.listsOf(row)) found.set(keys.row, { rt, keys });
  }
  return [...found.values()];
}

/** Before the commit. Returns the lists whose lease Redis confirmed; a Redis failure does not stop the write. */
export async function takeListLeases(core: StorageCore, lists: readonly ListEffect[], token: string): Promise<Set<string>> {
  const taken = new Set<string>();
  if (lists.length === 0) return taken;
  const override = core.options.overrideLease ? '1' : '0';
  try {
    const results = await core.io.runMany(takeListLease, lists.map(({ keys }) => ({ keys: [keys.lease, keys.writers], argv: [token, core.options.leaseTtlMs, override] })));
    results.forEach((result, i) => {
      const list = lists[i];
      if (result instanceof Error) core.redisError(result, list?.rt.info.display, list?.keys.row);
      else if (list !== undefined) taken.add(list.keys.row);
    });
  } catch (error) {
    core.redisError(error);
  }
  return taken;
}

/** After the commit (`committed`: delete the lists) or a rollback (only leave the writers in flight). */
export async function finishListWrites(core: StorageCore, lists: readonly ListEffect[], token: string, committed: boolean, taken: ReadonlySet<string>): Promise<void> {
  if (lists.length === 0) return;
  try {
    await finishInRedis(core, lists, token, committed, taken);
  } finally {
    // Read-your-writes: the near-cache (near/) drops its copies of these lists before the write returns, and reads of
    // them in flight may not keep what they read (other processes hear of it from Redis's tracking).
    if (committed) core.near?.cache.dropWritten(lists.map(({ keys }) => keys.row));
  }
}

async function finishInRedis(core: StorageCore, lists: readonly ListEffect[], token: string, committed: boolean, taken: ReadonlySet<string>): Promise<void> {
  const unconfirmed = committed ? lists.filter(({ keys }) => !taken.has(keys.row)) : [];
  const drop = core.options.overrideLease ? '1' : '0';
  let failed: ListEffect[] = [];
  try {
    const results = await core.io.runMany(finishListWrite, lists.map(({ keys }) => ({ keys: [keys.row, keys.lease, keys.writers], argv: [token, committed ? '1' : '0', drop] })));
    results.forEach((result, i) => {
      const list = lists[i];
      if (list === undefined) return;
      if (result instanceof Error) {
        core.redisError(result, list.rt.info.display, list.keys.row);
        failed.push(list);
      } else if (committed) core.emit('listInvalidation', list.rt.info.display, list.keys.row);
    });
  } catch (error) {
    core.redisError(error);
    failed = [...lists];
  }
  if (!committed) return;
  // A list whose lease was not confirmed before the commit may have been filled from a read predating it: it is
  // invalidated again through the repair queue (the lease overridden first), now if Redis answers.
  const repair = [...new Set([...unconfirmed, ...failed])];
  for (const list of repair) queueRepair(core, list.rt.info.display, [list.keys]);
  if (repair.length > 0) await flushRepairs(core);
}
