// The counters of every process, summed in Redis: each process keeps per-table deltas of its events and adds them to
// one hash per table (`<prefix><schema>.<table>:stats`, outside the `@<shape>` row space) in the background, so
// `hotstorage stats` can show what a whole fleet did. The flush is off the request path: a timer (unref'd), one
// pipeline of HINCRBY, never an error to the application.
import type { Redis } from 'ioredis';
import type { HotStorageStats } from '../types.js';
import type { TableCounter } from './events.js';
import { Deadlines } from '../redis/deadlines.js';
import { escapeKeyPart } from '../table/keys.js';
import type { RedisClient } from '../redis/redis-io.js';

export type CounterName = keyof HotStorageStats;
type Deltas = Partial<Record<CounterName, number>>;

/** The hash holding a table's counters summed over every process. Not in the row space: no shape, no hash tag. */
export function statsKey(prefix: string, schema: string, table: string): string {
  return `${prefix}${escapeKeyPart(schema)}.${escapeKeyPart(table)}:stats`;
}

export interface SharedStatsOptions {
  readonly intervalMs: number;
  /** Longest wait for a flush's reply; a flush not answered by then keeps its deltas for the next one. */
  readonly timeoutMs: number;
}

interface Increment {
  readonly table: string;
  readonly counter: CounterName;
  readonly by: number;
}

export class SharedStats implements TableCounter {
  /** Deltas not yet in Redis, by table (`schema.table`, as events carry it). At most one map per table. */
  private deltas = new Map<string, Deltas>();
  private readonly keys = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private flushing: Promise<void> | undefined;
  /** A flush waits at most `timeoutMs` for its replies; the wait never keeps the application alive. */
  private readonly deadlines = new Deadlines((ms) => new Error(`no reply within ${ms} ms`), { unref: true });

  constructor(
    private readonly client: RedisClient,
    private readonly options: SharedStatsOptions,
  ) {}

  /** A table whose events are counted: `display` is what its events carry, `key` its hash. Starts the timer. */
  register(display: string, key: string): void {
    this.keys.set(display, key);
    // Armed by the first table, not by the constructor: a storage whose creation failed leaves no timer behind.
    if (this.timer === undefined && !this.closed) {
      this.timer = setInterval(() => void this.flush(), this.options.intervalMs);
      // A cache's bookkeeping must never keep an application alive.
      this.timer.unref();
    }
  }

  // The table counted last and its deltas: a run of events of one table (every hit of a hot table) skips the map.
  private lastTable: string | undefined;
  private lastDeltas: Deltas = {};

  /** The hot path: one increment per event (and a map lookup when the table is not the last one counted). */
  add(table: string, counter: CounterName): void {
    this.bump(table, counter, 1);
  }

  private bump(table: string, counter: CounterName, by: number): void {
    const deltas = this.deltasOf(table);
    deltas[counter] = (deltas[counter] ?? 0) + by;
  }

  private deltasOf(table: string): Deltas {
    if (table === this.lastTable) return this.lastDeltas;
    let deltas = this.deltas.get(table);
    if (deltas === undefined) {
      deltas = {};
      this.deltas.set(table, deltas);
    }
    this.lastTable = table;
    this.lastDeltas = deltas;
    return deltas;
  }

  /** Counters not yet flushed, by table (tests, and what close() could not deliver). */
  pending(): Map<string, Deltas> {
    return new Map([...this.deltas].map(([table, deltas]) => [table, { ...deltas }]));
  }

  /** Adds the deltas to Redis now (one flush at a time); resolves when done or failed, never rejects. */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** hs.close(): stops the timer and flushes once more (best effort, bounded by `timeoutMs`). */
  close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    // Started before returning: an application that disconnects right after hs.close() has the pipeline written.
    return this.flushing === undefined ? this.flush() : this.flushing.then(() => this.flush());
  }

  private async flushOnce(): Promise<void> {
    const increments = this.take();
    if (increments.length === 0) return;
    // Not connected: sending would park the commands in ioredis's offline queue, delivered long after we gave up.
    if (this.client.status !== 'ready') return this.restore(increments);
    let failed: readonly Increment[];
    try {
      failed = await this.send(increments);
    } catch {
      failed = increments;
    }
    this.restore(failed);
  }

  /** Takes every delta of a registered table out of the map; deltas of an unknown table are dropped (never grow). */
  private take(): Increment[] {
    const taken = this.deltas;
    this.deltas = new Map();
    this.lastTable = undefined;
    const increments: Increment[] = [];
    for (const [table, deltas] of taken) {
      if (!this.keys.has(table)) continue;
      for (const [counter, by] of Object.entries(deltas) as [CounterName, number][]) {
        if (by !== 0) increments.push({ table, counter, by });
      }
    }
    return increments;
  }

  /** A failed increment goes back into the table's one map, added to what was counted meanwhile. */
  private restore(increments: readonly Increment[]): void {
    for (const { table, counter, by } of increments) this.bump(table, counter, by);
  }

  /** Sends the increments; resolves to those that failed. A timeout fails them all. */
  private async send(increments: readonly Increment[]): Promise<readonly Increment[]> {
    const keyOf = (i: Increment) => this.keys.get(i.table) ?? '';
    let results: Promise<(Error | null)[]>;
    if (this.client.isCluster) {
      // Each table's hash is its own slot: a cluster pipeline cannot span them; auto-pipelining groups them per node.
      results = Promise.all(
        increments.map((i) => this.client.hincrby(keyOf(i), i.counter, i.by).then(() => null, (error: unknown) => toError(error))),
      );
    } else {
      const pipeline = (this.client as Redis).pipeline();
      for (const i of increments) pipeline.hincrby(keyOf(i), i.counter, i.by);
      results = pipeline.exec().then((replies) => (replies ?? increments.map(() => [new Error('pipeline discarded')])).map(([error]) => error ?? null));
    }
    const errors = await this.deadlines.bound(results, this.options.timeoutMs, toError);
    return increments.filter((_, n) => errors[n] !== null);
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
