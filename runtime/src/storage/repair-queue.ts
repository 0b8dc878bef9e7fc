// Rows whose cache update failed after a database commit (Redis down or slow). Each is invalidated as the outbox
// listener invalidates a row (invalidate-row.lua: readers' leases dropped, writers in flight marked contended, then the
// row deleted) as soon as Redis answers; until then reads of these rows skip the cache. Marking the writers matters
// here: the update we gave up on may still reach Redis after the repair (see runtime/README.md, Faults).
// Bounded and in-process: a process that dies with entries queued leaves those rows stale until their TTL
// (option `rowTtlSeconds`); beyond `repairQueueLimit` the oldest entries are dropped and counted.
import type { RowKeys } from '../table/keys.js';

const REMOVED_HISTORY = 10_000;

export class RepairQueue {
  /** Queued rows by row key, each with the number of the add that queued it last (see `stamp` and `settle`). */
  private readonly queued = new Map<string, { readonly keys: RowKeys; readonly add: number }>();
  private adds = 0;
  /** Removals so far, and the removal number of recently removed rows: see `mark` and `untrusted`. */
  private removals = 0;
  private readonly removedAt = new Map<string, number>();

  constructor(private readonly limit: number, private readonly onDrop: (key: string) => void) {}

  get size(): number {
    return this.queued.size;
  }

  has(rowKey: string): boolean {
    // Every read asks, and the queue is nearly always empty: no hashing of the key then.
    return this.queued.size > 0 && this.queued.has(rowKey);
  }

  add(keys: RowKeys): void {
    this.adds += 1;
    this.queued.delete(keys.row);
    this.queued.set(keys.row, { keys, add: this.adds });
    while (this.queued.size > this.limit) {
      const oldest = this.queued.keys().next().value;
      if (oldest === undefined) break;
      this.queued.delete(oldest);
      this.onDrop(oldest);
    }
  }

  delete(rowKey: string): void {
    if (!this.queued.delete(rowKey)) return;
    this.removals += 1;
    this.removedAt.delete(rowKey);
    this.removedAt.set(rowKey, this.removals);
    // Only reads in flight (at most a command timeout old) look this up: a bounded recent history is enough.
    while (this.removedAt.size > REMOVED_HISTORY) {
      const oldest = this.removedAt.keys().next().value;
      if (oldest === undefined) break;
      this.removedAt.delete(oldest);
    }
  }

  /** A point in the queue's history, taken before a round trip whose reply may name a row not known beforehand. */
  mark(): number {
    return this.removals;
  }

  /**
   * True when the row is queued, or was repaired after `mark`: the reply of a round trip sent before that repair
   * landed may carry the pre-repair row. (A repair's reply and an earlier read's reply can arrive in one chunk, and
   * the repair's continuation may run first: checking `has` alone after the read would then trust a stale row.)
   */
  untrusted(rowKey: string, mark: number): boolean {
    if (this.removals === mark && this.queued.size === 0) return false; // every hit asks: no hashing when nothing changed
    return this.queued.has(rowKey) || (this.removedAt.get(rowKey) ?? Number.NEGATIVE_INFINITY) > mark;
  }

  snapshot(): RowKeys[] {
    return [...this.queued.values()].map((entry) => entry.keys);
  }

  /** Taken with a snapshot: `settle` then leaves queued what was queued again after it. */
  stamp(): number {
    return this.adds;
  }

  /**
   * A repair sent for the snapshot landed: the row leaves the queue, unless a later failed write queued it again after
   * `stamp` (that write's commit may be newer than the invalidation just written). True when the row left the queue.
   */
  settle(rowKey: string, stamp: number): boolean {
    const queuedBy = this.queued.get(rowKey)?.add;
    if (queuedBy === undefined || queuedBy > stamp) return false;
    this.delete(rowKey);
    return true;
  }
}
