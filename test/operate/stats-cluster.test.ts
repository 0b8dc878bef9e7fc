// `hotstorage stats` on a real 3-master Redis Cluster (started here, on free ports): each table's counters hash is its
// own slot, so the runtime's flush sends commands to several masters; the cached rows live on every master, so the
// count must SCAN each of them.
import { drizzle } from 'drizzle-orm/postgres-js';
import { Cluster } from 'ioredis';
import postgres from 'postgres';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHotStorage, type HotStorage } from '@hotstorage/runtime';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { DATABASE_URL } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';
import { ABSENCE_KEPT_MS, EXPECTED, type JsonTable, PLAN_A, PLAN_B, planFigures, runPlan, statsJson } from './stats-plans.js';
import { openOperateWorld, type OperateWorld } from './world.js';

let cluster: RedisCluster;
let world: OperateWorld;
let client: Cluster;
let sql: postgres.Sql;
let hs: HotStorage;

test.before(async () => {
  cluster = await startRedisCluster();
  world = await openOperateWorld('op_stats_cluster');
  await world.seedUsers(1, 101);
  await world.seedMembers(30);
  sql = postgres(DATABASE_URL, { max: 4, onnotice: () => {} });
  client = new Cluster([...cluster.nodes], { redisOptions: { maxRetriesPerRequest: 1 } });
  client.on('error', () => {});
  hs = await createHotStorage({ db: drizzle(sql), redis: client, prefix: world.prefix, statsFlushMs: 600_000, tombstoneTtlMs: ABSENCE_KEPT_MS });
});
test.after(async () => {
  client?.disconnect();
  await sql?.end({ timeout: 1 });
  await world?.close();
  await cluster?.destroy();
});

test('on a cluster, stats --json shows the flushed counters and counts the rows on every master', timed(90_000, async () => {
  await runPlan(world.hot, hs, PLAN_A);
  await runPlan(world.hot, hs, PLAN_B);
  await hs.close(); // the flush: one HINCRBY per counter, to the master of each table's hash
  const mastersHoldingRows = await Promise.all(client.nodes('master').map(async (node) => (await node.keys(`${world.prefix}*:{*}`)).length > 0));
  assert.ok(mastersHoldingRows.filter(Boolean).length >= 2, 'the rows are spread over several masters');

  const env = { REDIS_CLUSTER_NODES: cluster.nodes.map((n) => `${n.host}:${n.port}`).join(','), REDIS_URL: undefined };
  const tables = await statsJson(world, [], env);
  const [members, users] = tables as [JsonTable, JsonTable];
  assert.equal(planFigures(users), EXPECTED.users);
  assert.equal(planFigures(members), EXPECTED.members);
  const stats = hs.stats();
  for (const counter of ['hits', 'misses', 'fills', 'writes', 'tombstoneHits'] as const) {
    assert.is((users.counters[counter] ?? 0) + (members.counters[counter] ?? 0), stats[counter], counter);
  }
  assert.equal({ users: users.cachedRows, usersMarkers: users.markers, members: members.cachedRows }, EXPECTED.rows);
}));

test.run();
