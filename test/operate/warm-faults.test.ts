// A service lost in the middle of a warm: one sentence naming it and its address, exit 2, the way to continue; never
// a stack trace. Uses a Redis server of its own, killed while the warm runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { timed } from '../helpers/timeout.js';
import { warmWhileRunning } from './warm-cache.js';
import { openOperateWorld, type OperateWorld } from './world.js';

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

test.run();
