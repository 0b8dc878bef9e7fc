// Every public type of the runtime, in one place. The public face (index.ts) re-exports them; the rest of the runtime
// imports them from here, so no module reaches back up to the public face for a type.
//
// CONTRACT: generated modules (templates/) compile against `defineTable`, `HotTable`, `Context`, `Row` and `NewRow`
// exactly as declared here. Change these signatures only together with the templates and goldens.
import type { Cluster, Redis } from 'ioredis';
import type { PgDatabase, PgQueryResultHKT, PgTable } from 'drizzle-orm/pg-core';

/** A row as Postgres returns it through Drizzle. */
export type Row<T extends PgTable> = T['$inferSelect'];
/** A row as Drizzle accepts it for insert. */
export type NewRow<T extends PgTable> = T['$inferInsert'];

/**
 * Any drizzle database over Postgres, or a transaction of one. Tested over drizzle-orm/postgres-js (postgres.js) and
 * drizzle-orm/node-postgres (pg); other drivers drizzle wraps as a PgDatabase are used through the same interface.
 */
export type Database = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;

/** What the generator knew about a table's keys; checked against the live table when first used. */
export interface TableSpec {
  /** Primary key columns (TypeScript property names) in declared order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** Usable unique keys, columns in declared order. */
  readonly uniqueKeys: readonly (readonly string[])[];
  /** Columns identifying a cached row: the primary key, or the first NOT NULL unique key. */
  readonly identity: readonly string[];
  /** Lists (`listBy<Columns>`): the columns of each foreign key and non-unique index, in declared order. */
  readonly lists?: readonly (readonly string[])[];
}

/**
 * A page of a list: at most `limit` rows (default `listLimit`), those whose identity follows `after`, and with `where`
 * only those whose columns equal its values (`null`: IS NULL). `Filter` is the row without the list's own columns.
 */
export interface ListOptions<After, Filter = Record<string, unknown>> {
  readonly limit?: number;
  /** The identity of the last row of the previous page (keyset paging, in identity order). */
  readonly after?: After;
  /**
   * Equality on other columns: from the cache, the list's rows are filtered (reading further members until `limit`
   * rows match); from Postgres, the values join the WHERE. An undefined value filters nothing.
   */
  readonly where?: Partial<Filter>;
}

/** Either the storage itself or a transaction opened by `hs.transaction`. */
export type Context = HotStorageContext;

export interface HotStorageContext {
  readonly kind: 'storage' | 'transaction';
}

export interface HotTable<T extends PgTable> {
  /** Look a row up by one of the spec's keys (`key` lists its columns). */
  getBy(ctx: Context, key: readonly string[], values: Partial<Row<T>>): Promise<Row<T> | null>;
  /** Rows by a unique key (`key` lists its columns), in input order, null where absent. */
  getManyBy(ctx: Context, key: readonly string[], values: readonly Partial<Row<T>>[]): Promise<(Row<T> | null)[]>;
  /**
   * The rows whose `key` columns (a list of the spec) equal `values`, in identity order; `options.after` is an identity
   * (its value alone for a one-column identity).
   */
  listBy(ctx: Context, key: readonly string[], values: Partial<Row<T>>, options?: ListOptions<unknown, Row<T>>): Promise<Row<T>[]>;
  /** Rows by identity, in input order, null for absent rows. */
  getManyByIdentity(ctx: Context, values: readonly Partial<Row<T>>[]): Promise<(Row<T> | null)[]>;
  /** Insert or update a whole row (upsert on the identity); returns the row as Postgres returned it. */
  save(ctx: Context, row: NewRow<T>): Promise<Row<T>>;
  /** Update some columns of the row with this identity; null when no such row. */
  update(ctx: Context, identity: Partial<Row<T>>, patch: Partial<NewRow<T>>): Promise<Row<T> | null>;
  /** Delete the row with this identity; true when a row was deleted. */
  remove(ctx: Context, identity: Partial<Row<T>>): Promise<boolean>;
}

