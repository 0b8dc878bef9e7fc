// Starts a storage's near-cache (option `nearCache`): its connections, tracking armed, the epoch and write hooks.
import type { Redis } from 'ioredis';
import { epochKey, type StorageCore } from './core.js';
import { NearCache } from '../near/near-cache.js';
import type { ResolvedNearOptions } from '../near/near-options.js';
import type { Near } from '../near/near.js';
import { NearTracking } from '../near/tracking.js';

/** Resolves once tracking is on, or after `timeoutMs` (reads go to Redis until it is). */
export async function startNear(core: StorageCore, client: Redis, options: ResolvedNearOptions, timeoutMs: number): Promise<Near> {
  const cache = new NearCache((type, table, key) => core.emit(type, table, key), options);
  const tracking = new NearTracking(client, cache, `${core.options.prefix}near:heartbeat:${core.token('reader')}`);
  const near: Near = { cache, tracking, io: core.io.over(tracking.reader) };
  // A table's epoch went up (this process bumped it, or the refresh read it): its rows in memory are of an older one.
  core.epochs.onRaise = (key) => cache.dropEpoch((rt) => epochKey(rt) === key);
  await tracking.started(timeoutMs);
  return near;
}
