// A storage's near-cache as the storage holds it (storage/core.ts `near`): its rows, its connections, and the reader's
// bounded I/O. Apart from the modules that use it, so the storage's core names it without importing them.
import type { RedisIo } from '../redis/redis-io.js';
import type { NearCache } from './near-cache.js';
import type { NearTracking } from './tracking.js';

/** A storage's near-cache: its rows, its connections, and the reader's bounded I/O. */
export interface Near {
  readonly cache: NearCache;
  readonly tracking: NearTracking;
  readonly io: RedisIo;
}
