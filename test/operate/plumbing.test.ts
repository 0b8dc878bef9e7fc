// What every operating command shares: services from the environment over the config, TABLE arguments, and one
// sentence (exit 2) when a service or a table cannot be found.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { COMMAND_TIMEOUT_MS, openRedis, resolveTargets, SettingError } from '../../operate/services.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { selectTables, TableSelectionError } from '../../operate/tables.js';
import type { Table } from '../../generator/model.js';
import { timed } from '../helpers/timeout.js';
import { openOperateWorld, type OperateWorld } from './world.js';

let world: OperateWorld;
test.before(async () => {
  world = await openOperateWorld('op_plumbing');
});
test.after(async () => {
  await world?.close();
});

test('the environment wins over the config file; a cluster comes from REDIS_CLUSTER_NODES', () => {
  const settings = { prefix: 'cfg:', databaseUrl: 'postgres://cfg/db', redisUrl: 'redis://cfg:1', redisClusterNodes: ['cfg:7000'] };
  assert.equal(resolveTargets({}, settings), { databaseUrl: 'postgres://cfg/db', prefix: 'cfg:', redis: { kind: 'cluster', nodes: [{ host: 'cfg', port: 7000 }] } });
  assert.equal(resolveTargets({ REDIS_URL: 'redis://env:2' }, settings).redis, { kind: 'single', url: 'redis://env:2' });
  assert.equal(resolveTargets({ REDIS_URL: 'redis://env:2', REDIS_CLUSTER_NODES: 'a:1, b:2' }, settings).redis, {
    kind: 'cluster', nodes: [{ host: 'a', port: 1 }, { host: 'b', port: 2 }],
  });
  assert.equal(resolveTargets({ DATABASE_URL: 'postgres://env/db', HOTSTORAGE_PREFIX: 'env:' }, {}), {
    databaseUrl: 'postgres://env/db', prefix: 'env:', redis: { kind: 'single', url: 'redis://127.0.0.1:6379' },
  });
  assert.throws(() => resolveTargets({}, {}), (e: Error) => e instanceof SettingError && /set DATABASE_URL/.test(e.message));
  assert.throws(() => resolveTargets({ DATABASE_URL: 'x', REDIS_CLUSTER_NODES: 'a:1,nope' }, {}), (e: Error) => /REDIS_CLUSTER_NODES has "nope"/.test(e.message));
  assert.throws(() => resolveTargets({ DATABASE_URL: 'x', HOTSTORAGE_PREFIX: 'a{b}' }, {}), (e: Error) => /brace/.test(e.message));
});

test('a TABLE is its export name or its SQL name, schema-qualified when two schemas share it', () => {
  const t = (exportName: string, schema: string, name: string) => ({ model: { exportName, schema, name } as Table });
  const tables = [t('users', 'public', 'users'), t('auditUsers', 'audit', 'users'), t('posts', 'public', 'blog_posts')];
  assert.equal(selectTables(tables, []).length, 3);
  assert.equal(selectTables(tables, ['blog_posts']).map((x) => x.model.exportName), ['posts']);
  assert.equal(selectTables(tables, ['audit.users', 'posts']).map((x) => x.model.exportName), ['auditUsers', 'posts']);
  assert.equal(selectTables(tables, ['users']).map((x) => x.model.exportName), ['users'], 'an export name wins over a SQL name');
  assert.throws(() => selectTables([t('a', 'x', 'same'), t('b', 'y', 'same')], ['same']), (e: Error) => e instanceof TableSelectionError && /qualify it/.test(e.message));
  assert.throws(() => selectTables(tables, ['nope']), (e: Error) => /No cached table is named "nope"; the cached tables are: users \(public.users\)/.test(e.message));
});

for (const command of ['warm', 'verify', 'stats', 'purge users']) {
  test(`${command}: an unreachable Redis or Postgres, or an unknown table, is one sentence and exit 2`, timed(60_000, async () => {
    const args = command.split(' ');
    const redis = await world.cli(args, { REDIS_URL: 'redis://127.0.0.1:1' });
    assert.is(redis.code, 2);
    assert.is(redis.stderr, 'hotstorage: Redis is not reachable at 127.0.0.1:1: start it, or set REDIS_URL to the right address.\n');
    const pg = await world.cli(args, { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' });
    assert.is(pg.code, 2);
    assert.is(pg.stderr, 'hotstorage: Postgres is not reachable at 127.0.0.1:1: start it, or set DATABASE_URL to the right address.\n');
    const unknown = await world.cli([args[0] ?? '', 'nosuch']);
    assert.is(unknown.code, 2);
    assert.match(unknown.stderr, /^hotstorage: No cached table is named "nosuch"; the cached tables are: members \(hs_op_plumbing_[^)]*\.members\), users \(/);
  }));
}

test('a Redis that stops answering mid-run fails a command\'s call within the command timeout instead of hanging it', timed(COMMAND_TIMEOUT_MS + 20_000, async () => {
  const server = await startRedisServer();
  const client = openRedis({ kind: 'single', url: server.url });
  const admin = new Redis(server.url);
  try {
    assert.is(await client.ping(), 'PONG');
    await admin.call('CLIENT', 'PAUSE', String(COMMAND_TIMEOUT_MS + 10_000), 'ALL'); // answered at once; then nothing is
    const started = performance.now();
    const outcome = await client.scan('0', 'COUNT', 1000).then(() => 'answered', (error: Error) => error.message);
    const waited = performance.now() - started;
    assert.match(outcome, /timed out/i);
    assert.ok(waited < COMMAND_TIMEOUT_MS + 5_000, `gave up after ${Math.round(waited)} ms`);
  } finally {
    client.disconnect();
    admin.disconnect();
    await server.destroy();
  }
}));

test.run();
