// `hotstorage verify` and `hotstorage purge` on a real 3-master Redis Cluster (started here, on free ports): keys of
// one table live on every master, so both commands must SCAN each master; damage is found and repaired as on a
// single Redis, and purge leaves every other key on every node byte-identical.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drizzle } from 'drizzle-orm/postgres-js';
import { Cluster } from 'ioredis';
import postgres from 'postgres';
import { createHotStorage, type HotStorage } from '@hotstorage/runtime';
import type { TableRuntime } from '../../runtime/src/table/table-runtime.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { DATABASE_URL } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';
import { damageUsers, fillCache, usersRuntime } from './verify-corruption.js';
import { openOperateWorld, type OperateWorld } from './world.js';

interface Report {
  tables: { name: string; checked: number; stale: number; orphanedPointers: number; missingIndex: number }[];
}

let cluster: RedisCluster;
let world: OperateWorld;
let client: Cluster;
let sql: postgres.Sql;
let hs: HotStorage;
let rt: TableRuntime;
let env: Record<string, string | undefined>;
const USERS = 60;

test.before(async () => {
  cluster = await startRedisCluster();
  world = await openOperateWorld('op_cluster');
  await world.seedUsers(1, 100);
  await world.seedMembers(20);
  sql = postgres(DATABASE_URL, { max: 4, onnotice: () => {} });
  client = new Cluster([...cluster.nodes], { redisOptions: { maxRetriesPerRequest: 1 } });
  client.on('error', () => {});
  hs = await createHotStorage({ db: drizzle(sql), redis: client, prefix: world.prefix, tombstoneTtlMs: 600_000 });
  await fillCache(world, hs, { users: USERS, absent: [900] });
  rt = await usersRuntime(world, hs);
  env = { REDIS_CLUSTER_NODES: cluster.nodes.map((n) => `${n.host}:${n.port}`).join(','), REDIS_URL: undefined };
});
test.after(async () => {
  hs?.close();
  client?.disconnect();
  await sql?.end({ timeout: 1 });
  await world?.close();
  await cluster?.destroy();
});

async function verify(args: readonly string[]): Promise<{ code: number | null; report: Report }> {
  const run = await world.cli(['verify', ...args, '--json'], env);
  if (run.code === 2) throw new Error(`verify failed: ${run.stderr}`);
  return { code: run.code, report: JSON.parse(run.stdout) as Report };
}

const counts = (report: Report, name: string) => {
  const t = report.tables.find((x) => x.name === name);
  return t === undefined ? undefined : { checked: t.checked, stale: t.stale, orphanedPointers: t.orphanedPointers, missingIndex: t.missingIndex };
};

test('verify on a cluster: the rows of every master are checked; damage is counted, repaired, and gone', timed(120_000, async () => {
  // The rows really are spread: every master holds some.
  const perMaster = await Promise.all(client.nodes('master').map(async (node) => (await node.keys(`${rt.keyspace.rowPrefix}*}`)).length));
  assert.ok(perMaster.every((n) => n > 0), `rows on every master: ${perMaster.join(', ')}`);
  const clean = await verify(['--all']);
  assert.is(clean.code, 0);
  assert.equal(counts(clean.report, 'users'), { checked: USERS - 1 + 1, stale: 0, orphanedPointers: 0, missingIndex: 0 });
  assert.equal(counts(clean.report, 'members'), { checked: 20, stale: 0, orphanedPointers: 0, missingIndex: 0 });

  const damage = await damageUsers({ world, redis: client, rt, k: 2, uncached: 70 });
  const found = await verify(['--all']);
  assert.is(found.code, 1);
  assert.equal(counts(found.report, 'users'), { checked: USERS + damage.addedRows, stale: damage.stale, orphanedPointers: damage.orphanedPointers, missingIndex: damage.missingIndex });
  assert.is((await verify(['--all', '--repair'])).code, 1);
  const after = await verify(['--all']);
  assert.is(after.code, 0, JSON.stringify(after.report));
  assert.is((await world.hot.users.getBy(hs, ['id'], { id: 1 }))?.name, 'user 1');
}));

/** Every key on every master under these prefixes, with its DUMP, sorted. */
async function dumpAll(prefixes: readonly string[]): Promise<Record<string, string>> {
  const dump: [string, string][] = [];
  for (const node of client.nodes('master')) {
    for (const prefix of prefixes) {
      for (const key of await node.keys(`${prefix}*`)) dump.push([key, (await node.dumpBuffer(key))?.toString('hex') ?? 'gone']);
    }
  }
  return Object.fromEntries(dump.sort(([a], [b]) => (a < b ? -1 : 1)));
}

test('purge on a cluster removes the table from every master and nothing else; --all-shapes takes older shapes', timed(120_000, async () => {
  hs.close(); // no background counter flushes between the snapshots
  const otherApp = `${world.prefix}x_`;
  const tail = rt.keyspace.base.slice(world.prefix.length);
  const oldShape = `${world.prefix}users@OLDtag`;
  for (let id = 1; id <= 20; id++) {
    await client.set(`${world.prefix}${tail.replace('users@', 'users2@')}:{${id}}`, `users2 ${id}`);
    await client.set(`${otherApp}${tail}:{${id}}`, `other app ${id}`);
    await client.set(`${oldShape}:{${id}}`, `old ${id}`);
  }
  const before = await dumpAll([world.prefix]);
  const current = Object.keys(before).filter((key) => key.startsWith(`${rt.keyspace.base}:`));
  assert.ok(current.length >= USERS, `${current.length} keys of users`);
  const run = await world.cli(['purge', 'users', '--json'], env);
  assert.is(run.code, 0, run.stderr);
  assert.is((JSON.parse(run.stdout) as { removed: number }).removed, current.length);
  for (const key of current) delete before[key];
  assert.equal(await dumpAll([world.prefix]), before);

  const all = await world.cli(['purge', 'users', '--all-shapes'], env);
  assert.is(all.code, 0, all.stderr);
  assert.is(all.stdout, `Removed 20 keys of every shape of ${world.schema}.users.\n`);
  for (const key of Object.keys(before)) if (key.startsWith(`${oldShape}:`)) delete before[key];
  assert.equal(await dumpAll([world.prefix]), before);
  assert.ok(Object.keys(before).some((key) => key.startsWith(`${world.prefix}members@`)), 'members are still cached');
}));

test.run();
