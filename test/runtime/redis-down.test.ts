// Redis failing around a write (invariant 5): the database write stands, the caller gets the row, the failure is
// counted, reads go to Postgres, and the row is invalidated once Redis answers again. Uses a redis-server of its own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { timed } from '../helpers/timeout.js';
import { openHarness, type Harness, type Storage } from './harness.js';
import { users } from './hot/index.js';
import { Redis } from 'ioredis';

let h: Harness;
let server: RedisServer;

test.before(async () => {
  h = await openHarness('down');
  server = await startRedisServer({ persist: true });
});
test.after(async () => {
  await h.close();
  await server.destroy();
});

function user(id: number, name: string) {
  return { id, email: `u${id}@example.com`, tenantId: 1, slug: `s${id}`, name, version: 0 };
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function rowValue(redis: Redis, id: number): Promise<string | null> {
  const [key] = await redis.keys(`${h.prefix}users@*:{${id}}`);
  return key === undefined ? null : redis.get(key);
}

test('Redis stopping between the commit and the cache write: the write stands, the row is invalidated when Redis is back', timed(40_000, async () => {
  let armed = false;
  const s: Storage = await h.storage(
    {
      commandTimeoutMs: 300,
      repairIntervalMs: 60_000, // the test flushes by hand
      hooks: {
        afterCommit: async () => {
          if (!armed) return;
          armed = false;
          await server.stop();
        },
      },
    },
    server.url,
  );
  await users.save(s.hs, user(1, 'old'));
  assert.is((await users.getByPk(s.hs, 1))?.name, 'old');

  armed = true;
  const saved = await users.save(s.hs, user(1, 'new'));
  assert.is(saved.name, 'new', 'the caller gets the committed row');
  const [inDb] = await h.admin.sql.unsafe(`select name from "${h.schema}".users where id = 1`);
  assert.is(inDb?.name, 'new', 'the database write stands');
  let stats = s.hs.stats();
  assert.ok(stats.redisErrors >= 1);
  assert.is(stats.repairsQueued, 1);
  assert.is(stats.repairsPending, 1);

  // While Redis is down: reads go to Postgres; writes still commit.
  assert.is((await users.getByPk(s.hs, 1))?.name, 'new');
  assert.is((await users.save(s.hs, user(2, 'while down'))).name, 'while down');
  assert.is((await users.getByEmail(s.hs, 'u2@example.com'))?.name, 'while down');
  assert.is(await s.hs.flushRepairs(), 2, 'nothing can be repaired while Redis is down');

  await server.start();
  const direct = new Redis(server.url);
  try {
    // The restarted Redis came back with the pre-commit row; the storage repairs it when its client reconnects,
    // without waiting for its repair timer (a minute here) or a call. Until then, its own reads skip that row.
    assert.is((await users.getByPk(s.hs, 1))?.name, 'new');
    await until(async () => s.hs.stats().repairsPending === 0, 'the repair at reconnection');
    stats = s.hs.stats();
    assert.is(stats.repairs, 2);
    assert.is(stats.repairsPending, 0);
    assert.is(await rowValue(direct, 1), null, 'the repair deleted the row: the next read refills it');
    assert.is((await users.getByPk(s.hs, 1))?.name, 'new');
    assert.is((await users.getByEmail(s.hs, 'u1@example.com'))?.name, 'new');
  } finally {
    direct.disconnect();
  }
}));

test('the repair queue is bounded: beyond repairQueueLimit the oldest entries are dropped and counted', timed(30_000, async () => {
  const s = await h.storage({ commandTimeoutMs: 200, repairQueueLimit: 2, repairIntervalMs: 60_000 }, server.url);
  await server.stop();
  try {
    for (const id of [10, 11, 12]) await users.save(s.hs, user(id, 'x'));
    const stats = s.hs.stats();
    assert.is(stats.repairsQueued, 3);
    assert.is(stats.repairsDropped, 1);
    assert.is(stats.repairsPending, 2);
    const [count] = await h.admin.sql.unsafe(`select count(*)::int as n from "${h.schema}".users where id in (10, 11, 12)`);
    assert.is(count?.n, 3, 'every write committed');
  } finally {
    await server.start();
  }
}));

test.run();