/**
 * The tables a storage serves: the generated index (`import * as hot from './hot/index.js'`: each module exports its
 * `table`), or a list of the tables themselves.
 */
export type HotTables = Readonly<Record<string, { readonly table: HotTable<PgTable> }>> | readonly HotTable<PgTable>[];

/** A transaction opened by hs.transaction: pass it to accessors; `db` runs your own queries in the same transaction. */
export interface HotStorageTransaction extends HotStorageContext {
  readonly kind: 'transaction';
  readonly db: Database;
}

export interface HotStorage extends HotStorageContext {
  readonly kind: 'storage';
  /**
   * Runs `body` in one database transaction. Accessors given `tx` write through it and read the transaction's own
   * view (not the cache); the cache is updated after COMMIT; if `body` throws, Redis is left exactly as it was.
   */
  transaction<R>(body: (tx: HotStorageTransaction) => Promise<R>): Promise<R>;
  /** Counters since creation (see HotStorageEventType for what each counts). */
  stats(): HotStorageStats;
  /**
   * Each table this storage has used (its `tables` from startup, others from their first use): whether it is under
   * the change feed, as detected from its capture triggers (or set by the option `changeFeed`).
   */
  changeFeed(): TableFeedStatus[];
  /** Retries queued repairs now (they are also retried on a timer); resolves to how many are still queued. */
  flushRepairs(): Promise<number>;
  /**
   * Drains the change feed's outbox and invalidates rows changed by writes that bypassed hotstorage (`hotstorage
   * triggers` installs it), for the storage's `tables`. LISTEN needs a direct connection to Postgres, not a
   * transaction pooler.
   */
  listen(options?: ListenOptions): Promise<Listener>;
  /**
   * Stops the repair, epoch and stats timers, and adds this process's last counters to the shared ones (best effort,
   * bounded; never rejects). The clients are the application's: close them yourself, after awaiting this if you want
   * those last counters kept.
   */
  close(): Promise<void>;
}

export interface HotStorageOptions<TSchema extends Record<string, unknown> = Record<string, unknown>> {
  /**
   * A drizzle database over Postgres: `drizzle(postgres(url))` (drizzle-orm/postgres-js), `drizzle(new Pool(...))`
   * (drizzle-orm/node-postgres), or another of drizzle's Postgres drivers.
   */
  db: PgDatabase<PgQueryResultHKT, TSchema>;
  /**
   * An ioredis client (`new Redis(url)`). hotstorage turns its auto-pipelining on (see `autoPipelining`). The client
   * must have no `keyPrefix`: use `prefix`.
   */
  redis: Redis | Cluster;
  /**
   * The tables this storage serves: the generated index (`import * as hot from './hot/index.js'`). Their keys are
   * checked against the live tables at startup, and `hs.listen()` invalidates them. Accessors of a table not listed
   * here still work (checked on first use), but the listener does not know it.
   */
  tables?: HotTables;
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
  /** The wait between tries (default: 5 ms doubling, at most 100 ms). */
  wait?: (attempt: number) => Promise<void>;
  /**
   * Turn on ioredis auto-pipelining on the client (default true): concurrent calls then share round trips, which is
   * what a cache under load wants. Pass false to leave the client exactly as configured.
   */
  autoPipelining?: boolean;
  /** Rows remembered for invalidation while Redis is down (default 10000; beyond that the oldest are dropped). */
  repairQueueLimit?: number;
  /**
   * How often queued repairs are retried, and how often the standby connection (writes and repairs while the client
   * passed as `redis` is not connected) tries to reach Redis (default 100 ms): other processes may serve a row this
   * process committed without reaching Redis until its repair lands (see the runtime README, Faults).
   */
  repairIntervalMs?: number;
  /**
   * Rows whose encoded form is over this many bytes are not cached (default 1 MiB): they are read from Postgres each
   * time, never truncated, and counted as `oversized`.
   */
  maxRowBytes?: number;
  /**
   * Lists with more members than this are not cached (default 1000): they are read from Postgres each time, never
   * truncated, and counted as `listsOversized`.
   */
  maxListLength?: number;
  /** Rows a list page holds when `limit` is not given (default 100). */
  listLimit?: number;
  /** The largest `limit` a list page may ask for (default 1000). */
  maxListLimit?: number;
  /**
   * The change feed for writes that bypass hotstorage (`hotstorage triggers`, `hs.listen()`) is installed: writes name
   * their transaction so the listener skips their own entries, and reads honour table epochs. Default: detected per
   * table (its capture triggers call this storage's `outboxSchema` and the outbox exists), for `tables` at startup and
   * for any other table at its first use. `hs.changeFeed()` says what was found.
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
  /**
   * Keep hot rows decoded in this process too (off by default), coherent through Redis's client-side caching: see
   * NearCacheOptions and the runtime README, "Near-cache". Not on a Redis Cluster.
   */
  nearCache?: NearCacheOptions;
  /** Receives every event counted in stats(). */
  onEvent?: (event: HotStorageEvent) => void;
}

