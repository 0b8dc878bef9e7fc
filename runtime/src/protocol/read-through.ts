// The read-through loop every keyed read shares after its plain hit path (a row by identity in read.ts, a list in
// read-list.ts): one script call gives the cached value, or the lease (then Postgres and the fill), or another's lease
// to wait for. identity_cache's fetch_with_fill_lock has the same shape: one loop over explicit cases.
import { isReaderLease } from '../redis/lease-values.js';
import { failLease, type LeaseReply } from '../redis/scripts.js';
import type { StorageCore } from '../storage/core.js';
import { CORRUPT } from './fill.js';

/**
 * What one kind of read plugs into the loop: module-level functions over the read's own context `C` (no closure is
 * made per read: test/runtime/read-path-closures.test.ts).
 */
export interface ReadThroughSteps<C, V extends { kind: 'row'; value: string }, T> {
  /** One round trip: the cached value, else the lease taken for `token`; `corrupt` is a value to drop first ('' none). */
  read(read: C, token: string, corrupt: string): Promise<V | LeaseReply>;
  /** The answer from a cached value, or CORRUPT for a value that cannot be served (an older epoch, foreign, damaged). */
  serve(read: C, reply: V): T | Promise<T> | typeof CORRUPT;
  /** Under our lease: read Postgres and fill (readUnderLease gives the failure handling). */
  fill(read: C, token: string): Promise<T>;
  /** Postgres without a fill: Redis failed, a lease not worth waiting for, a value still corrupt after its drop. */
  postgres(read: C): Promise<T>;
}

/** The cached key and its lease (events and the failed-lease mark name them), and its table. */
export interface ReadThroughTarget {
  readonly table: string;
  readonly keys: { readonly row: string; readonly lease: string };
}

export async function readThrough<C, V extends { kind: 'row'; value: string }, T>(
  core: StorageCore,
  steps: ReadThroughSteps<C, V, T>,
  read: C,
  target: ReadThroughTarget,
  corruptValue: string,
): Promise<T> {
  const { table, keys } = target;
  let corrupt = corruptValue;
  const token = core.token('reader');
  for (let attempt = 0; ; attempt++) {
    let reply: V | LeaseReply;
    try {
      reply = await steps.read(read, token, corrupt);
    } catch (error) {
      core.redisError(error, table, keys.row);
      return steps.postgres(read);
    }
    if (reply.kind === 'row') {
      const served = steps.serve(read, reply);
      if (served !== CORRUPT) return served;
      // Corrupt, foreign or of an older epoch: the next read deletes exactly this value and takes the lease, so the
      // fill repairs it. The same value twice (rewritten in between by a program that is not us): Postgres.
      if (corrupt === reply.value) return steps.postgres(read);
      corrupt = reply.value;
      continue;
    }
    if (reply.kind === 'lease') return steps.fill(read, token);
    core.emit('leaseWait', table, keys.row);
    // Only another reader's lease is worth waiting for: a writer's ('w') will not fill, a failed one ('f') means its
    // holder's query failed, and after the last try we stop waiting.
    if (!isReaderLease(reply.lease) || attempt + 1 >= core.options.leaseWaitTries) return steps.postgres(read);
    await core.options.wait(attempt + 1);
  }
}

/**
 * The Postgres read of a lease holder: the afterLease seam, then the query; when it fails, the lease is marked failed
 * so waiters stop waiting at once and read Postgres themselves, and the error goes on to the caller.
 */
export async function readUnderLease<R>(
  core: StorageCore,
  target: ReadThroughTarget & { readonly token: string },
  query: () => Promise<R>,
): Promise<R> {
  const { table, keys, token } = target;
  try {
    await core.options.hooks.afterLease?.({ table, key: keys.row });
    return await query();
  } catch (error) {
    await core.io.run(failLease, { keys: [keys.lease], argv: [token] }).catch((e: unknown) => core.redisError(e, table, keys.row));
    throw error;
  }
}
