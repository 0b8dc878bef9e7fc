// A fault suite's world: a Postgres schema and a redis-server of its own (so the suite may stop, kill, pause, restart
// or reconfigure it), tables with their accessors, storages over them, and the checks every fault suite ends with:
// each cached row and each pointer compared to Postgres, and every getter compared to Postgres.
import { drizzle } from 'drizzle-orm/postgres-js';
import { eq } from 'drizzle-orm';
import { integer, pgSchema, text, unique } from 'drizzle-orm/pg-core';
import { Redis, type RedisOptions } from 'ioredis';
import postgres from 'postgres';
import * as assert from 'uvu/assert';
import { rowCodecFor } from '../../runtime/src/codecs/row-codec.js';
import { defineTable, type HotStorage } from '@hotstorage/runtime';
import { createHotStorage, type TestStorageOptions } from '@hotstorage/runtime/testing';
import { ABSENT, INVALID, OVERSIZED } from '../../runtime/src/codecs/markers.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { connectPostgres, DATABASE_URL, dumpPrefix, suiteName } from '../helpers/services.js';

export function tablesIn(schema: string) {
  const s = pgSchema(schema);
  const users = s.table(
    'users',
    {
      id: integer('id').primaryKey(),
      email: text('email').notNull().unique(),
      tenantId: integer('tenant_id').notNull(),
      slug: text('slug').notNull(),
      name: text('name').notNull(),
      version: integer('version').notNull().default(0),
    },
    (t) => [unique('users_tenant_slug').on(t.tenantId, t.slug)],
  );
  const docs = s.table('docs', { id: integer('id').primaryKey(), body: text('body').notNull() });
  return { users, docs };
}

export type Tables = ReturnType<typeof tablesIn>;
export type User = Tables['users']['$inferSelect'];

function ddl(schema: string): string {
  const q = `"${schema}"`;
  return `
    create schema ${q};
    create table ${q}.users (
      id integer primary key, email text not null unique, tenant_id integer not null, slug text not null,
      name text not null, version integer not null default 0, constraint users_tenant_slug unique (tenant_id, slug));
    create table ${q}.docs (id integer primary key, body text not null);
  `;
}

export function user(id: number, over: Partial<User> = {}): User {
  return { id, email: `u${id}@example.com`, tenantId: 1, slug: `s${id}`, name: `user ${id}`, version: 0, ...over };
}

export interface Storage {
  readonly hs: HotStorage;
  readonly redis: Redis;
  /** SQL statements this storage's connection sent, as postgres.js saw them. */
  readonly queries: string[];
  readonly sql: postgres.Sql;
}

export interface World {
  readonly schema: string;
  readonly prefix: string;
  readonly server: RedisServer;
  readonly tables: Tables;
  readonly users: ReturnType<typeof defineTable<Tables['users']>>;
  readonly docs: ReturnType<typeof defineTable<Tables['docs']>>;
  /** Uncounted connections: Postgres, and the suite's own redis-server (reconnects by itself after a restart). */
  readonly admin: { sql: postgres.Sql; redis: Redis };
  /**
   * A storage over the suite's Redis. `client`: ioredis options of the application's client (default: ioredis's own
   * defaults, offline queue and 20 retries per request included: hotstorage must not depend on them).
   */
  storage(options?: Partial<TestStorageOptions>, client?: RedisOptions, prefix?: string, connection?: Record<string, string>): Promise<Storage>;
  close(): Promise<void>;
}

export async function openWorld(suite: string, server: { persist?: boolean; args?: readonly string[] } = {}): Promise<World> {
  const schema = suiteName(suite);
  const prefix = `${schema}:`;
  const redisServer = await startRedisServer({ ...server, args: ['--enable-debug-command', 'yes', ...(server.args ?? [])] });
  const admin = { sql: connectPostgres(), redis: new Redis(redisServer.url, { maxRetriesPerRequest: 1 }) };
  admin.redis.on('error', () => {});
  await admin.sql.unsafe(ddl(schema));
  const tables = tablesIn(schema);
  const opened: Storage[] = [];
  return {
    schema,
    prefix,
    server: redisServer,
    tables,
    users: defineTable(tables.users, { primaryKey: ['id'], uniqueKeys: [['email'], ['tenantId', 'slug']], identity: ['id'] }),
    docs: defineTable(tables.docs, { primaryKey: ['id'], uniqueKeys: [], identity: ['id'] }),
    admin,
    async storage(options = {}, client = {}, ownPrefix = prefix, connection = {}) {
      const queries: string[] = [];
      const sql = postgres(DATABASE_URL, { max: 6, onnotice: () => {}, connection, debug: (_connection, query) => queries.push(query) });
      const redis = new Redis({ host: '127.0.0.1', port: redisServer.port, ...client }); // client.port: e.g. a proxy's
      redis.on('error', () => {}); // outages are seen through hotstorage's counters
      // No change feed here, whatever another suite installed in the shared database meanwhile.
      const hs = await createHotStorage({ db: drizzle(sql), redis, prefix: ownPrefix, changeFeed: false, statsFlushMs: 0, ...options });
      const storage = { hs, redis, queries, sql };
      opened.push(storage);
      return storage;
    },
    async close() {
      for (const s of opened) {
        s.hs.close();
        s.redis.disconnect();
        await s.sql.end({ timeout: 1 });
      }
      await admin.sql.unsafe(`drop schema "${schema}" cascade`);
      await admin.sql.end();
      admin.redis.disconnect();
      await redisServer.destroy();
    },
  };
}

