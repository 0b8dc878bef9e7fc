// warm against a Redis Cluster (REDIS_CLUSTER_NODES): rows spread over the masters by their hash tags, pointers
// written, checkpoints kept, and an application on the cluster then hits on every getter.
import { drizzle } from 'drizzle-orm/postgres-js';
import { Cluster } from 'ioredis';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHotStorage, type HotStorage } from '@hotstorage/runtime';
import { type RedisCluster, startRedisCluster } from '../helpers/redis-cluster.js';
import { timed } from '../helpers/timeout.js';
import { compareCache, runtimeOf, SPECS } from './warm-cache.js';
import { type AppStorage, openOperateWorld, type OperateWorld } from './world.js';

let world: OperateWorld;
let app: AppStorage;
let cluster: RedisCluster;
let client: Cluster;
let onCluster: HotStorage;
test.before(async () => {
  world = await openOperateWorld('op_warm_cluster');
  app = await world.storage();
  cluster = await startRedisCluster();
  client = new Cluster(cluster.nodes.map((n) => ({ ...n })), { redisOptions: { maxRetriesPerRequest: 1 } });
  onCluster = await createHotStorage({ db: drizzle(app.sql), redis: client, prefix: world.prefix });
  await world.seedUsers(0, 1200);
  await world.seedMembers(800);
});
test.after(async () => {
  onCluster?.close();
  client?.disconnect();
  await cluster?.destroy();
  await world?.close();
});

test('warm on a cluster fills every row of both tables on their masters; getters on the cluster then hit', timed(120_000, async () => {
  const nodes = cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');
  const run = await world.cli(['warm', '--batch', '300', '--json'], { REDIS_CLUSTER_NODES: nodes, REDIS_URL: undefined });
  assert.is(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as { tables: { name: string; completed: boolean; rowsRead: number; filled: number; redisErrors: number }[] };
  assert.equal(summary.tables.map((t) => [t.name, t.completed, t.rowsRead, t.filled, t.redisErrors]), [
    ['members', true, 800, 800, 0],
    ['users', true, 1200, 1200, 0],
  ]);
  for (const [name, table] of [['users', world.tables.users], ['members', world.tables.members]] as const) {
    const cache = await compareCache(app, client, table, await runtimeOf(app, table, SPECS[name]));
    assert.equal([cache.equal, cache.stale], [cache.rows, []], `${name}: every row cached and equal`);
  }
  const perMaster = await Promise.all(client.nodes('master').map((node) => node.dbsize()));
  assert.ok(perMaster.every((n) => n > 0), `rows on every master (${perMaster.join(', ')})`);

  const before = onCluster.stats();
  for (let id = 0; id < 1200; id += 7) {
    const row = await world.hot.users.getBy(onCluster, ['email'], { email: `u${id}@example.com` });
    assert.equal(row, { id, email: `u${id}@example.com`, name: `user ${id}`, version: 1 });
  }
  const after = onCluster.stats();
  assert.is(after.misses - before.misses, 0, 'pointers were filled too: no unique lookup missed');
}));

test('on a cluster a resumed warm after a finished one starts over and finds everything cached', timed(60_000, async () => {
  const nodes = cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',');
  const run = await world.cli(['warm', 'users', '--resume', '--json'], { REDIS_CLUSTER_NODES: nodes, REDIS_URL: undefined });
  assert.is(run.code, 0, run.stderr);
  const t = (JSON.parse(run.stdout) as { tables: { rowsRead: number; alreadyCached: number }[] }).tables[0];
  assert.equal(t && [t.rowsRead, t.alreadyCached], [1200, 1200]);
}));

test.run();
