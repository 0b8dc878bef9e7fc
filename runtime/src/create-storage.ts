// createHotStorage: checks both services once and returns the storage, the context generated accessors take.
import type { Redis } from 'ioredis';
import { sql } from 'drizzle-orm';
import { definitionOf } from './accessors/define-table.js';
import { FeedMismatchError, OptionError, RedisUnavailableError, ServiceUnavailableError } from './errors.js';
import { startListener } from './feed/listener.js';
import { flushRepairs, stopRepairs } from './protocol/repairs.js';
import { startNear } from './storage/start-near.js';
import { runTransaction } from './protocol/transaction.js';
import { RedisIo, redisAddress } from './redis/redis-io.js';
import { bindContext, type ContextState } from './storage/context.js';
import { StorageCore, type TableDefinition } from './storage/core.js';
import { connectionErrorCode, postgresAddressOf, postgresAnswer, refusesConnection } from './storage/driver.js';
import { resolveOptions } from './storage/options.js';
import type { TestSeams } from './storage/seams.js';
import type { Database, HotStorage, HotStorageOptions, HotStorageTransaction, HotTables } from './types.js';

/**
 * ```ts
 * const hs = await createHotStorage({ db: drizzle(postgres(url)), redis: new Redis(redisUrl), prefix: 'app:' });
 * const user = await users.getByEmail(hs, 'a@example.com'); // hit: one EVALSHA; miss: + one SELECT, one fill
 * ```
 */
export function createHotStorage<TSchema extends Record<string, unknown>>(input: HotStorageOptions<TSchema>): Promise<HotStorage> {
  return openStorage(input as unknown as HotStorageOptions<Record<string, unknown>>, {});
}

/** createHotStorage with test seams (the testing entry's door; applications use createHotStorage). */
export async function openStorage(input: HotStorageOptions<Record<string, unknown>>, seams: TestSeams): Promise<HotStorage> {
  const options = resolveOptions(input, seams);
  const declared = input.tables === undefined ? [] : definitionsOf('tables', input.tables);
  const db = input.db as unknown as Database;
  const redis = input.redis;
  if (!redis.isCluster && (redis as Redis).options.keyPrefix) {
    throw new OptionError('redis', 'the client has a `keyPrefix`, which scripts cannot see; remove it and pass it as hotstorage\'s `prefix` option');
  }
  if (redis.isCluster && options.nearCache !== undefined) {
    // Why: tracking is per node connection, and a key's node changes with resharding and failover; see runtime/README.md.
    throw new OptionError('nearCache', 'the near-cache is not available on a Redis Cluster (its invalidations would need tracking on every node, re-armed soundly on every change of topology); remove `nearCache` or use a single Redis');
  }
  if (input.autoPipelining !== false) redis.options.enableAutoPipelining = true;
  const address = redisAddress(redis);
  const postgresAddress = postgresAddressOf(db);
  const core: StorageCore = new StorageCore(
    db,
    new RedisIo(redis, { timeoutMs: options.commandTimeoutMs, address, onRoundTrip: () => (core.events.counts.redisRoundTrips += 1) }),
    options,
    postgresAddress,
    input.onEvent,
  );
  await checkServices(core, declared, address, postgresAddress);
  // The tables' specs are checked against the live tables now, not at a request.
  core.declare(declared);
  if (options.nearCache !== undefined) {
    core.near = await startNear(core, redis as Redis, options.nearCache, Math.max(core.options.commandTimeoutMs, STARTUP_CONNECT_MS));
  }

  const storage: HotStorage = {
    kind: 'storage',
    transaction: (body) => runTransaction(core, (state) => body(transactionContext(state))),
    stats: () => ({ ...core.events.counts, repairsPending: core.repairs.size, nearBytes: core.near?.cache.bytes ?? 0 }),
    changeFeed: () => core.feedStatuses(),
    flushRepairs: () => flushRepairs(core),
    listen: (listenOptions) => {
      const tables = listenOptions?.tables === undefined ? core.declared() : definitionsOf('tables', listenOptions.tables).map((d) => core.runtimeOf(d));
      if (tables.length === 0) {
        return Promise.reject(new OptionError('tables', 'hs.listen() needs the tables to invalidate: pass the generated index to createHotStorage (`tables: hot`, from `import * as hot from \'./hot/index.js\'`) or to listen()'));
      }
      return startListener(core, tables, listenOptions);
    },
    close: () => {
      core.near?.tracking.close();
      core.epochs.stop();
      stopRepairs(core, true);
      return core.closeStats();
    },
  };
  bindContext(storage, { core, tx: undefined });
  return storage;
}

/** The definitions behind `tables`: a generated index (each module's `table`) or a list of defineTable objects. */
function definitionsOf(option: string, tables: HotTables): TableDefinition[] {
  const items: unknown[] = Array.isArray(tables) ? tables : Object.values(tables).map((module: unknown) => (module as { table?: unknown } | null)?.table);
  return items.map((item, i) => {
    const definition = definitionOf(item);
    if (definition === undefined) {
      const name = Array.isArray(tables) ? `item ${i}` : `\`${Object.keys(tables)[i] ?? i}\``;
      throw new OptionError(option, `${name} is not a table module generated by hotstorage (a module exporting \`table\`, or the table itself)`);
    }
    return definition;
  });
}

function transactionContext(state: ContextState): HotStorageTransaction {
  if (state.tx === undefined) throw new Error('hotstorage: internal: a transaction context without a transaction');
  const tx: HotStorageTransaction = { kind: 'transaction', db: state.tx.db };
  bindContext(tx, state);
  return tx;
}

/**
 * Checks both services. Postgres's check is the detection of the declared tables' change feed (one statement), so a
 * table whose capture triggers would break a write is refused here (FeedMismatchError), before any write.
 */
async function checkServices(core: StorageCore, declared: readonly TableDefinition[], redisAt: string, postgresAt: string): Promise<void> {
  try {
    // A client just created is still connecting; hotstorage sends nothing until it is connected.
    await core.io.connected(Math.max(core.options.commandTimeoutMs, STARTUP_CONNECT_MS));
    await core.io.commands([['PING']]);
  } catch (error) {
    const detail = error instanceof RedisUnavailableError ? error.message.replace(/^Redis at .*? failed: /, '') : String(error);
    throw new ServiceUnavailableError('Redis', redisAt, detail, error);
  }
  try {
    if (declared.length === 0) await core.execute(sql`select 1`);
    else await core.detectFeeds(declared.map((d) => d.table));
  } catch (error) {
    if (error instanceof FeedMismatchError) throw error;
    // Postgres answered: a database or role it refuses is said in its words, not as an address where nothing listens.
    const answer = postgresAnswer(error);
    if (answer !== undefined && refusesConnection(answer.code)) throw new ServiceUnavailableError('Postgres', postgresAt, answer.message, error, true);
    const code = connectionErrorCode(error);
    const cause = code ?? (error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error));
    throw new ServiceUnavailableError('Postgres', postgresAt, cause, error);
  }
}

/** How long createHotStorage waits for a client that is still connecting (at least; `commandTimeoutMs` if longer). */
const STARTUP_CONNECT_MS = 2000;
