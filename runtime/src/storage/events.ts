// Metrics as events: every counted thing is an event; stats() is the running sum, onEvent sees each one.
import type { HotStorageEvent, HotStorageEventType, HotStorageStats } from '../types.js';

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
  listHit: 'listHits',
  listMiss: 'listMisses',
  listFill: 'listFills',
  listFillRefused: 'listFillsRefused',
  listOversized: 'listsOversized',
  listInvalidation: 'listInvalidations',
  nearHit: 'nearHits',
  nearMiss: 'nearMisses',
  nearInvalidation: 'nearInvalidations',
  nearEviction: 'nearEvictions',
  nearOversized: 'nearOversized',
  nearFlush: 'nearFlushes',
  changeFeedOn: 'tablesWithFeed',
  changeFeedOff: 'tablesWithoutFeed',
};

export function emptyStats(): HotStorageStats {
  return {
    hits: 0, misses: 0, fills: 0, fillsRefused: 0, leaseWaits: 0, tombstoneHits: 0, invalidReads: 0, corrupt: 0,
    writes: 0, invalidations: 0, repairsQueued: 0, repairs: 0, repairsDropped: 0, oversized: 0, redisErrors: 0,
    outboxInvalidations: 0, outboxSkips: 0, epochBumps: 0, listHits: 0, listMisses: 0, listFills: 0, listFillsRefused: 0,
    listsOversized: 0, listInvalidations: 0, nearHits: 0, nearMisses: 0, nearInvalidations: 0, nearEvictions: 0, nearOversized: 0, nearFlushes: 0, nearBytes: 0, tablesWithFeed: 0, tablesWithoutFeed: 0,
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
    this.notify(type, table, key, error);
  }

  /** An event of this process only (a table's change feed found at startup): counted here, not in the shared counters. */
  emitLocal(type: HotStorageEventType, table: string): void {
    this.counts[COUNTER[type]] += 1;
    this.notify(type, table, undefined, undefined);
  }

  private notify(type: HotStorageEventType, table: string | undefined, key: string | undefined, error: Error | undefined): void {
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
