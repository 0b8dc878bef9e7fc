// The state one storage shares across its tables: clients, options, counters, repair queue, epochs, and the runtime of
// each table it serves. State only: the protocol (protocol/) acts on it.
import { randomBytes } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { epochCodec } from '../codecs/epoch-tag.js';
import { rowCodecFor } from '../codecs/row-codec.js';
import { Epochs, newCell, type EpochCell } from './epochs.js';
import { EventSink } from './events.js';
import { driverError } from './driver.js';
import { detectFeeds } from './feed-detection.js';
import type { Database, HotStorageEvent, HotStorageEventType, TableFeedStatus, TableSpec } from '../types.js';
import type { ResolvedOptions } from './options.js';
import { LEASE_VALUES } from '../redis/lease-values.js';
import { RedisIo } from '../redis/redis-io.js';
import { RepairQueue } from './repair-queue.js';
import { SharedStats, statsKey } from './shared-stats.js';
import type { StandbyConnection } from './standby-connection.js';
import type { Near } from '../near/near.js';
import { buildTableRuntime, type TableRuntime } from '../table/table-runtime.js';

/** A table as defineTable received it: the user's Drizzle table and the generated spec. */
export interface TableDefinition {
  readonly table: PgTable;
  readonly spec: TableSpec;
}

export class StorageCore {
  readonly events: EventSink;
  /** Per-table counters flushed to Redis (option `statsFlushMs`); undefined when off. */
  readonly sharedStats: SharedStats | undefined;
  readonly repairs: RepairQueue;
  /** The repair queue's retry timer and the flush under way (protocol/repairs.ts runs them). */
  repairTimer: NodeJS.Timeout | undefined;
  repairing: Promise<void> | undefined;
  /** Writers' and repairs' own connection while the application's client is not connected (protocol/repairs.ts opens it). */
  standby: StandbyConnection | undefined;
  readonly epochs: Epochs;
  /** The in-process near-cache (option `nearCache`, near/); undefined when off. */
  near: Near | undefined;
  /** Each built table's change feed (storage/feed-detection.ts): see storage/epochs.ts, feed/. */
  private readonly feeds = new WeakMap<TableRuntime, TableFeed>();
  /** Feeds detected before their tables were built (createHotStorage's `tables`, the operating commands' tables). */
  private readonly detected = new Map<PgTable, TableFeedStatus>();
  /** Each table this storage has built, by its definition; the ones given as `tables` are `declared`. */
  private readonly runtimes = new Map<TableDefinition, TableRuntime>();
  private declaredTables: readonly TableDefinition[] = [];

  constructor(
    readonly db: Database,
    readonly io: RedisIo,
    readonly options: ResolvedOptions,
    readonly postgresAddress: string,
    listener?: (event: HotStorageEvent) => void,
  ) {
    // A flush waits longer than a request's round trip: an unanswered one is resent later (see runtime/README.md).
    const flushTimeoutMs = Math.max(options.commandTimeoutMs, 1000);
    this.sharedStats = options.statsFlushMs > 0 ? new SharedStats(io.client, { intervalMs: options.statsFlushMs, timeoutMs: flushTimeoutMs }) : undefined;
    this.events = new EventSink(listener, this.sharedStats);
    this.repairs = new RepairQueue(options.repairQueueLimit, (key) => this.emit('repairDropped', undefined, key));
    this.epochs = new Epochs(io, options.epochRefreshMs, (error) => this.redisError(error));
  }

  /** The tables given as `tables` (createHotStorage): their runtimes are built at once, so a wrong spec fails there. */
  declare(definitions: readonly TableDefinition[]): void {
    this.declaredTables = definitions;
    for (const definition of definitions) this.runtimeOf(definition);
  }

  /** Every table this storage has built (its `tables`, and others used since), in build order. */
  built(): TableRuntime[] {
    return [...this.runtimes.values()];
  }

  /** The runtimes of the tables given as `tables`, in their order. */
  declared(): TableRuntime[] {
    return this.declaredTables.map((definition) => this.runtimeOf(definition));
  }

  /** The table's runtime in this storage, built on first use (the spec is checked against the live table then). */
  runtimeOf(definition: TableDefinition): TableRuntime {
    let rt = this.runtimes.get(definition);
    if (rt === undefined) {
      rt = this.buildRuntime(definition.table, definition.spec);
      this.runtimes.set(definition, rt);
    }
    return rt;
  }

  /**
   * Checks the spec against the live table and builds its runtime (the operating commands build theirs here too).
   * A table whose change feed was not detected first (detectFeeds) trusts nothing cached until tableReady resolved.
   */
  buildRuntime(table: PgTable, spec: TableSpec): TableRuntime {
    const rt = this.buildTableRuntime(table, spec);
    this.sharedStats?.register(rt.info.display, statsKey(this.options.prefix, rt.info.schema, rt.info.name));
    return rt;
  }

  /** buildRuntime, ready for use: its change feed detected (one statement) and, under it, its epoch read. */
  async openRuntime(table: PgTable, spec: TableSpec): Promise<TableRuntime> {
    await this.detectFeeds([table]);
    const rt = this.buildRuntime(table, spec);
    await this.tableReady(rt);
    return rt;
  }

  /** Identities whose key texts a table remembers: as many as the near-cache may hold (none without it). */
  private get identityMemo(): number {
    return this.options.nearCache?.maxRows ?? 0;
  }

