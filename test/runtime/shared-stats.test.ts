// The shared counters: what a process flushes to Redis per table equals what it counted (hs.stats()), and a flush
// that fails (Redis down, or a command refused) loses nothing: its deltas are sent by a later flush.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { contextState } from '../../runtime/src/storage/context.js';
import type { HotStorage, HotStorageStats } from '@hotstorage/runtime';
import type { SharedStats } from '../../runtime/src/storage/shared-stats.js';
import { statsKey } from '../../runtime/src/storage/shared-stats.js';
import { until } from '../faults/world.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { timed } from '../helpers/timeout.js';
import { openHarness, type Harness } from './harness.js';
import { accounts, users } from './hot/index.js';

let h: Harness;
let server: RedisServer;

test.before(async () => {
  h = await openHarness('shared_stats');
  server = await startRedisServer();
  await h.admin.sql.unsafe(
    `insert into "${h.schema}".users (id, email, tenant_id, slug, name) select g, 'u' || g || '@example.com', 1, 's' || g, 'n' || g from generate_series(1, 20) g;
     insert into "${h.schema}".accounts (handle) select 'h' || g from generate_series(1, 20) g;`,
  );
});
test.after(async () => {
  await h?.close();
  await server?.destroy();
});

/** The timer never fires during a test: flushes happen when the test says so. */
const MANUAL = { statsFlushMs: 600_000 };

function shared(hs: HotStorage): SharedStats {
  const stats = contextState(hs).core.sharedStats;
  assert.ok(stats, 'the flush is on');
  return stats;
}

/**
 * The counters events carry a table for, as hs.stats() has them (zeros left out, as the hash leaves them out); the
 * tables found with or without the change feed are this process's startup, not shared.
 */
function tableCounters(stats: HotStorageStats): Record<string, number> {
  const { redisRoundTrips: _r, dbQueries: _d, repairsPending: _p, nearBytes: _b, tablesWithFeed: _f, tablesWithoutFeed: _n, ...counted } = stats;
  return Object.fromEntries(Object.entries(counted).filter(([, n]) => n !== 0));
}

async function hashOf(redis: Redis, table: string): Promise<Record<string, number>> {
  const raw = await redis.hgetall(statsKey(h.prefix, 'public', table));
  return Object.fromEntries(Object.entries(raw).map(([field, n]) => [field, Number(n)]));
}

function sum(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [field, n] of Object.entries(b)) out[field] = (out[field] ?? 0) + n;
  return Object.fromEntries(Object.entries(out).sort(([x], [y]) => (x < y ? -1 : 1)));
}

const sorted = (record: Record<string, number>) => sum(record, {});

/** Misses, fills, hits, tombstone hits, a write and lookups by unique key on users; then the same mix on accounts. */
async function workUsers(hs: HotStorage): Promise<void> {
  for (let id = 1; id <= 6; id++) await users.getByPk(hs, id);
  for (let id = 1; id <= 6; id++) await users.getByPk(hs, id);
  await users.getByPk(hs, 999);
  await users.getByPk(hs, 999);
  await users.getByEmail(hs, 'u7@example.com');
  await users.getManyByPk(hs, [1, 2, 8, 9]);
  await users.save(hs, { id: 3, email: 'u3@example.com', tenantId: 1, slug: 's3', name: 'renamed', version: 1 });
}

async function workAccounts(hs: HotStorage): Promise<void> {
  for (let id = 1; id <= 4; id++) await accounts.getByPk(hs, id);
  await accounts.getByPk(hs, 1);
  await accounts.getByHandle(hs, 'h5');
  await accounts.remove(hs, 2);
}

