// Redis failing in the middle of a mixed workload (DESIGN §5 "Redis down", invariant 5), on a redis-server of the
// suite's own: stopped, killed with SIGKILL, restarted empty, paused (CLIENT PAUSE) and blocked (DEBUG SLEEP). While
// it is gone every call still answers what Postgres holds, within a bounded time, and nothing throws; once it is
// back the repairs drain, and every cached row and pointer agrees with Postgres. Each case uses a differently
// configured ioredis client: hotstorage's behaviour must not depend on the client's offline-queue or retry options.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RedisOptions } from 'ioredis';
import { timed } from '../helpers/timeout.js';
import { audit, openWorld, until, type World } from './world.js';
import { startWorkload } from './workload.js';

const TIMEOUT_MS = 400;
/** A hang guard, not a speed target: the slowest call may wait for Redis at most twice (lease, then repair). */
const HANG_GUARD_MS = TIMEOUT_MS * 5;

let world: World;
let nextId = 1;

test.before(async () => {
  // Persistent, so that a Redis coming back after stop or SIGKILL still holds the rows cached before its outage.
  world = await openWorld('redisfaults', { persist: true });
});
test.after(async () => {
  await world.close();
});

interface Fault {
  readonly name: string;
  readonly client: RedisOptions;
  /** Begins the outage; resolves once it has begun. Returns how to end it (resolves once Redis answers again). */
  inject(): Promise<() => Promise<void>>;
}

const faults: Fault[] = [
  {
    name: 'stopped (SIGTERM), then started with its data',
    client: {}, // ioredis defaults: offline queue on, 20 retries per request
    async inject() {
      await world.server.stop();
      return () => world.server.start();
    },
  },
  {
    name: 'killed (SIGKILL), then started with its append-only file',
    client: { maxRetriesPerRequest: null }, // ioredis would wait for ever
    async inject() {
      await world.server.kill();
      return () => world.server.start();
    },
  },
  {
    name: 'killed after losing its data, then started empty',
    client: { enableOfflineQueue: false },
    async inject() {
      await world.admin.redis.flushall();
      await world.server.kill();
      return () => world.server.start();
    },
  },
  {
    name: 'paused (CLIENT PAUSE 2500 ALL)',
    client: {},
    async inject() {
      await world.admin.redis.call('CLIENT', 'PAUSE', '2500', 'ALL');
      return async () => {
        await world.admin.redis.ping(); // answered when the pause ends
      };
    },
  },
  {
    name: 'blocked (DEBUG SLEEP 2)',
    client: { commandTimeout: 10_000 }, // the application's own, longer timeout does not hold hotstorage
    async inject() {
      const sleeping = world.admin.redis.call('DEBUG', 'SLEEP', '2'); // written to the socket now; answered in 2 s
      return async () => {
        await sleeping;
      };
    },
  },
];

for (const fault of faults) {
  test(`Redis ${fault.name} during a mixed workload: every call answers from Postgres in bounded time, nothing throws, no write is lost, and afterwards no cached row or pointer is stale`, timed(90_000, async () => {
    const firstId = nextId;
    nextId += 100;
    const s = await world.storage({ commandTimeoutMs: TIMEOUT_MS, repairIntervalMs: 100 }, fault.client);
    const load = await startWorkload(world, s, { workers: 4, idsPerWorker: 4, firstId });
    await load.advance(60);
    const before = s.hs.stats();
    const recover = await fault.inject();
    await load.advance(12); // calls made while Redis is gone
    const during = s.hs.stats();
    await recover();
    await until(async () => s.hs.stats().writes > during.writes, 'a write to reach the cache again');
    await load.advance(60);
    const report = await load.stop();
    await until(async () => (await s.hs.flushRepairs()) === 0, 'the repair queue to drain');

    assert.equal(report.errors, [], 'no call threw');
    assert.equal(report.mismatches, [], 'every read and every write result matched the last write');
    assert.ok(report.maxMs < HANG_GUARD_MS, `slowest call ${report.slowest} took ${Math.round(report.maxMs)} ms`);
    assert.equal(await load.lost(), [], 'Postgres holds every write');
    const stats = s.hs.stats();
    assert.ok(during.redisErrors > before.redisErrors, 'the outage was seen');
    assert.ok(stats.repairsQueued > before.repairsQueued, 'writes during the outage were queued for repair');
    assert.ok(stats.repairs > before.repairs, 'the queued rows were invalidated once Redis answered');
    assert.is(stats.repairsPending, 0);
    // Another process (a storage that never saw the outage) reads through the same cache.
    const other = await world.storage({ commandTimeoutMs: TIMEOUT_MS });
    const found = await audit(world, other, load.ids);
    assert.ok(found.rows + found.markers > 0, 'the audit saw the cache');
    if (process.env.HS_FAULTS_VERBOSE) {
      const { ops, byKind, maxMs } = report;
      const counts = { redisErrors: stats.redisErrors - before.redisErrors, repairsQueued: stats.repairsQueued - before.repairsQueued, repairs: stats.repairs - before.repairs, invalidations: stats.invalidations - before.invalidations };
      console.log(JSON.stringify({ fault: fault.name, ops, duringOutage: during.redisErrors - before.redisErrors, byKind, maxMs: Math.round(maxMs), ...counts, audit: found }));
    }
  }));
}

test('a client created with options that change replies or queueing (stringNumbers, no offline queue, no retries) caches as any other', timed(20_000, async () => {
  for (const client of [{ stringNumbers: true }, { enableOfflineQueue: false, maxRetriesPerRequest: 0 }, { autoResendUnfulfilledCommands: false }]) {
    const s = await world.storage({}, client);
    const id = nextId++;
    await world.users.save(s.hs, { id, email: `c${id}@x.io`, tenantId: 1, slug: `c${id}`, name: 'n', version: 0 });
    const sqlBefore = s.queries.length;
    assert.is((await world.users.getBy(s.hs, ['id'], { id }))?.name, 'n');
    assert.is((await world.users.getBy(s.hs, ['email'], { email: `c${id}@x.io` }))?.name, 'n');
    assert.is(s.queries.length, sqlBefore, `hits with ${JSON.stringify(client)}`);
    const stats = s.hs.stats();
    assert.is(stats.writes, 1);
    assert.is(stats.redisErrors, 0);
  }
}));

test.run();
