// What every operating command shares: services from the environment over the config, TABLE arguments, and one
// sentence (exit 2) when a service or a table cannot be found.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { COMMAND_TIMEOUT_MS, openRedis, resolveTargets, SettingError } from '../../cli/operate/services.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { selectTables, TableSelectionError } from '../../cli/operate/tables.js';
import type { Table } from '../../generator/model.js';
import { timed } from '../helpers/timeout.js';
import { openOperateWorld, type OperateWorld } from './world.js';
import { DATABASE_URL, REDIS_URL } from '../helpers/services.js';

let world: OperateWorld;
test.before(async () => {
  world = await openOperateWorld('op_plumbing');
});
test.after(async () => {
  await world?.close();
});

test('the environment wins over the config file; a cluster comes from REDIS_CLUSTER_NODES', () => {
  const settings = { prefix: 'cfg:', databaseUrl: 'postgres://cfg/db', redisUrl: 'redis://cfg:1', redisClusterNodes: ['cfg:7000'] };
  assert.equal(resolveTargets({}, settings), {
    databaseUrl: 'postgres://cfg/db', databaseSetting: 'the config', prefix: 'cfg:', redis: { kind: 'cluster', nodes: [{ host: 'cfg', port: 7000 }] },
  });
  assert.equal(resolveTargets({ REDIS_URL: 'redis://env:2' }, settings).redis, { kind: 'single', url: 'redis://env:2' });
  assert.equal(resolveTargets({ REDIS_URL: 'redis://env:2', REDIS_CLUSTER_NODES: 'a:1, b:2' }, settings).redis, {
    kind: 'cluster', nodes: [{ host: 'a', port: 1 }, { host: 'b', port: 2 }],
  });
  assert.equal(resolveTargets({ DATABASE_URL: 'postgres://env/db', HOTSTORAGE_PREFIX: 'env:' }, {}), {
    databaseUrl: 'postgres://env/db', databaseSetting: 'DATABASE_URL', prefix: 'env:', redis: { kind: 'single', url: 'redis://127.0.0.1:6379' },
  });
  assert.throws(() => resolveTargets({}, {}), (e: Error) => e instanceof SettingError && /set DATABASE_URL/.test(e.message));
  assert.throws(() => resolveTargets({ DATABASE_URL: 'postgres://x/db', REDIS_CLUSTER_NODES: 'a:1,nope' }, {}), (e: Error) => /REDIS_CLUSTER_NODES has "nope"/.test(e.message));
  assert.throws(() => resolveTargets({ DATABASE_URL: 'postgres://x/db', HOTSTORAGE_PREFIX: 'a{b}' }, {}), (e: Error) => /brace/.test(e.message));
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
    assert.is(pg.stderr, 'hotstorage: Postgres is not reachable at 127.0.0.1:1 (ECONNREFUSED): start it, or set DATABASE_URL to the right address.\n');
    const unknown = await world.cli([args[0] ?? '', 'nosuch']);
    assert.is(unknown.code, 2);
    assert.match(unknown.stderr, /^hotstorage: No cached table is named "nosuch"; the cached tables are: members \(hs_op_plumbing_[^)]*\.members\), users \(/);
  }));
}

// Postgres answered and refused, or the setting is no usable URL: said as it is, never "not reachable", never a stack.
const database = (name: string, user = 'postgres') => {
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  url.username = user;
  return url.href;
};
for (const command of ['warm', 'verify', 'stats', 'purge users', 'triggers --check']) {
  test(`${command}: a database or role Postgres refuses, or a URL that is not Postgres's or Redis's, is one sentence with the cause`, timed(60_000, async () => {
    const args = command.split(' ');
    const one = async (env: Record<string, string>, expected: string) => {
      const run = await world.cli(args, env);
      assert.is(run.code, 2, run.stdout + run.stderr);
      assert.is(run.stderr, `hotstorage: ${expected}\n`);
    };
    const at = `${new URL(DATABASE_URL).hostname}:${new URL(DATABASE_URL).port || '5432'}`;
    await one({ DATABASE_URL: database('hs_nosuchdb') }, `Postgres at ${at} refused the connection: database "hs_nosuchdb" does not exist; check the database name in DATABASE_URL.`);
    // The rest is decided by the same code for every command: two commands (one operating, triggers) stand for all.
    if (args[0] !== 'stats' && args[0] !== 'triggers') return;
    await one({ DATABASE_URL: database(new URL(DATABASE_URL).pathname.slice(1), 'hs_nosuchrole') }, `Postgres at ${at} refused the connection: role "hs_nosuchrole" does not exist; check the user and password in DATABASE_URL.`);
    await one({ DATABASE_URL: 'mysql://root:secret@127.0.0.1:3306/app' }, 'DATABASE_URL ("mysql://root:****@127.0.0.1:3306/app") is not a PostgreSQL URL: its scheme is mysql://, not postgres:// or postgresql://.');
    await one({ DATABASE_URL: 'not-a-url' }, 'DATABASE_URL is not a URL ("not-a-url"): give a PostgreSQL URL, like postgres://user:password@host:5432/database.');
    if (args[0] !== 'triggers') {
      await one({ REDIS_URL: REDIS_URL.replace(/^redis:/, 'http:') }, `REDIS_URL ("${REDIS_URL.replace(/^redis:/, 'http:')}") is not a Redis URL: its scheme is http://, not redis:// or rediss://.`);
    }
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