test('the counters a process flushes equal its hs.stats(), table by table', timed(20_000, async () => {
  const s = await h.storage(MANUAL);
  await workUsers(s.hs);
  const afterUsers = tableCounters(s.hs.stats());
  assert.ok((afterUsers.hits ?? 0) > 0 && (afterUsers.misses ?? 0) > 0 && (afterUsers.fills ?? 0) > 0 && afterUsers.writes === 1, `the work covers several counters: ${JSON.stringify(afterUsers)}`);
  await shared(s.hs).flush();
  assert.equal(await hashOf(h.admin.redis, 'users'), sorted(afterUsers));
  assert.equal(shared(s.hs).pending().size, 0, 'nothing left to send');

  await workAccounts(s.hs);
  await shared(s.hs).flush();
  const usersHash = await hashOf(h.admin.redis, 'users');
  const accountsHash = await hashOf(h.admin.redis, 'accounts');
  assert.equal(usersHash, sorted(afterUsers), 'work on accounts added nothing to users');
  assert.ok((accountsHash.hits ?? 0) > 0 && accountsHash.writes === 1);
  assert.equal(sum(usersHash, accountsHash), sorted(tableCounters(s.hs.stats())), 'both tables together are the process total');

  // hs.close() sends what was counted since the last flush.
  await users.getByPk(s.hs, 1);
  await s.hs.close();
  assert.is((await hashOf(h.admin.redis, 'users')).hits, (usersHash.hits ?? 0) + 1);
  await h.admin.redis.del(statsKey(h.prefix, 'public', 'users'), statsKey(h.prefix, 'public', 'accounts'));
}));

test('the timer flushes on its own at statsFlushMs', timed(20_000, async () => {
  const s = await h.storage({ statsFlushMs: 50 });
  await users.getByPk(s.hs, 11);
  await until(async () => (await hashOf(h.admin.redis, 'users')).fills === 1, 'the timed flush');
  assert.equal(await hashOf(h.admin.redis, 'users'), sorted(tableCounters(s.hs.stats())));
  await s.close();
  await h.admin.redis.del(statsKey(h.prefix, 'public', 'users'));
}));

test('a flush while Redis is down keeps its deltas; they arrive once Redis is back, none lost, none twice', timed(30_000, async () => {
  const direct = new Redis(server.url);
  direct.on('error', () => {}); // the test stops this server on purpose
  try {
    const s = await h.storage({ ...MANUAL, commandTimeoutMs: 200 }, server.url);
    await workUsers(s.hs);
    await shared(s.hs).flush();
    const flushed = await hashOf(direct, 'users');
    assert.equal(flushed, sorted(tableCounters(s.hs.stats())));

    await server.stop();
    await users.getByPk(s.hs, 10); // Redis down: a miss read from Postgres, and a Redis error, both for users
    await until(async () => s.hs.stats().redisErrors > 0 && contextState(s.hs).core.io.status !== 'ready', 'the client notices');
    await shared(s.hs).flush();
    assert.ok((shared(s.hs).pending().get('public.users')?.misses ?? 0) >= 1, 'the failed flush kept the miss');

    await server.start();
    await until(async () => contextState(s.hs).core.io.status === 'ready', 'the client reconnects');
    await workAccounts(s.hs);
    await shared(s.hs).flush();
    assert.equal(shared(s.hs).pending().size, 0);
    // The server came back empty (no persistence): it holds exactly what was flushed since it restarted.
    const total = tableCounters(s.hs.stats());
    assert.equal(sum(sum(flushed, await hashOf(direct, 'users')), await hashOf(direct, 'accounts')), sorted(total));
  } finally {
    direct.disconnect();
  }
}));

test('increments Redis refuses are kept and sent again by the next flush', timed(20_000, async () => {
  const direct = new Redis(server.url);
  direct.on('error', () => {}); // the test stops this server on purpose
  try {
    await direct.flushall(); // our own server
    const s = await h.storage(MANUAL, server.url);
    const key = statsKey(h.prefix, 'public', 'users');
    await direct.set(key, 'not a hash'); // HINCRBY now fails with WRONGTYPE
    await workUsers(s.hs);
    await workAccounts(s.hs);
    await shared(s.hs).flush();
    assert.ok((await hashOf(direct, 'accounts')).hits, 'the other table was flushed');
    assert.ok(shared(s.hs).pending().has('public.users'), 'the refused ones were kept');
    await direct.del(key);
    await shared(s.hs).flush();
    assert.equal(sum(await hashOf(direct, 'users'), await hashOf(direct, 'accounts')), sorted(tableCounters(s.hs.stats())));
  } finally {
    direct.disconnect();
  }
}));

test.run();
