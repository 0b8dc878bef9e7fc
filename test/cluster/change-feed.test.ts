// The change feed (triggers, outbox, hs.listen()) with the cache on a real 3-master cluster: writes that bypass
// hotstorage (a raw UPDATE, a unique value moved by raw SQL, a DELETE, a bulk UPDATE over the trigger's row limit that
// bumps the table's epoch, rows inserted by one bulk statement over cached absences) are seen by every getter within a
// bounded wait. Each check first shows the cache stale with no listener, so it could fail.
import { drizzle } from 'drizzle-orm/postgres-js';
import { Cluster } from 'ioredis';
import postgres from 'postgres';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHotStorage, type HotStorage, type Listener } from '@hotstorage/runtime';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { DATABASE_URL } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';
import { disagreement, emailOf, eventually, openWorld, range, warm, type World } from '../invalidation/world.js';

let world: World;
let cluster: RedisCluster;
let client: Cluster;
let sql: postgres.Sql;
let hs: HotStorage;
let listener: Listener | undefined;

const items = () => `"${world.schema}".items`;

async function seed(ids: readonly number[]): Promise<void> {
  await world.admin.sql.unsafe(`insert into ${items()} (id, email, name) select g, 'u' || g || '@example.com', 'n' || g from unnest($1::int[]) g`, [ids as number[]]);
}

async function agrees(ids: readonly number[], emails: readonly string[], what: string): Promise<void> {
  await eventually(async () => (await disagreement(world, hs, ids, emails)) === undefined, what, 20_000);
}

async function staleWithoutListener(ids: readonly number[], emails: readonly string[], write: string): Promise<void> {
  await listener?.stop();
  await world.admin.sql.unsafe(write);
  assert.ok((await disagreement(world, hs, ids, emails)) !== undefined, `with no listener the cache is stale after: ${write}`);
  listener = await hs.listen({ pollIntervalMs: 100 });
}

test.before(async () => {
  world = await openWorld('cluster_feed', { bulkLimit: 100 }); // tables, triggers and outbox in Postgres
  cluster = await startRedisCluster();
  client = new Cluster([...cluster.nodes], { redisOptions: { maxRetriesPerRequest: 1 } });
  client.on('error', () => {});
  sql = postgres(DATABASE_URL, { max: 6, onnotice: () => {} });
  hs = await createHotStorage({ db: drizzle(sql), redis: client, prefix: world.prefix, outboxSchema: world.feed, epochRefreshMs: 100, statsFlushMs: 0, tables: Object.values(world.hot) });
});

test.after(async () => {
  await listener?.stop();
  await hs?.close();
  client?.disconnect();
  await sql?.end({ timeout: 1 });
  await cluster?.destroy();
  await world?.close();
});

test('raw UPDATE, a unique value moved by raw SQL, and DELETE are invalidated on the cluster', timed(60_000, async () => {
  const ids = range(1, 20);
  const emails = ids.map(emailOf);
  await seed(ids);
  await warm(world, hs, ids, emails);
  await staleWithoutListener(ids, emails, `update ${items()} set name = 'changed' where id = 1`);
  await agrees(ids, emails, 'after a raw update');
  await warm(world, hs, ids, [...emails, 'moved@example.com']);
  await staleWithoutListener(ids, [...emails, 'moved@example.com'], `update ${items()} set email = 'moved@example.com' where id = 2`);
  await agrees(ids, [...emails, 'moved@example.com'], 'after a unique value moved');
  await warm(world, hs, ids, emails);
  await staleWithoutListener(ids, emails, `delete from ${items()} where id between 3 and 5`);
  await agrees(ids, emails, 'after a delete');
  assert.ok(hs.stats().outboxInvalidations >= 5, JSON.stringify(hs.stats()));
}));

test('a bulk UPDATE over the row limit bumps the epoch on the cluster; absences cached before a bulk INSERT do not hide its rows', timed(60_000, async () => {
  const ids = range(1001, 1300);
  const emails = ids.map(emailOf);
  await seed(ids);
  await warm(world, hs, ids, emails);
  const bumps = hs.stats().epochBumps;
  await staleWithoutListener(ids, emails, `update ${items()} set name = name || '!' where id between 1001 and 1300`);
  await agrees(ids, emails, 'after a bulk update');
  assert.ok(hs.stats().epochBumps > bumps, 'the bulk statement bumped the epoch');

  const absent = range(2001, 2200);
  await warm(world, hs, absent, absent.map(emailOf)); // cached absences, by primary key
  assert.ok(hs.stats().tombstoneHits > 0);
  await staleWithoutListener(absent, absent.map(emailOf), `insert into ${items()} (id, email, name) select g, 'u' || g || '@example.com', 'bulk' from generate_series(2001, 2200) g`);
  await agrees(absent, absent.map(emailOf), 'after a bulk insert over cached absences');
}));

test.run();
