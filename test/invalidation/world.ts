// One suite's world for the change feed: its own Postgres schema (tables declared with pgSchema, so the triggers'
// tg_table_schema is the schema the runtime keys on), its own outbox schema (`<schema>_feed`, so suites running side
// by side never drain each other's entries), its own Redis prefix, and the triggers installed from the same model
// `hotstorage triggers` would print. Its storages run over the process's driver (test/helpers/drivers.ts): the files
// named *.node-postgres.test.ts run a suite of this folder over node-postgres.
import { bigint, index, integer, pgSchema, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { MODEL_VERSION, type Model, type Table } from '../../generator/model.js';
import { triggersSql } from '../../generator/triggers.js';
import { defineTable, type HotStorage } from '@hotstorage/runtime';
import { createHotStorage, type TestStorageOptions } from '@hotstorage/runtime/testing';
import { type Driver, openDatabase, testDriver } from '../helpers/drivers.js';
import { connectPostgres, connectRedis, deletePrefix, REDIS_URL, suiteName } from '../helpers/services.js';

export function makeTables(schemaName: string) {
  const s = pgSchema(schemaName);
  const items = s.table('items', { id: integer('id').primaryKey(), email: text('email').notNull().unique(), name: text('name').notNull() });
  const bigs = s.table('bigs', { id: bigint('id', { mode: 'bigint' }).primaryKey(), v: text('v').notNull() });
  const uids = s.table('uids', { id: uuid('id').primaryKey(), v: text('v').notNull() });
  const names = s.table('names', { name: text('name').primaryKey(), v: text('v').notNull() });
  const pairs = s.table('pairs', { a: text('a').notNull(), b: text('b').notNull(), v: text('v').notNull() }, (t) => [primaryKey({ columns: [t.a, t.b] })]);
  const posts = s.table('posts', { id: integer('id').primaryKey(), chatId: integer('chat_id').notNull(), v: text('v').notNull() }, (t) => [index('posts_chat').on(t.chatId)]);
  return { items, bigs, uids, names, pairs, posts };
}

export type Tables = ReturnType<typeof makeTables>;

const col = (key: string, name = key) => ({ key, name, notNull: true });

/** The model `hotstorage inspect` would give for these tables. */
export function modelOf(schema: string): Model {
  const table = (name: string, pk: string[], unique: string[][], columns: string[]): Table => ({
    exportName: name, schema, name, file: 'world.ts', primaryKey: pk, uniqueKeys: unique, identity: pk, columns: columns.map((c) => col(c)), lists: [], skipped: [],
  });
  return {
    version: MODEL_VERSION,
    tables: [
      table('items', ['id'], [['email']], ['id', 'email', 'name']),
      table('bigs', ['id'], [], ['id', 'v']),
      table('uids', ['id'], [], ['id', 'v']),
      table('names', ['name'], [], ['name', 'v']),
      table('pairs', ['a', 'b'], [], ['a', 'b', 'v']),
      { ...table('posts', ['id'], [], ['id', 'chatId']), columns: [col('id'), col('chatId', 'chat_id'), col('v')], lists: [{ columns: ['chatId'], sources: ['index'] }] },
    ],
  };
}

export function ddl(schema: string): string {
  const q = `"${schema}"`;
  return `
    create schema ${q};
    create table ${q}.items (id integer primary key, email text not null unique, name text not null);
    create table ${q}.bigs (id bigint primary key, v text not null);
    create table ${q}.uids (id uuid primary key, v text not null);
    create table ${q}.names (name text primary key, v text not null);
    create table ${q}.pairs (a text not null, b text not null, v text not null, primary key (a, b));
    create table ${q}.posts (id integer primary key, chat_id integer not null, v text not null);
    create index posts_chat on ${q}.posts (chat_id);`;
}

/** An application's storage on connections of its own, closed together. */
export interface WorldStorage {
  readonly hs: HotStorage;
  close(): Promise<void>;
}

export interface World {
  readonly driver: Driver;
  readonly schema: string;
  readonly feed: string;
  readonly prefix: string;
  readonly tables: Tables;
  readonly hot: {
    items: ReturnType<typeof defineTable<Tables['items']>>;
    bigs: ReturnType<typeof defineTable<Tables['bigs']>>;
    uids: ReturnType<typeof defineTable<Tables['uids']>>;
    names: ReturnType<typeof defineTable<Tables['names']>>;
    pairs: ReturnType<typeof defineTable<Tables['pairs']>>;
    posts: ReturnType<typeof defineTable<Tables['posts']>>;
  };
  readonly admin: { sql: postgres.Sql; redis: Redis };
  readonly installSql: string;
  /** A storage on its own connections. */
  storage(options?: Partial<TestStorageOptions>): Promise<WorldStorage>;
  close(): Promise<void>;
}

export async function openWorld(suite: string, options: { bulkLimit?: number; driver?: Driver } = {}): Promise<World> {
  const driver = options.driver ?? testDriver();
  const schema = suiteName(suite);
  const feed = `${schema}_feed`;
  const prefix = `${schema}:`;
  const admin = { sql: connectPostgres(), redis: await connectRedis() };
  await admin.sql.unsafe(ddl(schema));
  const installSql = triggersSql(modelOf(schema), { outboxSchema: feed, ...(options.bulkLimit !== undefined && { bulkLimit: options.bulkLimit }) });
  await admin.sql.unsafe(installSql);
  const tables = makeTables(schema);
  const hot = {
    items: defineTable(tables.items, { primaryKey: ['id'], uniqueKeys: [['email']], identity: ['id'] }),
    bigs: defineTable(tables.bigs, { primaryKey: ['id'], uniqueKeys: [], identity: ['id'] }),
    uids: defineTable(tables.uids, { primaryKey: ['id'], uniqueKeys: [], identity: ['id'] }),
    names: defineTable(tables.names, { primaryKey: ['name'], uniqueKeys: [], identity: ['name'] }),
    pairs: defineTable(tables.pairs, { primaryKey: ['a', 'b'], uniqueKeys: [], identity: ['a', 'b'] }),
    posts: defineTable(tables.posts, { primaryKey: ['id'], uniqueKeys: [], identity: ['id'], lists: [['chatId']] }),
  };
  const opened: { close(): Promise<void> }[] = [];
  return {
    driver, schema, feed, prefix, tables, hot, admin, installSql,
    async storage(extra = {}) {
      const database = openDatabase(driver, { max: 8 });
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      // The shared counters are off unless asked for: suites that dump the prefix must not see a flush land mid-test.
      const hs = await createHotStorage({ db: database.db, redis, prefix, outboxSchema: feed, tables: Object.values(hot), statsFlushMs: 0, ...extra })
        .catch(async (error: unknown) => {
          redis.disconnect();
          await database.end();
          throw error;
        });
      const handle: WorldStorage = {
        hs,
        async close() {
          await hs.close();
          redis.disconnect();
          await database.end();
        },
      };
      opened.push(handle);
      return handle;
    },
    async close() {
      for (const s of opened) await s.close().catch(() => undefined);
      await admin.sql.unsafe(`drop schema if exists "${schema}" cascade; drop schema if exists "${feed}" cascade`);
      await deletePrefix(admin.redis, prefix);
      await admin.sql.end({ timeout: 1 });
      admin.redis.disconnect();
    },
  };
}

/** Polls `check` until it holds (bounded): the listener works in the background, so tests wait for an outcome. */
export async function eventually(check: () => Promise<boolean>, what: string, limitMs = 10_000): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > limitMs) throw new Error(`not within ${limitMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface Item {
  id: number;
  email: string;
  name: string;
}

const same = (a: Item | null | undefined, b: Item | null | undefined): boolean =>
  (a ?? null) === null ? (b ?? null) === null : b !== null && b !== undefined && a?.id === b.id && a.email === b.email && a.name === b.name;

/**
 * Every getter agrees with Postgres for these ids (by pk) and these emails (by the unique key): what Postgres holds,
 * or null. Returns the first disagreement, or undefined.
 */
export async function disagreement(world: World, hs: HotStorage, ids: readonly number[], emails: readonly string[]): Promise<string | undefined> {
  const t = `"${world.schema}".items`;
  const rows = await world.admin.sql.unsafe<Item[]>(`select id, email, name from ${t} where id = any($1) or email = any($2)`, [ids as number[], emails as string[]]);
  const byId = new Map(rows.map((r) => [r.id, r] as const));
  const byEmail = new Map(rows.map((r) => [r.email, r] as const));
  const chunk = 500;
  for (let i = 0; i < ids.length; i += chunk) {
    const part = ids.slice(i, i + chunk);
    const got = await world.hot.items.getManyByIdentity(hs, part.map((id) => ({ id })));
    for (let j = 0; j < part.length; j++) {
      const id = part[j] ?? -1;
      if (!same(got[j] as Item | null, byId.get(id))) return `id ${id}: cache ${JSON.stringify(got[j])}, Postgres ${JSON.stringify(byId.get(id) ?? null)}`;
    }
  }
  for (let i = 0; i < emails.length; i += chunk) {
    const part = emails.slice(i, i + chunk);
    const got = await Promise.all(part.map((email) => world.hot.items.getBy(hs, ['email'], { email })));
    for (let j = 0; j < part.length; j++) {
      const email = part[j] ?? '';
      if (!same(got[j] as Item | null, byEmail.get(email))) return `email ${email}: cache ${JSON.stringify(got[j])}, Postgres ${JSON.stringify(byEmail.get(email) ?? null)}`;
    }
  }
  return undefined;
}

/** Reads every getter once so the rows (and pointers) are cached. */
export async function warm(world: World, hs: HotStorage, ids: readonly number[], emails: readonly string[]): Promise<void> {
  await disagreement(world, hs, ids, emails);
  await disagreement(world, hs, ids, emails);
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
export const emailOf = (id: number): string => `u${id}@example.com`;