  private buildTableRuntime(table: PgTable, spec: TableSpec): TableRuntime {
    const codec = (this.options.rowCodecFor ?? rowCodecFor)(table);
    const forced = this.options.changeFeed;
    const known = this.detected.get(table);
    const status = forced === undefined ? known : { ...(known ?? { triggers: 'unknown' as const }), changeFeed: forced };
    if (status?.changeFeed === false) {
      const rt = buildTableRuntime({ table, spec, prefix: this.options.prefix, codec, identityMemo: this.identityMemo });
      this.settled(rt, { status: { ...status, table: rt.info.display }, epoch: undefined, detecting: undefined });
      return rt;
    }
    // Under the feed, or not known yet (a table first used without being in `tables`): rows carry the table's epoch,
    // and nothing cached is trusted until the feed is known and, under it, the epoch was read (tableReady).
    const cell = newCell();
    const rt = buildTableRuntime({ table, spec, prefix: this.options.prefix, codec: epochCodec(codec, cell), epoch: cell, identityMemo: this.identityMemo });
    if (status === undefined) this.feeds.set(rt, { status: undefined, epoch: cell, detecting: undefined });
    else this.settled(rt, { status: { ...status, table: rt.info.display }, epoch: cell, detecting: undefined });
    return rt;
  }

  /** Records a table's feed once known: an event, and under the feed its epoch joins the refreshed ones. */
  private settled(rt: TableRuntime, feed: TableFeed & { status: TableFeedStatus }): void {
    this.feeds.set(rt, feed);
    if (feed.epoch !== undefined) {
      if (feed.status.changeFeed) this.epochs.adopt(feed.epoch, epochKey(rt));
      else feed.epoch.ready = true; // no feed, no epochs: every cached value is at epoch 0
    }
    this.events.emitLocal(feed.status.changeFeed ? 'changeFeedOn' : 'changeFeedOff', rt.info.display);
  }

  /**
   * Detects the change feed of these tables in one statement, before they are built (refusing a table whose capture
   * triggers would break a write: FeedMismatchError).
   */
  async detectFeeds(tables: readonly PgTable[]): Promise<void> {
    const unknown = [...new Set(tables)].filter((table) => !this.detected.has(table));
    const statuses = await detectFeeds((statement) => this.execute(statement), this.options.outboxSchema, unknown.map((table) => ({ table, display: displayOf(table) })));
    unknown.forEach((table, i) => {
      const status = statuses[i];
      if (status !== undefined) this.detected.set(table, status);
    });
  }

  /**
   * Before a table's first use: its change feed (when not detected at startup) and, under the feed, its epoch are
   * read once. undefined when there is nothing to wait for (every later call).
   */
  tableReady(rt: TableRuntime): Promise<void> | undefined {
    const feed = this.feeds.get(rt);
    if (feed === undefined) return undefined;
    if (feed.status === undefined) {
      feed.detecting ??= this.detectOne(rt, feed).finally(() => {
        feed.detecting = undefined;
      });
      return feed.detecting;
    }
    return feed.epoch === undefined || !feed.status.changeFeed ? undefined : this.epochs.ready(feed.epoch);
  }

  private async detectOne(rt: TableRuntime, feed: TableFeed): Promise<void> {
    // A failure (Postgres down) fails this call; the next use of the table tries again.
    await this.detectFeeds([rt.table]);
    const status = this.detected.get(rt.table);
    if (status === undefined || feed.status !== undefined) return;
    this.settled(rt, { ...feed, status: { ...status, table: rt.info.display } });
    if (feed.epoch !== undefined && status.changeFeed) await this.epochs.ready(feed.epoch);
  }

  /** The table is under the change feed (known once tableReady resolved): writes name their origin. */
  hasFeed(rt: TableRuntime): boolean {
    return this.feeds.get(rt)?.status?.changeFeed === true;
  }

  /** The change feed of every table built, in build order. */
  feedStatuses(): TableFeedStatus[] {
    return [...this.runtimes.values()].map((rt) => this.feeds.get(rt)?.status ?? { table: rt.info.display, changeFeed: false, triggers: 'unknown', detail: 'not used yet' });
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

  token(kind: 'reader' | 'writer'): string {
    this.tokenCount += 1;
    const prefix = kind === 'reader' ? LEASE_VALUES.READER_PREFIX : LEASE_VALUES.WRITER_TOKEN_PREFIX;
    return `${prefix}${this.tokenPrefix}${this.tokenCount.toString(36)}`;
  }

  /**
   * Runs one SQL statement, counted. A failure is the driver's own error (postgres.js PostgresError with Postgres's
   * code, or its connection error), taken out of drizzle's DrizzleQueryError wrapper: the cache never changes what
   * the database said, so `error.code === '23505'` works as without hotstorage.
   */
  /** `db.execute(statement)`, counted, with the driver's own error on failure. */
  execute(statement: SQL): Promise<unknown> {
    return this.query(() => this.db.execute(statement));
  }

  async query<T>(run: () => Promise<T>): Promise<T> {
    this.events.counts.dbQueries += 1;
    try {
      return await run();
    } catch (error) {
      throw driverError(error);
    }
  }

  /** hs.close(): stops the shared counters' timer, flushing them once more (best effort, bounded). */
  closeStats(): Promise<void> {
    return this.sharedStats?.close() ?? Promise.resolve();
  }
}

/** The Redis key of a table's epoch (next to its rows; not in a row's hash tag). */
export function epochKey(rt: TableRuntime): string {
  return `${rt.keyspace.base}:epoch`;
}

/** A table's change feed in one storage: unknown until detected; under the feed, its epoch cell. */
interface TableFeed {
  status: TableFeedStatus | undefined;
  /** The epoch cell of a table under the feed, or of one not known yet (never trusted until known). */
  readonly epoch: EpochCell | undefined;
  detecting: Promise<void> | undefined;
}

function displayOf(table: PgTable): string {
  const config = getTableConfig(table);
  return `${config.schema ?? 'public'}.${config.name}`;
}