export { dumpPrefix } from '../helpers/services.js';

/** Commands the server processed so far (INFO's own call included; compare differences of two readings). */
export async function commandsProcessed(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
}

export interface Audit {
  /** Cached rows compared with Postgres. */
  rows: number;
  /** Cached absences, invalid and oversized markers seen. */
  markers: number;
  /** Pointers that still name a row which no longer carries their value (hints; lookups re-check them). */
  stalePointers: number;
}

/**
 * Invariant 1 at quiescence, checked on every key under the prefix: each cached row equals its Postgres row, each
 * cached absence has no Postgres row, and each pointer naming a cached row names one that carries its value. Then
 * every getter (by id, by email, by tenant and slug, getMany) returns exactly what Postgres holds for `ids`.
 */
export async function audit(world: World, storage: Storage, ids: readonly number[]): Promise<Audit> {
  const { users, docs } = world.tables;
  const db = drizzle(world.admin.sql);
  const dump = await dumpPrefix(world.admin.redis, world.prefix);
  const codecs = { users: rowCodecFor(users), docs: rowCodecFor(docs) };
  const result: Audit = { rows: 0, markers: 0, stalePointers: 0 };
  const rowKey = /^(.*)(users|docs)@[A-Za-z0-9_-]{6}:\{(-?\d+)\}$/;
  for (const [key, value] of Object.entries(dump)) {
    const match = rowKey.exec(key);
    if (match === null || typeof value !== 'string') continue;
    const table = match[2] === 'users' ? users : docs;
    const id = Number(match[3]);
    const [inDb] = await db.select().from(table).where(eq(table.id, id));
    if (value === INVALID || value === OVERSIZED) {
      result.markers += 1;
      continue;
    }
    if (value === ABSENT) {
      result.markers += 1;
      assert.is(inDb, undefined, `${key} caches an absence, but Postgres has the row`);
      continue;
    }
    const cached = (match[2] === 'users' ? codecs.users : codecs.docs).decode(value);
    assert.ok(cached !== undefined, `${key} holds a value that is not a row: ${value.slice(0, 80)}`);
    assert.equal(cached, inDb, `${key} is stale`);
    result.rows += 1;
  }
  const pointer = /^.*users@[A-Za-z0-9_-]{6}:(email=.*|tenant_id=.*)$/;
  for (const [key, tag] of Object.entries(dump)) {
    if (!pointer.test(key) || key.endsWith(':lease') || typeof tag !== 'string') continue;
    const target = dump[`${key.slice(0, key.lastIndexOf('@') + 7)}:{${tag}}`];
    if (typeof target !== 'string' || [ABSENT, INVALID, OVERSIZED].includes(target)) continue;
    const row = codecs.users.decode(target);
    const carries =
      row !== undefined &&
      (key.includes(':email=') ? key.endsWith(`:email=${escapeForKey(String(row.email))}`) : key.endsWith(`:tenant_id=${String(row.tenantId)}:slug=${escapeForKey(String(row.slug))}`));
    if (!carries) result.stalePointers += 1;
  }
  const dbRows = await db.select().from(users);
  const byId = new Map(dbRows.map((row) => [row.id, row] as const));
  const many = await world.users.getManyByIdentity(storage.hs, ids.map((id) => ({ id })));
  for (const [i, id] of ids.entries()) {
    const expected = byId.get(id) ?? null;
    assert.equal(await world.users.getBy(storage.hs, ['id'], { id }), expected, `getBy id ${id}`);
    assert.equal(many[i] ?? null, expected, `getManyByIdentity id ${id}`);
    if (expected !== null) {
      assert.equal(await world.users.getBy(storage.hs, ['email'], { email: expected.email }), expected, `getBy email of ${id}`);
      assert.equal(await world.users.getBy(storage.hs, ['tenantId', 'slug'], { tenantId: expected.tenantId, slug: expected.slug }), expected, `getBy tenant/slug of ${id}`);
    }
  }
  return result;
}

function escapeForKey(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Polls `condition` (no fixed sleeps) until it holds, at most `ms`. */
export async function until(condition: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
