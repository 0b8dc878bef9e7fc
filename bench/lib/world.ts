// The benchmark's world: a Postgres schema (bench/db/schema.ts's, created here and dropped at the end; a second run
// at the same time is refused) and a Redis prefix of its own on the shared services, the 10,000-row table in it, one storage over one postgres.js pool and one ioredis client (the same clients every case uses), and
// an admin connection pair for set-up, eviction, MEMORY USAGE and clean-up.
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { rowCodecFor, type RowCodec } from '../../runtime/src/codecs/row-codec.js';
import { type HotStorage } from '@hotstorage/runtime';
import { createHotStorage } from '@hotstorage/runtime/testing';
import { buildTableRuntime, type TableRuntime } from '../../runtime/src/table/table-runtime.js';
import { deletePrefix } from '../../test/helpers/services.js';
import { BENCH_SCHEMA, benchRows } from '../db/schema.js';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ROWS = 10_000;
/** postgres.js's default pool size: what an application gets without tuning. */
export const POOL_SIZE = 10;

export type BenchRow = typeof benchRows.$inferSelect;

/** The spec the generated module was built with (bench/hot/benchRows.ts): the raw-Redis floor reads the same keys. */
const SPEC = { primaryKey: ['id'], uniqueKeys: [['email'], ['tenantId', 'slug']], identity: ['id'] };

export interface World {
  readonly schema: string;
  /** Schema of the change feed's outbox and capture functions (hotstorage triggers --outbox-schema). */
  readonly outboxSchema: string;
  readonly url: { readonly database: string; readonly redis: string };
  readonly prefix: string;
  readonly hs: HotStorage;
  readonly db: PostgresJsDatabase;
  readonly sql: postgres.Sql;
  /** The storage's own client: the raw-Redis floor uses it too, so both share auto-pipelining and the socket. */
  readonly redis: Redis;
  readonly admin: { sql: postgres.Sql; redis: Redis };
  /** The table as the storage sees it (keys, codec): the floor reads exactly what hotstorage stored. */
  readonly rt: TableRuntime;
  readonly codec: RowCodec;
  /** SQL statements sent by `sql` (postgres.js's own debug hook), for stampede.queries. */
  queries(): number;
  close(): Promise<void>;
}

/** Row `id` (1…ROWS) as seeded: deterministic, so any case can rebuild a row without reading it. */
export function rowOf(id: number): BenchRow {
  return {
    id,
    email: `user${id}@example.com`,
    tenantId: (id % 100) + 1,
    slug: `member-${id}`,
    name: `User number ${id}`,
    balanceCents: (id * 7919) % 1_000_000,
    active: id % 3 !== 0,
    settings: { theme: id % 2 === 0 ? 'dark' : 'light', locale: 'en-GB' },
    createdAt: new Date(Date.UTC(2024, 0, 1) + id * 60_000),
  };
}

const DDL = `create table "${BENCH_SCHEMA}".bench_rows (
  id integer primary key,
  email text not null unique,
  tenant_id integer not null,
  slug text not null,
  name text not null,
  balance_cents integer not null,
  active boolean not null,
  settings jsonb not null,
  created_at timestamptz not null,
  constraint bench_rows_tenant_slug unique (tenant_id, slug)
)`;

/** Posts per thread: each list of bench_posts by thread_id has this many members (10,000 posts, 500 threads). */
export const POSTS_PER_THREAD = 20;
export const THREADS = ROWS / POSTS_PER_THREAD;

const POSTS_DDL = `create table "${BENCH_SCHEMA}".bench_posts (
  id integer primary key, thread_id integer not null, body text not null, created_at timestamptz not null);
create index bench_posts_thread on "${BENCH_SCHEMA}".bench_posts (thread_id)`;

export async function openWorld(): Promise<World> {
  const schema = BENCH_SCHEMA;
  // Short, as an application's would be (it is part of every key, so it counts in memory.bytesPerRow). Only one run
  // holds the schema at a time, so the prefix can be fixed: whatever a killed run left under it is deleted first.
  const prefix = `hsb${schema.replace(/^hotstorage_bench/, '')}:`;
  const admin = { sql: postgres(DATABASE_URL, { max: 2, onnotice: () => {} }), redis: new Redis(REDIS_URL, { maxRetriesPerRequest: 1 }) };
  try {
    await admin.sql.unsafe(`create schema "${schema}"`);
  } catch (error) {
    await admin.sql.end({ timeout: 2 });
    admin.redis.disconnect();
    throw new Error(
      `cannot create schema ${schema} (${error instanceof Error ? error.message : String(error)}): another bench is running, ` +
        `or a run was killed; if none is running: psql "${DATABASE_URL}" -c 'drop schema ${schema} cascade; drop schema if exists ${outboxSchemaOf(schema)} cascade'`,
    );
  }
  await deletePrefix(admin.redis, prefix);
  let queries = 0;
  const sql = postgres(DATABASE_URL, {
    max: POOL_SIZE,
    onnotice: () => {},
    debug: () => {
      queries += 1;
    },
  });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    await admin.sql.unsafe(DDL);
    for (let from = 1; from <= ROWS; from += 1000) {
      const rows = Array.from({ length: Math.min(1000, ROWS - from + 1) }, (_, i) => toSqlRow(admin.sql, rowOf(from + i)));
      await admin.sql`insert into ${admin.sql(schema)}.bench_rows ${admin.sql(rows)}`;
    }
    await admin.sql.unsafe(POSTS_DDL);
    await admin.sql.unsafe(`insert into "${schema}".bench_posts (id, thread_id, body, created_at)
      select g, (g - 1) / ${POSTS_PER_THREAD} + 1, 'Post number ' || g || ' of its thread', timestamptz '2024-01-01' + g * interval '1 minute'
      from generate_series(1, ${ROWS}) g`);
    await admin.sql.unsafe(`analyze "${schema}".bench_rows; analyze "${schema}".bench_posts`);
    const db = drizzle(sql);
    const hs = await createHotStorage({ db, redis, prefix });
    const codec = rowCodecFor(benchRows);
    const rt = buildTableRuntime({ table: benchRows, spec: SPEC, prefix, codec });
    return {
      schema,
      outboxSchema: outboxSchemaOf(schema),
      url: { database: DATABASE_URL, redis: REDIS_URL },
      prefix,
      hs,
      db,
      sql,
      redis,
      admin,
      rt,
      codec,
      queries: () => queries,
      async close() {
        hs.close();
        redis.disconnect();
        await sql.end({ timeout: 2 });
        await cleanUp(admin, schema, prefix);
      },
    };
  } catch (error) {
    redis.disconnect();
    await sql.end({ timeout: 2 });
    await cleanUp(admin, schema, prefix);
    throw error;
  }
}

function toSqlRow(sql: postgres.Sql, row: BenchRow) {
  return {
    id: row.id,
    email: row.email,
    tenant_id: row.tenantId,
    slug: row.slug,
    name: row.name,
    balance_cents: row.balanceCents,
    active: row.active,
    settings: sql.json(row.settings),
    created_at: row.createdAt,
  };
}

const outboxSchemaOf = (schema: string) => `${schema}_outbox`;

async function cleanUp(admin: World['admin'], schema: string, prefix: string): Promise<void> {
  await deletePrefix(admin.redis, prefix);
  await admin.sql.unsafe(`drop schema if exists "${schema}" cascade; drop schema if exists "${outboxSchemaOf(schema)}" cascade`);
  await admin.sql.end({ timeout: 2 });
  admin.redis.disconnect();
}

