// The state one storage shares across its tables: clients, options, counters, repair queue, epochs, and the runtime of
// each table it serves. State only: the protocol (protocol/) acts on it.
import { randomBytes } from 'node:crypto';
import { DrizzleQueryError } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { epochCodec } from '../codecs/epoch-tag.js';
import { rowCodecFor } from '../codecs/row-codec.js';
import { Epochs, newCell, type EpochCell } from './epochs.js';
import { EventSink } from './events.js';
import type { Database, HotStorageEvent, HotStorageEventType, TableSpec } from '../types.js';
import type { ResolvedOptions } from './options.js';
import { LEASE_VALUES } from '../redis/lease-values.js';
import { RedisIo } from '../redis/redis-io.js';
import { RepairQueue } from './repair-queue.js';
import { SharedStats, statsKey } from './shared-stats.js';
import { buildTableRuntime, type TableRuntime } from '../table/table-runtime.js';

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED', 'CONNECTION_ENDED',
]);

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
  /** The change feed is installed (option `changeFeed`, else detected at startup): see storage/epochs.ts, feed/. */
  changeFeed = false;
  readonly epochs: Epochs;
  private readonly epochCells = new WeakMap<TableRuntime, EpochCell>();
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

  /** Checks the spec against the live table and builds its runtime (the operating commands build theirs here too). */
  buildRuntime(table: PgTable, spec: TableSpec): TableRuntime {
    const rt = this.buildTableRuntime(table, spec);
    this.sharedStats?.register(rt.info.display, statsKey(this.options.prefix, rt.info.schema, rt.info.name));
    return rt;
  }

  private buildTableRuntime(table: PgTable, spec: TableSpec): TableRuntime {
    const codec = (this.options.rowCodecFor ?? rowCodecFor)(table);
    if (!this.changeFeed) return buildTableRuntime({ table, spec, prefix: this.options.prefix, codec });
    const cell = newCell();
    const rt = buildTableRuntime({ table, spec, prefix: this.options.prefix, codec: epochCodec(codec, cell) });
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
