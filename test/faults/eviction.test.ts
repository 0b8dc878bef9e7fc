// A Redis that evicts keys (maxmemory with an eviction policy, on a server of our own) while the mixed workload runs
// and another program fills the memory: rows, pointers, index sets, leases and markers vanish at moments nobody
// chooses. Every answer must still match the last write, and afterwards no cached row or pointer may be stale. The
// exact evictions that could let an older row in are placed by hand in late-and-evicted.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { timed } from '../helpers/timeout.js';
import { audit, openWorld, until, type World } from './world.js';
import { startWorkload } from './workload.js';

let world: World;
let nextId = 1;

test.before(async () => {
  world = await openWorld('eviction', { args: ['--maxmemory', '3mb', '--maxmemory-policy', 'allkeys-lru'] });
});
test.after(async () => {
  await world.close();
});

async function evictedKeys(): Promise<number> {
  return Number(/evicted_keys:(\d+)/.exec(await world.admin.redis.info('stats'))?.[1] ?? NaN);
}

for (const policy of ['allkeys-lru', 'volatile-lru', 'allkeys-random', 'volatile-ttl'] as const) {
  test(`maxmemory-policy ${policy}: keys evicted during a mixed workload; every answer matches the last write, nothing stale afterwards`, timed(90_000, async () => {
    await world.admin.redis.config('SET', 'maxmemory-policy', policy);
    const firstId = nextId;
    nextId += 100;
    const s = await world.storage({ commandTimeoutMs: 1000, repairIntervalMs: 100 });
    const load = await startWorkload(world, s, { workers: 4, idsPerWorker: 6, firstId });
    const evictedBefore = await evictedKeys();
    // Another program filling the memory (keys with a ttl, so volatile policies may evict them too).
    let filling = true;
    const filler = (async () => {
      for (let i = 0; filling; i++) await world.admin.redis.set(`junk:${policy}:${i}`, 'x'.repeat(20_000), 'EX', 600);
    })();
    await until(async () => (await evictedKeys()) - evictedBefore > 200, 'Redis to evict keys', 30_000);
    await load.advance(300);
    filling = false;
    await filler;
    const report = await load.stop();
    await until(async () => (await s.hs.flushRepairs()) === 0, 'the repair queue to drain');
    assert.equal(report.errors, []);
    assert.equal(report.mismatches, []);
    assert.equal(await load.lost(), []);
    const found = await audit(world, s, load.ids);
    if (process.env.HS_FAULTS_VERBOSE) {
      console.log(JSON.stringify({ policy, ops: report.ops, evicted: (await evictedKeys()) - evictedBefore, stats: s.hs.stats(), audit: found }));
    }
  }));
}

test.run();
