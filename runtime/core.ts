// The state one storage shares across its tables: clients, options, counters, repair queue, table runtimes.
import { randomBytes } from 'node:crypto';
import { DrizzleQueryError } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { rowCodecFor, type RowCodec } from './codecs.js';
import { epochCodec, Epochs, newCell, type EpochCell } from './epoch.js';
import { EventSink, type HotStorageEvent, type HotStorageEventType } from './events.js';
import type { TableSpec } from './index.js';
import { invalidateRowKeys } from './invalidate.js';
import type { RowKeys } from './keys.js';
import type { Database, ResolvedOptions } from './options.js';
import { RedisIo } from './redis-io.js';
import { RepairQueue } from './repair-queue.js';
import { SharedStats, statsKey } from './shared-stats.js';
import { buildTableRuntime, type TableRuntime } from './table-runtime.js';

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED', 'CONNECTION_ENDED',
]);

export class StorageCore {
  readonly events: EventSink;
  /** Per-table counters flushed to Redis (option `statsFlushMs`); undefined when off. */
  readonly sharedStats: SharedStats | undefined;
  readonly repairs: RepairQueue;
  private repairTimer: NodeJS.Timeout | undefined;
  private repairing: Promise<void> | undefined;
  /** The change feed is installed (option `changeFeed`, else detected at startup): see epoch.ts and listener.ts. */
  changeFeed = false;
  readonly epochs: Epochs;
  private readonly epochCells = new WeakMap<TableRuntime, EpochCell>();

  constructor(
    readonly db: Database,
    readonly io: RedisIo,
    readonly options: ResolvedOptions,
    readonly postgresAddress: string,
    private readonly codecFor: (table: PgTable) => RowCodec = rowCodecFor,
    listener?: (event: HotStorageEvent) => void,
  ) {
    // A flush waits longer than a request's round trip: an unanswered one is resent later (see runtime/README.md).
    const flushTimeoutMs = Math.max(options.commandTimeoutMs, 1000);
    this.sharedStats = options.statsFlushMs > 0 ? new SharedStats(io.client, { intervalMs: options.statsFlushMs, timeoutMs: flushTimeoutMs }) : undefined;
    this.events = new EventSink(listener, this.sharedStats);
    this.repairs = new RepairQueue(options.repairQueueLimit, (key) => this.emit('repairDropped', undefined, key));
    this.epochs = new Epochs(io, options.epochRefreshMs, (error) => this.redisError(error));
  }

  /** Checks the spec against the live table and builds its runtime; defineTable caches the result per storage. */
  buildRuntime(table: PgTable, spec: TableSpec): TableRuntime {
    const rt = this.buildTableRuntime(table, spec);
    this.sharedStats?.register(rt.info.display, statsKey(this.options.prefix, rt.info.schema, rt.info.name));
    return rt;
  }

  private buildTableRuntime(table: PgTable, spec: TableSpec): TableRuntime {
    if (!this.changeFeed) return buildTableRuntime({ table, spec, prefix: this.options.prefix, codec: this.codecFor(table) });
    const cell = newCell();
    const rt = buildTableRuntime({ table, spec, prefix: this.options.prefix, codec: epochCodec(this.codecFor(table), cell) });
    this.epochs.adopt(cell, epochKey(rt));
    this.epochCells.set(rt, cell);
    return rt;
  }

  /** Before a table's first use with the change feed on: its epoch is read once. undefined when nothing to wait for. */
  epochReady(rt: TableRuntime): Promise<void> | undefined {
    const cell = this.epochCells.get(rt);
    return cell === undefined ? undefined : this.epochs.ready(cell);
  }

  emit(type: HotStorageEventType, table?: string, key?: string, error?: Error): void {
    this.events.emit(type, table, key, error);
  }

  redisError(error: unknown, table?: string, key?: string): void {
    this.emit('redisError', table, key, error instanceof Error ? error : new Error(String(error)));
  }

