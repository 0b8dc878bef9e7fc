// `hotstorage purge` on a single Redis: removes the table's current shape (or every shape) in SCAN batches, and
// leaves byte-identical everything else: the other table, a table whose name extends it, another prefix, another app.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/project.js';
import { DATABASE_URL, REDIS_URL, suiteName } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';
import { fillCache, usersRuntime } from './verify-corruption.js';
import { openOperateWorld, type OperateWorld } from './world.js';

let world: OperateWorld;
let base: string;
const otherApp = `${suiteName('op_purge_other')}:`;
test.before(async () => {
  world = await openOperateWorld('op_purge');
  await world.seedUsers(1, 40);
  await world.seedMembers(20);
  const app = await world.storage();
  await fillCache(world, app.hs, { users: 40, absent: [] });
  base = (await usersRuntime(world, app.hs)).keyspace.base;
  // Closed before any snapshot: a live storage flushes its counters to Redis in the background.
  await app.close();
});
test.after(async () => {
  await deleteMatching(world.admin.redis, `${otherApp}*`);
  await world?.close();
});

/** Every key of `pattern` with its DUMP (value and type, byte for byte). */
async function dumpKeys(redis: Redis, pattern: string): Promise<Map<string, string>> {
  const dump = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) dump.set(key, (await redis.dumpBuffer(key))?.toString('hex') ?? 'gone');
  } while (cursor !== '0');
  return dump;
}

async function deleteMatching(redis: Redis, pattern: string): Promise<void> {
  for (const key of (await dumpKeys(redis, pattern)).keys()) await redis.unlink(key);
}

/** Keys purge must never touch, made by hand beside the real ones: a table extending the name, other prefixes. */
async function neighbours(redis: Redis): Promise<void> {
  const tail = base.slice(world.prefix.length); // `users@<tag>`
  const pipeline = redis.pipeline();
  for (let id = 1; id <= 5; id++) {
    pipeline.set(`${world.prefix}${tail.replace('users@', 'users2@')}:{${id}}`, `users2 row ${id}`);
    pipeline.set(`${world.prefix}other:${tail}:{${id}}`, `other prefix row ${id}`);
    pipeline.set(`${otherApp}${tail}:{${id}}`, `other app row ${id}`);
  }
  pipeline.set(`${world.prefix}${tail.replace('users@', 'users2@')}:email=x`, '1');
  pipeline.sadd(`${otherApp}${tail}:all`, '1', '2');
  await pipeline.exec();
}

/** Every key of this app's prefix and of the other app, with its DUMP, as a plain object (uvu compares those). */
const everythingElse = async (redis: Redis): Promise<Map<string, string>> => {
  const all = await dumpKeys(redis, `${world.prefix}*`);
  for (const [key, value] of await dumpKeys(redis, `${otherApp}*`)) all.set(key, value);
  return all;
};
const sorted = (dump: Map<string, string>) => Object.fromEntries([...dump].sort(([a], [b]) => (a < b ? -1 : 1)));

test('purge TABLE removes its current shape in batches and leaves every other key byte-identical', timed(90_000, async () => {
  const redis = world.admin.redis;
  await neighbours(redis);
  // More keys than one SCAN batch, and an older shape that only --all-shapes removes.
  const pipeline = redis.pipeline();
  for (let id = 1000; id < 3500; id++) pipeline.set(`${base}:{${id}}`, 'x', 'PX', 600_000);
  const oldShape = `${world.prefix}users@OLDtag`;
  for (let id = 1; id <= 7; id++) pipeline.set(`${oldShape}:{${id}}`, `old ${id}`);
  pipeline.set(`${oldShape}:email=u1%40example%2Ecom`, '1');
  await pipeline.exec();

  const before = await everythingElse(redis);
  const current = [...before.keys()].filter((key) => key.startsWith(`${base}:`));
  assert.ok(current.length >= 2500 + 39 * 2, `the table's keys are there (${current.length})`);
  assert.ok([...before.keys()].some((key) => key.startsWith(`${world.prefix}members@`)));

  const run = await world.cli(['purge', 'users', '--json']);
  assert.is(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout) as { removed: number; tables: { name: string; shapes: string; removed: number }[] };
  assert.equal(result.tables.map((t) => [t.name, t.shapes, t.removed]), [['users', 'current', current.length]]);
  assert.is(result.removed, current.length);
  assert.match(run.stderr, new RegExp(`${world.schema}\\.users: ${current.length.toLocaleString('en-US')} keys removed\\n$`), 'plain progress lines when not on a terminal');

  const after = await everythingElse(redis);
  for (const key of current) before.delete(key);
  assert.equal(sorted(after), sorted(before), 'everything but the current shape of users is byte-identical');

  const all = await world.cli(['purge', 'users', '--all-shapes']);
  assert.is(all.code, 0, all.stderr);
  assert.is(all.stdout, `Removed 8 keys of every shape of ${world.schema}.users.\n`);
  const last = await everythingElse(redis);
  for (const key of [...before.keys()]) if (key.startsWith(oldShape)) before.delete(key);
  assert.equal(sorted(last), sorted(before), 'only the older shape went');
  assert.ok([...last.keys()].some((key) => key.startsWith(`${world.prefix}users2@`)), 'users2 is untouched');
}));

/** `hotstorage ...args` in a real pseudo-terminal (`script`, 24x120): what a person at a terminal sees, raw. */
function inTerminal(args: string, env: Record<string, string>): string {
  const command = `stty rows 24 cols 120; node ${join(REPO_ROOT, 'bin/hotstorage.js')} ${args}`;
  return execFileSync('script', ['-qec', command, '/dev/null'], {
    cwd: world.dir,
    env: { ...process.env, DATABASE_URL, REDIS_URL, HOTSTORAGE_PREFIX: world.prefix, NO_COLOR: '', FORCE_COLOR: '', ...env },
  }).toString();
}

test('on a terminal the progress line is redrawn in place (colours unless NO_COLOR); the count ends it', timed(120_000, async () => {
  const fill = async () => {
    const pipeline = world.admin.redis.pipeline();
    for (let id = 0; id < 20_000; id++) pipeline.set(`${base}:{t${id}}`, 'x', 'PX', 600_000);
    await pipeline.exec();
  };
  await fill();
  const coloured = inTerminal('purge users', {});
  assert.match(coloured, /\u001b\[2K/, 'the line is erased and redrawn');
  assert.match(coloured, /\u001b\[36m/, 'cyan spinner');
  assert.match(coloured, new RegExp(`${world.schema}\\.users: 20,000 keys removed`));
  assert.match(coloured, /Removed 20,000 keys of the current shape/);
  await fill();
  const plain = inTerminal('purge users', { NO_COLOR: '1' });
  assert.match(plain, /\u001b\[2K/);
  assert.not.match(plain, /\u001b\[3\dm/, 'no colour with NO_COLOR');
  assert.match(plain, /Removed 20,000 keys/);
}));

test('purge of an empty table says so and exits 0', timed(60_000, async () => {
  const run = await world.cli(['purge', 'users']);
  assert.is(run.code, 0, run.stderr);
  assert.is(run.stdout, `Removed 0 keys of the current shape of ${world.schema}.users.\n`);
}));

test.run();
