// A service lost in the middle of a warm: one sentence naming it and its address, exit 2, the way to continue; never
// a stack trace. Uses a Redis server of its own, killed while the warm runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { timed } from '../helpers/timeout.js';
import { warmWhileRunning } from './warm-cache.js';
import { openOperateWorld, type OperateWorld } from './world.js';
import { DATABASE_URL } from '../helpers/services.js';

let world: OperateWorld;
let redis: RedisServer;
test.before(async () => {
  world = await openOperateWorld('op_warm_faults');
  redis = await startRedisServer();
  await world.seedUsers(0, 3000);
});
test.after(async () => {
  await redis?.destroy();
  await world?.close();
});

test('Redis killed mid-warm: one sentence naming Redis and its address, exit 2, how to resume', timed(60_000, async () => {
  const run = await warmWhileRunning(world, ['users', '--batch', '50', '--rate', '500'], () => redis.kill(), { REDIS_URL: redis.url });
  assert.is(run.code, 2, run.stderr);
  assert.match(run.stderr, new RegExp(`^hotstorage: Redis stopped answering at 127\\.0\\.0\\.1:${redis.port} while warming ${world.schema}\\.users \\(.+\\)\\.$`, 'm'));
  assert.match(run.stderr, 'hotstorage: to continue, run `hotstorage warm users --resume`.\n');
  assert.not.match(run.stderr, /\n\s+at /, 'no stack trace');
}));

test('Postgres refusing a table mid-warm: its own words (not drizzle\'s "Failed query"), exit 2, and no --resume advice it cannot honour', timed(60_000, async () => {
  // A role that may read users but not members: the warm's first statement on members is refused by Postgres.
  const role = `${world.schema}_reader`;
  const sql = world.admin.sql;
  await sql.unsafe(`create role "${role}" login; grant usage on schema "${world.schema}" to "${role}"; grant select on "${world.schema}".users to "${role}"`);
  try {
    const url = new URL(DATABASE_URL);
    url.username = role;
    url.password = '';
    const run = await world.cli(['warm', 'members'], { DATABASE_URL: url.href });
    assert.is(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, `hotstorage: warming ${world.schema}.members failed: Postgres answered: permission denied for table members (42501).\n`, run.stderr);
    assert.match(run.stderr, 'hotstorage: not warmed: members; once the cause above is fixed, run `hotstorage warm members` again.\n');
    assert.not.match(run.stderr, '--resume');
    assert.not.match(run.stderr, 'Failed query');
  } finally {
    await sql.unsafe(`drop owned by "${role}"; drop role "${role}"`);
  }
}));

test.run();