  // 96 random bits once per storage, then a counter: as unique as a fresh random token, without a crypto call per
  // read (randomBytes(12) costs 5-15 µs of CPU here, a third of a cache hit).
  private readonly tokenPrefix = randomBytes(12).toString('base64url');
  private tokenCount = 0;

  token(kind: 'r' | 'w'): string {
    this.tokenCount += 1;
    return `${kind}:${this.tokenPrefix}${this.tokenCount.toString(36)}`;
  }

  /**
   * Runs one SQL statement, counted. A failure is the driver's own error (postgres.js PostgresError with Postgres's
   * code, or its connection error), taken out of drizzle's DrizzleQueryError wrapper: the cache never changes what
   * the database said, so `error.code === '23505'` works as without hotstorage.
   */
  async query<T>(run: () => Promise<T>): Promise<T> {
    this.events.counts.dbQueries += 1;
    try {
      return await run();
    } catch (error) {
      throw driverError(error);
    }
  }

  /** Queues rows for invalidation after a failed post-commit cache update, and arms the retry timer. */
  queueRepair(table: string, rows: readonly RowKeys[]): void {
    for (const keys of rows) {
      this.repairs.add(keys);
      this.emit('repairQueued', table, keys.row);
    }
    if (this.repairTimer === undefined && this.repairs.size > 0) {
      this.repairTimer = setInterval(() => void this.flushRepairs(), this.options.repairIntervalMs);
      this.repairTimer.unref();
      // Other processes trust the rows we could not invalidate as soon as Redis is back: repair at reconnection, not
      // only at the next tick, to keep that window to one round trip.
      this.io.client.on('ready', this.repairOnReady);
    }
  }

  private readonly repairOnReady = (): void => {
    void this.flushRepairs();
  };

  /** Invalidates every queued row now, if Redis answers; returns how many are still queued. */
  async flushRepairs(): Promise<number> {
    this.repairing ??= this.flushOnce().finally(() => {
      this.repairing = undefined;
    });
    await this.repairing;
    return this.repairs.size;
  }

  private async flushOnce(): Promise<void> {
    const stamp = this.repairs.stamp();
    const rows = this.repairs.snapshot();
    if (rows.length > 0) {
      try {
        // As the outbox listener invalidates a row its writer could not update: a reader's lease goes first (it may have
        // read the row before the commit), writers in flight are marked contended (the update we gave up on may still
        // arrive, after this: a re-sent command, or a script ioredis sends again after NOSCRIPT), then the row goes.
        const results = await invalidateRowKeys(this, rows.map((keys) => ({ keys, origin: '' })));
        results.forEach((result, i) => {
          const row = rows[i]?.row;
          if (row === undefined) return;
          if (result instanceof Error) this.redisError(result, undefined, row);
          else if (this.repairs.settle(row, stamp)) this.emit('repair', undefined, row);
        });
      } catch (error) {
        this.redisError(error);
      }
    }
    if (this.repairs.size === 0) this.stopRepairs();
  }

  /** hs.close(): stops the repair timer; flushes the shared counters once more (best effort, bounded). */
  close(): Promise<void> {
    this.stopRepairs();
    return this.sharedStats?.close() ?? Promise.resolve();
  }

  stopRepairs(): void {
    if (this.repairTimer !== undefined) clearInterval(this.repairTimer);
    this.repairTimer = undefined;
    this.io.client.off('ready', this.repairOnReady);
  }
}

/** The Redis key of a table's epoch (next to its rows; not in a row's hash tag). */
export function epochKey(rt: TableRuntime): string {
  return `${rt.keyspace.base}:epoch`;
}

/** drizzle wraps every failed statement in a DrizzleQueryError (query text, params) whose cause is the driver's error. */
export function driverError(error: unknown): unknown {
  if (error instanceof DrizzleQueryError && error.cause instanceof Error) return error.cause;
  return error;
}

export function connectionErrorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_ERRORS.has(code)) return code;
  }
  return undefined;
}