/**
 * The in-process near-cache: rows read by identity (and by a unique key, through this process's pointer hints) are
 * served from memory once read, and dropped when Redis says their key changed (`CLIENT TRACKING` on a connection of
 * hotstorage's own). A write of this process drops its rows before it returns.
 */
export interface NearCacheOptions {
  /**
   * Rows, cached absences and lists kept, at most (one entry each); beyond it the least recently used go (counted as
   * `nearEvictions`).
   */
  maxRows: number;
  /**
   * Bytes kept, at most, as estimated when each entry is stored (2 per character of its key and Redis value, plus 240,
   * plus 180 per list member: measured within 1–2.1x of the heap it takes, erring high; runtime/README.md,
   * "Near-cache"). Beyond it the least recently used go (`nearEvictions`), as beyond `maxRows`: both bounds hold when
   * both are given. An entry estimated above `maxBytes` alone is not kept (counted as `nearOversized`). Default: none.
   */
  maxBytes?: number;
  /** The backstop: a row is not served longer than this after it was read from Redis (default 60000 ms; null: none). */
  ttlMs?: number | null;
  /** The tables that use it, by name (`users` or `public.users`); default: every table. */
  tables?: readonly string[];
  /**
   * How often this process checks that invalidations still reach it (a key it writes must be invalidated back to it
   * within this time), default 1000 ms: a silent loss of tracking empties the near-cache within twice this.
   */
  heartbeatMs?: number;
}

/**
 * What the listener can run on: a postgres.js client (`postgres(url)`), or a node-postgres (`pg`) `Pool` or `Client`.
 * Described by shape, not by either driver's types, so an application needs only the driver it uses.
 */
export type ListenClient = PostgresJsClient | NodePostgresClient;

/** A postgres.js client (`postgres(url)`): LISTEN on a connection of its own, transactions with `begin`. */
export interface PostgresJsClient {
  listen(channel: string, onnotify: (payload: string) => void, onlisten?: () => void): PromiseLike<unknown>;
  begin: (...args: never[]) => unknown;
  unsafe: (...args: never[]) => unknown;
}

/** A node-postgres (`pg`) `Pool` or `Client`. */
export interface NodePostgresClient {
  connect(): Promise<unknown>;
  query: (...args: never[]) => unknown;
  on: (...args: never[]) => unknown;
}

/** A table's change feed, as the storage detected it (hs.changeFeed()). */
export interface TableFeedStatus {
  /** `schema.table` */
  readonly table: string;
  /** The storage treats the table as under the change feed: its writes name their origin, its rows carry its epoch. */
  readonly changeFeed: boolean;
  /**
   * What the database holds: `installed` (the four capture triggers, calling this storage's outbox schema), `incomplete`
   * (some of them: the feed is on for what they record), `absent`, or `unknown` (not read: the option `changeFeed`
   * decided).
   */
  readonly triggers: 'installed' | 'incomplete' | 'absent' | 'unknown';
  /** What is missing, when something is. */
  readonly detail?: string;
}

