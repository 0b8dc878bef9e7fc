// The runtime on a real Redis Cluster (three masters of our own): per-row keys share one slot, scripts run
// unchanged, unique lookups take two round trips (pointer, then row), batches span slots, and the behaviour
// (read-your-writes, unique moves, swaps in transactions, one query per hot miss) is the same as on one Redis.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Cluster } from 'ioredis';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { timed } from '../helpers/timeout.js';
import { openHarness, type Harness, type Storage } from './harness.js';
import { users } from './hot/index.js';

let h: Harness;
let cluster: RedisCluster;
let s: Storage;

test.before(async () => {
  h = await openHarness('cluster');
  cluster = await startRedisCluster();
  s = await h.storage({}, cluster.nodes);
});
test.after(async () => {
  await h.close();
  await cluster.destroy();
});

function user(id: number, over: Partial<{ email: string; name: string }> = {}) {
  return { id, email: `u${id}@example.com`, tenantId: 1, slug: `s${id}`, name: `user ${id}`, version: 0, ...over };
}

async function cost<T>(body: () => Promise<T>) {
  const before = s.hs.stats().redisRoundTrips;
  const sql = s.queries.length;
  const result = await body();
  return { result, roundTrips: s.hs.stats().redisRoundTrips - before, sql: s.queries.length - sql };
}

async function slotOf(key: string): Promise<number> {
  return Number(await (s.redis as Cluster).call('CLUSTER', 'KEYSLOT', key));
}

test('a row, its index set, its lease and its writer sets share one slot; its pointers are elsewhere', timed(20_000, async () => {
  await users.save(s.hs, user(1));
  const rowKey = (await (s.redis as Cluster).nodes('master').reduce<Promise<string[]>>(async (acc, node) => [...(await acc), ...(await node.keys(`${h.prefix}*:{1}`))], Promise.resolve([])))[0];
  assert.ok(rowKey, 'the row is cached');
  const slot = await slotOf(rowKey);
  for (const suffix of [':ix', ':lease', ':writers', ':contended']) assert.is(await slotOf(`${rowKey}${suffix}`), slot);
  assert.is(await (s.redis as Cluster).get(rowKey), '["hs1",1,"u1@example.com",1,"s1","user 1",0]');
}));

test('hit by primary key: one round trip, no SQL; by unique key: two round trips (pointer, row), no SQL', timed(20_000, async () => {
  await users.save(s.hs, user(2));
  const byPk = await cost(() => users.getByPk(s.hs, 2));
  assert.equal(byPk.result, user(2));
  assert.is(byPk.roundTrips, 1);
  assert.is(byPk.sql, 0);
  const byEmail = await cost(() => users.getByEmail(s.hs, 'u2@example.com'));
  assert.equal(byEmail.result, user(2));
  assert.is(byEmail.roundTrips, 2);
  assert.is(byEmail.sql, 0);
}));

test('a row filled by a read gets its pointers too: the next unique lookup is a hit', timed(20_000, async () => {
  await h.admin.sql.unsafe(`insert into "${h.schema}".users (id, email, tenant_id, slug, name) values (3, 'u3@example.com', 1, 's3', 'user 3')`);
  const miss = await cost(() => users.getByEmail(s.hs, 'u3@example.com'));
  assert.is(miss.result?.id, 3);
  assert.is(miss.sql, 2, 'by the key, then by identity under the row lease');
  const hit = await cost(() => users.getByTenantIdAndSlug(s.hs, { tenantId: 1, slug: 's3' }));
  assert.is(hit.result?.id, 3);
  assert.is(hit.sql, 0);
}));

test('getManyByPk across slots: input order, null for absent rows, hits without SQL', timed(20_000, async () => {
  for (const id of [10, 11, 12, 13]) await users.save(s.hs, user(id));
  const rows = await cost(() => users.getManyByPk(s.hs, [13, 99, 10, 12, 11]));
  assert.equal(rows.result.map((r) => r?.id ?? null), [13, null, 10, 12, 11]);
  assert.is(rows.sql, 1, 'only the absent row');
  const again = await cost(() => users.getManyByPk(s.hs, [13, 99, 10]));
  assert.is(again.sql, 0);
}));

test('read-your-writes, a unique value moving between rows and a swap in a transaction, on a cluster', timed(20_000, async () => {
  await users.save(s.hs, user(20, { email: 'x@c' }));
  await users.save(s.hs, user(21, { email: 'y@c' }));
  assert.is((await users.getByEmail(s.hs, 'x@c'))?.id, 20);
  await s.hs.transaction(async (tx) => {
    await users.update(tx, 20, { email: 'tmp@c' });
    await users.update(tx, 21, { email: 'x@c' });
    await users.update(tx, 20, { email: 'y@c' });
  });
  assert.is((await users.getByEmail(s.hs, 'x@c'))?.id, 21);
  assert.is((await users.getByEmail(s.hs, 'y@c'))?.id, 20);
  assert.is(await users.getByEmail(s.hs, 'tmp@c'), null);
  assert.is(await users.remove(s.hs, 21), true);
  assert.is(await users.getByEmail(s.hs, 'x@c'), null);
  assert.is(await users.getByPk(s.hs, 21), null);
}));

test('100 concurrent misses on one key cause one Postgres query on a cluster too', timed(30_000, async () => {
  await h.admin.sql.unsafe(`insert into "${h.schema}".users (id, email, tenant_id, slug, name) values (30, 'u30@example.com', 1, 's30', 'st')`);
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let waiting = 0;
  const storm = await h.storage({
    hooks: { afterDbRead: () => gate },
    wait: async () => {
      waiting += 1;
      if (waiting === 99) release();
      await new Promise((resolve) => setImmediate(resolve));
    },
    leaseWaitTries: 1000,
  }, cluster.nodes);
  const rows = await Promise.all(Array.from({ length: 100 }, () => users.getByPk(storm.hs, 30)));
  assert.ok(rows.every((r) => r?.id === 30));
  assert.is(storm.hs.stats().misses, 1);
  assert.is(storm.queries.filter((q) => q.startsWith('select')).length - 1, 1);
}));

test.run();
