// Metrics as events: every counted thing is an event; stats() is the running sum, onEvent sees each one.

export type HotStorageEventType =
  | 'hit' // a row (or a cached absence) served from Redis
  | 'miss' // not in Redis: Postgres was read
  | 'fill' // a row read from Postgres was written to Redis under our lease
  | 'fillRefused' // a fill lost its lease or found a newer value: nothing written (a race the protocol caught)
  | 'leaseWait' // a reader waited for another reader's lease
  | 'tombstoneHit' // a cached absence answered (subset of hits)
  | 'invalidRead' // the invalid marker sent a read to Postgres without filling
  | 'corrupt' // a value in Redis could not be decoded: treated as a miss and repaired
  | 'write' // a committed row (or removal) was written to Redis under the writer's lease
  | 'invalidation' // a writer lost its lease (expired or contended): the row was replaced by the invalid marker
  | 'repairQueued' // Redis failed after a commit: the row will be invalidated when Redis answers
  | 'repair' // a queued row was invalidated
  | 'repairDropped' // the repair queue was full: the oldest entry was dropped (option `repairQueueLimit`)
  | 'oversized' // a row over `maxRowBytes` was not cached: the oversized marker stands in for it (reads go to Postgres)
  | 'redisError' // a Redis round trip failed or timed out; the call went on without the cache
  | 'outboxInvalidation' // the outbox listener invalidated a row changed by a write that bypassed hotstorage
  | 'outboxSkip' // the outbox listener skipped an entry of hotstorage's own write (its row is already in the cache)
  | 'epochBump'; // the outbox listener invalidated a whole table (TRUNCATE, a huge statement, an outbox over its bound)

export interface HotStorageEvent {
  readonly type: HotStorageEventType;
  /** `schema.table`, when the event concerns one table. */
  readonly table?: string;
  /** The Redis row key involved, when there is one. */
  readonly key?: string;
  readonly error?: Error;
}

export interface HotStorageStats {
  hits: number;
  misses: number;
  fills: number;
  fillsRefused: number;
  leaseWaits: number;
  tombstoneHits: number;
  invalidReads: number;
  corrupt: number;
  writes: number;
  invalidations: number;
  repairsQueued: number;
  repairs: number;
  repairsDropped: number;
  oversized: number;
  redisErrors: number;
  outboxInvalidations: number;
  outboxSkips: number;
  epochBumps: number;
  /** Redis round trips made (a pipeline counts once). */
  redisRoundTrips: number;
  /** SQL statements sent to Postgres by hotstorage. */
  dbQueries: number;
  /** Rows waiting in the repair queue now. */
  repairsPending: number;
}

const COUNTER: Record<HotStorageEventType, keyof HotStorageStats> = {
  hit: 'hits',
  miss: 'misses',
  fill: 'fills',
  fillRefused: 'fillsRefused',
  leaseWait: 'leaseWaits',
  tombstoneHit: 'tombstoneHits',
  invalidRead: 'invalidReads',
  corrupt: 'corrupt',
  write: 'writes',
  invalidation: 'invalidations',
  repairQueued: 'repairsQueued',
  repair: 'repairs',
  repairDropped: 'repairsDropped',
  oversized: 'oversized',
  redisError: 'redisErrors',
  outboxInvalidation: 'outboxInvalidations',
  outboxSkip: 'outboxSkips',
  epochBump: 'epochBumps',
};

export function emptyStats(): HotStorageStats {
  return {
    hits: 0, misses: 0, fills: 0, fillsRefused: 0, leaseWaits: 0, tombstoneHits: 0, invalidReads: 0, corrupt: 0,
    writes: 0, invalidations: 0, repairsQueued: 0, repairs: 0, repairsDropped: 0, oversized: 0, redisErrors: 0,
    outboxInvalidations: 0, outboxSkips: 0, epochBumps: 0,
    redisRoundTrips: 0, dbQueries: 0, repairsPending: 0,
  };
}

/** Receives each event of a table, counted by table (runtime/shared-stats.ts flushes them to Redis). */
export interface TableCounter {
  add(table: string, counter: keyof HotStorageStats): void;
}

export class EventSink {
  readonly counts = emptyStats();
  constructor(
    private readonly listener: ((event: HotStorageEvent) => void) | undefined,
    private readonly byTable?: TableCounter,
  ) {}

  emit(type: HotStorageEventType, table?: string, key?: string, error?: Error): void {
    const counter = COUNTER[type];
    this.counts[counter] += 1;
    if (table !== undefined) this.byTable?.add(table, counter);
    if (this.listener === undefined) return;
    // The event object is built only for a listener: every hit emits one, and most storages have none. Property by
    // property, not by spreads: a getMany of 100 hits emits 100 events.
    const event: { type: HotStorageEventType; table?: string; key?: string; error?: Error } = { type };
    if (table !== undefined) event.table = table;
    if (key !== undefined) event.key = key;
    if (error !== undefined) event.error = error;
    try {
      this.listener(event);
    } catch {
      // A failing listener must not break a read or a write; it is the application's code.
    }
  }
}