export interface ListenOptions {
  /** Tables to invalidate (default: the storage's `tables`). Entries of other tables are left alone. */
  readonly tables?: HotTables;
  /**
   * The client for LISTEN and the drains, on a direct connection (not a transaction pooler): a postgres.js client, or
   * a node-postgres Pool (the listener opens one connection of its own from its settings for LISTEN) or Client
   * (connected, and dedicated to the listener). Default: the client under the storage's drizzle database (a
   * node-postgres Client there is the application's: the listener opens its own from the same settings).
   */
  readonly sql?: ListenClient;
  /** Entries per drain transaction (default 500). */
  readonly batchSize?: number;
  /** The safety net: drain (and check the outbox's size) at least this often (default 1000 ms). */
  readonly pollIntervalMs?: number;
  /**
   * More entries than this waiting (a listener down for long) and the tables they name are invalidated whole by an
   * epoch bump instead of row by row (default 100000).
   */
  readonly outboxLimit?: number;
  /** Called with every failed drain or size check (Postgres or Redis); the entries stay and are tried again. */
  readonly onError?: (error: unknown) => void;
}

export interface Listener {
  /** Stops listening and polling; resolves when the drain under way (if any) has finished. */
  stop(): Promise<void>;
  /**
   * Drains the outbox now until it holds nothing for our tables (or only entries locked by another instance); a
   * drain of this listener already under way finishes first, so what it took is invalidated when this resolves.
   */
  drain(): Promise<number>;
}

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
  | 'epochBump' // the outbox listener invalidated a whole table (TRUNCATE, a huge statement, an outbox over its bound)
  | 'listHit' // a list's members served from Redis (its rows are counted as rows)
  | 'listMiss' // a list not in Redis (or not usable): Postgres was read
  | 'listFill' // a list read from Postgres was written to Redis under our lease
  | 'listFillRefused' // a list fill lost its lease or found a newer value: nothing written
  | 'listOversized' // a list over `maxListLength` was read from Postgres and not cached
  | 'listInvalidation' // a list was deleted because a write could change its members
  | 'nearHit' // a row (or a cached absence) or a list served from this process's memory (option `nearCache`)
  | 'nearMiss' // a read of a table in the near-cache not served from memory: it went to Redis
  | 'nearInvalidation' // Redis said a row key held in memory changed: the local copy was dropped
  | 'nearEviction' // the near-cache was full (`nearCache.maxRows` or `maxBytes`): a row was dropped
  | 'nearOversized' // a row or list estimated above `nearCache.maxBytes` alone: not kept in memory (read from Redis each time)
  | 'nearFlush' // the near-cache was emptied whole; `key` says why: connection (lost), flushall, heartbeat (a gap), close
  | 'changeFeedOn' // a table was found under the change feed (startup, or its first use): see hs.changeFeed()
  | 'changeFeedOff'; // a table was found without the change feed

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
  listHits: number;
  listMisses: number;
  listFills: number;
  listFillsRefused: number;
  listsOversized: number;
  listInvalidations: number;
  /** The near-cache (option `nearCache`): see HotStorageEventType. */
  nearHits: number;
  nearMisses: number;
  nearInvalidations: number;
  nearEvictions: number;
  nearOversized: number;
  nearFlushes: number;
  /** The near-cache's estimated bytes held now (what `nearCache.maxBytes` bounds); 0 when it is off. */
  nearBytes: number;
  /** Tables found under the change feed, and without it (hs.changeFeed() lists them). */
  tablesWithFeed: number;
  tablesWithoutFeed: number;
  /** Redis round trips made (a pipeline counts once). */
  redisRoundTrips: number;
  /** SQL statements sent to Postgres by hotstorage. */
  dbQueries: number;
  /** Rows waiting in the repair queue now. */
  repairsPending: number;
}
