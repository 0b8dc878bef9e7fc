// Options of createHotStorage, their defaults and their checks.
import type { Cluster, Redis } from 'ioredis';
import type { PgDatabase, PgQueryResultHKT, PgTable } from 'drizzle-orm/pg-core';
import type { RowCodec } from './codecs.js';
import type { HotStorageEvent } from './events.js';
import { OptionError } from './errors.js';
import { checkPrefix } from './keys.js';

/** Any drizzle database over Postgres (drizzle-orm/postgres-js in production), or a transaction of one. */
export type Database = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;

/**
 * Seams between protocol steps, for tests that place a rival client at an exact interleaving. Each may be async;
 * the protocol awaits it. Not for production use.
 */
export interface ProtocolHooks {
  /** A reader holds the row's lease and is about to read Postgres. */
  afterLease?(step: { table: string; key: string }): Promise<void> | void;
  /** A reader found a row in Postgres by a unique key and is about to take that row's lease. */
  afterUniqueRead?(step: { table: string; key: string; row: Record<string, unknown> }): Promise<void> | void;
  /** A reader (lease holder) has read Postgres and is about to fill. `row` is null for an absent row. */
  afterDbRead?(step: { table: string; key: string; row: Record<string, unknown> | null }): Promise<void> | void;
  /** A writer holds its leases and is about to run its statement (standalone) or commit (transaction). */
  beforeCommit?(step: { keys: readonly string[] }): Promise<void> | void;
  /** The database commit is done; the cache is about to be updated. */
  afterCommit?(step: { keys: readonly string[] }): Promise<void> | void;
  /** The cache update after a commit is done (or failed and was queued for repair). */
  afterApply?(step: { keys: readonly string[] }): Promise<void> | void;
}

export interface HotStorageOptions<TSchema extends Record<string, unknown> = Record<string, unknown>> {
  /** drizzle over postgres.js: `drizzle(postgres(url))` from drizzle-orm/postgres-js. */
  db: PgDatabase<PgQueryResultHKT, TSchema>;
  /**
   * An ioredis client (`new Redis(url)`). hotstorage turns its auto-pipelining on (see `autoPipelining`). The client
   * must have no `keyPrefix`: use `prefix`.
   */
  redis: Redis | Cluster;
  /** Prepended to every key (default `hs:`); no braces. */
  prefix?: string;
  /** Lifetime of a cached row and its pointers (default 3600 s). */
  rowTtlSeconds?: number;
  /** Lifetime of a cached absence, and the minimum lifetime of the invalid marker (default 10000 ms). */
  tombstoneTtlMs?: number;
  /** Lifetime of a lease: longer than a row's Postgres read and a writer's commit (default 5000 ms). */
  leaseTtlMs?: number;
  /** Longest wait for one Redis round trip before the call goes on without the cache (default 250 ms). */
  commandTimeoutMs?: number;
  /** How many times a reader waits for another reader's lease before reading Postgres itself (default 8). */
  leaseWaitTries?: number;
  /** The wait between tries (default: 5 ms doubling, at most 100 ms). A seam for tests. */
  wait?: (attempt: number) => Promise<void>;
  /**
   * Turn on ioredis auto-pipelining on the client (default true): concurrent calls then share round trips, which is
   * what a cache under load wants. Pass false to leave the client exactly as configured.
   */
  autoPipelining?: boolean;
  /** Rows remembered for invalidation while Redis is down (default 10000; beyond that the oldest are dropped). */
  repairQueueLimit?: number;
  /** How often queued repairs are retried (default 1000 ms). */
  repairIntervalMs?: number;
  /**
   * Rows whose encoded form is over this many bytes are not cached (default 1 MiB): they are read from Postgres each
   * time, never truncated, and counted as `oversized`.
   */
  maxRowBytes?: number;
  /**
   * The change feed for writes that bypass hotstorage (`hotstorage triggers`, `hs.listen()`) is installed: writes name
   * their transaction so the listener skips their own entries, and reads honour table epochs. Default: detected at
   * startup (the outbox table exists).
   */
  changeFeed?: boolean;
  /** Schema of the change feed's outbox (default `hotstorage`, as `hotstorage triggers --outbox-schema`). */
  outboxSchema?: string;
  /** How long a writer's applied token is kept for the listener to recognise its entry (default 60000 ms). */
  appliedTtlMs?: number;
  /** How often table epochs are read again (default 1000 ms): the longest a bumped table's old rows are served. */
  epochRefreshMs?: number;
  /**
   * How often this process adds its counters, per table, to the shared ones in Redis (`<prefix><schema>.<table>:stats`,
   * read by `hotstorage stats`), in the background (default 5000 ms; 0 turns it off).
   */
  statsFlushMs?: number;
  /** Receives every event counted in stats(). */
  onEvent?: (event: HotStorageEvent) => void;
  /** Test seams between protocol steps. */
  hooks?: ProtocolHooks;
  /** Builds a table's row codec (default: rowCodecFor from runtime/codecs). A seam for tests. */
  rowCodecFor?: (table: PgTable) => RowCodec;
  /**
   * TEST ONLY: fills and post-commit writes ignore leases. Exists so the randomized test can prove it detects the
   * races the lease guard prevents. Never set it in an application.
   */
  unsafeDisableLeaseGuard?: boolean;
}

