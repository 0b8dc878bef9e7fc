// Connections to the shared PostgreSQL and Redis. Suites never flush or reconfigure these: each uses its own
// key prefix and Postgres schema (see `suiteName`), so suites can run side by side.
import { drizzle } from 'drizzle-orm/postgres-js';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { globEscape, scanKeys } from '../../cli/operate/scan.js';
import { type HotStorage } from '@hotstorage/runtime';
import { createHotStorage, type TestStorageOptions } from '@hotstorage/runtime/testing';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A name unique to this suite run, usable as a Postgres schema and a Redis key prefix. */
export function suiteName(suite: string): string {
  return `hs_${suite}_${process.pid}_${Date.now().toString(36)}`.toLowerCase();
}

export function connectPostgres(options: postgres.Options<Record<string, postgres.PostgresType>> = {}): postgres.Sql {
  return postgres(DATABASE_URL, { max: 4, connect_timeout: 5, onnotice: () => {}, ...options });
}

export async function connectRedis(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis is not reachable at ${REDIS_URL}: start it (redis-server --daemonize yes) or set REDIS_URL. (${String(error)})`);
  }
  return redis;
}

/** Deletes every key under a prefix on the shared Redis (SCAN + UNLINK; never FLUSHALL). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  for await (const keys of scanKeys(redis, `${globEscape(prefix)}*`)) await redis.unlink(...keys);
}

/**
 * Every key under the prefix with its value (sets sorted, sorted-set members in order, other types by name), keys
 * sorted: compares Redis before and after. A key that expires between SCAN and TYPE is left out.
 */
export async function dumpPrefix(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for await (const keys of scanKeys(redis, `${globEscape(prefix)}*`)) {
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'string') out[key] = await redis.get(key);
      else if (type === 'set') out[key] = (await redis.smembers(key)).sort();
      else if (type === 'zset') out[key] = await redis.zrange(key, '0', '-1');
      else if (type !== 'none') out[key] = `<${type}>`;
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** An application's storage on connections of its own (Postgres pool and Redis client), closed together. */
export interface AppStorage {
  readonly hs: HotStorage;
  readonly sql: postgres.Sql;
  readonly redis: Redis;
  close(): Promise<void>;
}

/**
 * Opens an application storage on the shared services. The shared counters are off unless asked for: suites that
 * dump the prefix or MONITOR it must not see a flush land mid-test.
 */
export async function openAppStorage(options: Partial<TestStorageOptions> & { prefix: string }): Promise<AppStorage> {
  const sql = postgres(DATABASE_URL, { max: 8, connect_timeout: 5, onnotice: () => {} });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const hs = await createHotStorage({ db: drizzle(sql), redis, statsFlushMs: 0, ...options });
  return {
    hs, sql, redis,
    async close() {
      await hs.close();
      redis.disconnect();
      await sql.end({ timeout: 1 });
    },
  };
}
