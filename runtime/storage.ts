// createHotStorage: checks both services once and returns the storage, the context generated accessors take.
import type { Redis } from 'ioredis';
import { sql } from 'drizzle-orm';
import { bindContext, type ContextState } from './context.js';
import { connectionErrorCode, StorageCore } from './core.js';
import { OptionError, RedisUnavailableError, ServiceUnavailableError } from './errors.js';
import type { HotStorageStats } from './events.js';
import type { HotStorageContext } from './index.js';
import { resolveOptions, type Database, type HotStorageOptions } from './options.js';
import { RedisIo, redisAddress } from './redis-io.js';
import { runTransaction } from './transaction.js';
import { startListener, type ListenOptions, type Listener } from './listener.js';

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
  /** Retries queued repairs now (they are also retried on a timer); resolves to how many are still queued. */
  flushRepairs(): Promise<number>;
  /**
   * Drains the change feed's outbox and invalidates rows changed by writes that bypassed hotstorage (`hotstorage
   * triggers` installs it). LISTEN needs a direct connection to Postgres, not a transaction pooler.
   */
  listen(options?: ListenOptions): Promise<Listener>;
  /**
   * Stops the repair, epoch and stats timers, and adds this process's last counters to the shared ones (best effort,
   * bounded; never rejects). The clients are the application's: close them yourself, after awaiting this if you want
   * those last counters kept.
   */
  close(): Promise<void>;
}

/**
 * ```ts
 * const hs = await createHotStorage({ db: drizzle(postgres(url)), redis: new Redis(redisUrl), prefix: 'app:' });
 * const user = await users.getByEmail(hs, 'a@example.com'); // hit: one EVALSHA; miss: + one SELECT, one fill
 * ```
 */
export async function createHotStorage<TSchema extends Record<string, unknown>>(input: HotStorageOptions<TSchema>): Promise<HotStorage> {
  const options = resolveOptions(input as unknown as HotStorageOptions<Record<string, unknown>>);
  const db = input.db as unknown as Database;
  const redis = input.redis;
  if (!redis.isCluster && (redis as Redis).options.keyPrefix) {
    throw new OptionError('redis', 'the client has a `keyPrefix`, which scripts cannot see; remove it and pass it as hotstorage\'s `prefix` option');
  }
  if (input.autoPipelining !== false) redis.options.enableAutoPipelining = true;
  const address = redisAddress(redis);
  const postgresAddress = postgresAddressOf(db);
  const core: StorageCore = new StorageCore(
    db,
    new RedisIo(redis, { timeoutMs: options.commandTimeoutMs, address, onRoundTrip: () => (core.events.counts.redisRoundTrips += 1) }),
    options,
    postgresAddress,
    input.rowCodecFor,
    input.onEvent,
  );
  const outbox = await checkServices(core, address, postgresAddress);
  core.changeFeed = options.changeFeed ?? outbox;

  const storage: HotStorage = {
    kind: 'storage',
    transaction: (body) => runTransaction(core, (state) => body(transactionContext(state))),
    stats: () => ({ ...core.events.counts, repairsPending: core.repairs.size }),
    flushRepairs: () => core.flushRepairs(),
    listen: (listenOptions) => startListener(core, listenOptions),
    close: () => {
      core.epochs.stop();
      return core.close();
    },
  };
  bindContext(storage, { core, tx: undefined });
  return storage;
}

function transactionContext(state: ContextState): HotStorageTransaction {
  if (state.tx === undefined) throw new Error('hotstorage: internal: a transaction context without a transaction');
  const tx: HotStorageTransaction = { kind: 'transaction', db: state.tx.db };
  bindContext(tx, state);
  return tx;
}

/** Checks both services; resolves to whether the change feed's outbox exists (the startup query asks both at once). */
async function checkServices(core: StorageCore, redisAt: string, postgresAt: string): Promise<boolean> {
  try {
    // A client just created is still connecting; hotstorage sends nothing until it is connected.
    await core.io.connected(Math.max(core.options.commandTimeoutMs, STARTUP_CONNECT_MS));
    await core.io.commands([['PING']]);
  } catch (error) {
    const detail = error instanceof RedisUnavailableError ? error.message.replace(/^Redis at .*? failed: /, '') : String(error);
    throw new ServiceUnavailableError('Redis', redisAt, detail, error);
  }
  try {
    const outbox = `${JSON.stringify(core.options.outboxSchema)}.outbox`;
    const rows = await core.query(() => core.db.execute(sql`select to_regclass(${outbox}) is not null as found`));
    return (rows as unknown as { found?: unknown }[])[0]?.found === true;
  } catch (error) {
    const code = connectionErrorCode(error);
    const cause = code ?? (error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error));
    throw new ServiceUnavailableError('Postgres', postgresAt, cause, error);
  }
}

/** How long createHotStorage waits for a client that is still connecting (at least; `commandTimeoutMs` if longer). */
const STARTUP_CONNECT_MS = 2000;

/** `host:port` of the postgres.js client under a drizzle database, for messages (best effort). */
function postgresAddressOf(db: Database): string {
  const client = (db as unknown as { $client?: { options?: { host?: unknown; port?: unknown } } }).$client;
  const host = client?.options?.host;
  const port = client?.options?.port;
  const first = (value: unknown) => (Array.isArray(value) ? value[0] : value);
  const h = first(host);
  const p = first(port);
  return typeof h === 'string' ? `${h}:${typeof p === 'number' ? p : 5432}` : 'the configured address';
}