export interface ResolvedOptions {
  readonly prefix: string;
  readonly rowTtlMs: number;
  readonly tombstoneTtlMs: number;
  readonly invalidTtlMs: number;
  readonly leaseTtlMs: number;
  readonly commandTimeoutMs: number;
  readonly leaseWaitTries: number;
  readonly wait: (attempt: number) => Promise<void>;
  readonly repairQueueLimit: number;
  readonly repairIntervalMs: number;
  readonly maxRowBytes: number;
  readonly hooks: ProtocolHooks;
  readonly guard: boolean;
  /** undefined: detect at startup. */
  readonly changeFeed: boolean | undefined;
  readonly outboxSchema: string;
  readonly appliedTtlMs: number;
  readonly epochRefreshMs: number;
  /** 0: off. */
  readonly statsFlushMs: number;
}

function positive(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new OptionError(option, `expected a positive number, got ${value}`);
  return value;
}

export function defaultWait(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(100, 5 * 2 ** (attempt - 1))));
}

export function resolveOptions(options: HotStorageOptions<Record<string, unknown>>): ResolvedOptions {
  const prefix = options.prefix ?? 'hs:';
  checkPrefix(prefix);
  const tombstoneTtlMs = Math.round(positive('tombstoneTtlMs', options.tombstoneTtlMs, 10_000));
  const leaseTtlMs = Math.round(positive('leaseTtlMs', options.leaseTtlMs, 5_000));
  return {
    prefix,
    rowTtlMs: Math.round(positive('rowTtlSeconds', options.rowTtlSeconds, 3600) * 1000),
    tombstoneTtlMs,
    // A reader holding a lease may fill until its lease expires: the marker must outlive any such lease.
    invalidTtlMs: Math.max(tombstoneTtlMs, leaseTtlMs * 2),
    leaseTtlMs,
    commandTimeoutMs: positive('commandTimeoutMs', options.commandTimeoutMs, 250),
    leaseWaitTries: Math.floor(positive('leaseWaitTries', options.leaseWaitTries, 8)),
    wait: options.wait ?? defaultWait,
    repairQueueLimit: Math.floor(positive('repairQueueLimit', options.repairQueueLimit, 10_000)),
    repairIntervalMs: positive('repairIntervalMs', options.repairIntervalMs, 1000),
    maxRowBytes: Math.floor(positive('maxRowBytes', options.maxRowBytes, 1024 * 1024)),
    hooks: options.hooks ?? {},
    guard: options.unsafeDisableLeaseGuard !== true,
    changeFeed: options.changeFeed,
    outboxSchema: options.outboxSchema ?? 'hotstorage',
    appliedTtlMs: Math.round(positive('appliedTtlMs', options.appliedTtlMs, 60_000)),
    epochRefreshMs: positive('epochRefreshMs', options.epochRefreshMs, 1000),
    statsFlushMs: options.statsFlushMs === 0 ? 0 : positive('statsFlushMs', options.statsFlushMs, 5000),
  };
}
