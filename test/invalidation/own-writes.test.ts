// Writes made through hotstorage are not invalidated again by their own trigger (that would empty the cache after
// every save): the writer names its transaction (hotstorage.origin), apply-write records the applied token next to
// the row, and the listener skips the entry whose origin it finds there. A writer that died after its commit, before
// its cache update, is still invalidated.
import { sql } from 'drizzle-orm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HotStorage, Listener } from '@hotstorage/runtime';
import { timed } from '../helpers/timeout.js';
import { emailOf, eventually, openWorld, range, type World } from './world.js';

let world: World;
let hs: HotStorage;
let listener: Listener;

const outboxSize = async () => Number((await world.admin.sql.unsafe<{ n: string }[]>(`select count(*)::text as n from "${world.feed}".outbox`))[0]?.n);

test.before(async () => {
  world = await openWorld('inval_own');
  ({ hs } = await world.storage());
  listener = await hs.listen({ pollIntervalMs: 200 });
});

test.after(async () => {
  await listener.stop();
  await world.close();
});

test('a burst of saves through hotstorage stays cached: the listener skips their own entries (hit ratio after the burst)', timed(60_000, async () => {
  const ids = range(1, 1000);
  const before = hs.stats();
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(ids.slice(i, i + 50).map((id) => world.hot.items.save(hs, { id, email: emailOf(id), name: `n${id}` })));
  }
  await eventually(async () => (await outboxSize()) === 0, 'the outbox is drained');
  const drained = hs.stats();
  assert.is(drained.outboxInvalidations - before.outboxInvalidations, 0, 'no own write invalidated');
  assert.is(drained.outboxSkips - before.outboxSkips, ids.length, 'every own entry skipped');
  const rows = await Promise.all(ids.map((id) => world.hot.items.getBy(hs, ['id'], { id })));
  assert.ok(rows.every((row, i) => row?.name === `n${ids[i]}`));
  const after = hs.stats();
  const hits = after.hits - drained.hits;
  const misses = after.misses - drained.misses;
  const ratio = hits / (hits + misses);
  console.log(`  hit ratio after a burst of ${ids.length} saves and a drained outbox: ${(ratio * 100).toFixed(1)}% (${hits} hits, ${misses} misses)`);
  // On a loaded machine a save can outlive its lease (its apply then leaves the invalid marker) or miss its Redis
  // deadline (the row goes to the repair queue): misses that are the protocol being careful, not the listener, and
  // counted as such. Every other row must still be cached.
  const careful = drained.invalidations - before.invalidations + (drained.repairsQueued - before.repairsQueued);
  assert.ok(misses <= careful, `${misses} misses after the burst; saves whose apply stood down: ${careful}; stats ${JSON.stringify({ before, drained, after })}`);
}));

test('writes inside hs.transaction are skipped too', timed(30_000, async () => {
  const before = hs.stats();
  await hs.transaction(async (tx) => {
    await world.hot.items.update(tx, { id: 1 }, { name: 'in a transaction' });
    await world.hot.items.save(tx, { id: 2001, email: emailOf(2001), name: 'new' });
  });
  await eventually(async () => (await outboxSize()) === 0, 'the outbox is drained');
  const after = hs.stats();
  assert.is(after.outboxInvalidations - before.outboxInvalidations, 0);
  assert.is(after.outboxSkips - before.outboxSkips, 2);
  const hitsBefore = hs.stats().hits;
  assert.is((await world.hot.items.getBy(hs, ['id'], { id: 1 }))?.name, 'in a transaction');
  assert.is(hs.stats().hits - hitsBefore, 1);
}));

test('raw SQL through tx.db in the same hs.transaction as an accessor write is not skipped', timed(30_000, async () => {
  await world.hot.items.save(hs, { id: 5001, email: emailOf(5001), name: 'start' });
  await hs.transaction(async (tx) => {
    await world.hot.items.update(tx, { id: 5001 }, { name: 'accessor' });
    await tx.db.execute(sql.raw(`update "${world.schema}".items set name = 'raw after' where id = 5001`));
  });
  await eventually(async () => (await world.hot.items.getBy(hs, ['id'], { id: 5001 }))?.name === 'raw after', 'the raw write is seen');
}));

test('a writer that dies after its commit, before its cache update, is still invalidated by its entry', timed(30_000, async () => {
  await world.hot.items.save(hs, { id: 3001, email: emailOf(3001), name: 'before' });
  assert.is((await world.hot.items.getBy(hs, ['id'], { id: 3001 }))?.name, 'before');
  const crashing = await world.storage({
    leaseTtlMs: 300,
    hooks: {
      afterCommit() {
        throw new Error('the process died here');
      },
    },
  });
  const failed = await world.hot.items.update(crashing.hs, { id: 3001 }, { name: 'after' }).then(() => false, () => true);
  assert.ok(failed, 'the writer died after its commit');
  await eventually(async () => (await world.hot.items.getBy(hs, ['id'], { id: 3001 }))?.name === 'after', 'the committed row is read');
}));

test('an out-of-band write committed while a hotstorage writer is in flight wins, even when its contention mark (:contended) is evicted', timed(30_000, async () => {
  await world.hot.items.save(hs, { id: 6001, email: emailOf(6001), name: 'v0' });
  let armed = true;
  const writer = await world.storage({
    hooks: {
      async afterCommit() {
        if (!armed) return;
        armed = false;
        // After the writer's commit and before its cache update: another program commits a newer row, the listener
        // invalidates it (marking the writer contended), and memory pressure evicts the contended set.
        await world.admin.sql.unsafe(`update "${world.schema}".items set name = 'raw, later' where id = 6001`);
        await listener.drain();
        let cursor = '0';
        let evicted = 0;
        do {
          const [next, keys] = await world.admin.redis.scan(cursor, 'MATCH', `${world.prefix}*:contended`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) evicted += await world.admin.redis.del(...keys);
        } while (cursor !== '0');
        assert.is(evicted, 1, 'the writer was marked contended, and that mark is evicted');
      },
    },
  });
  await world.hot.items.update(writer.hs, { id: 6001 }, { name: 'hotstorage, earlier' });
  await writer.close();
  assert.is((await world.hot.items.getBy(hs, ['id'], { id: 6001 }))?.name, 'raw, later', 'the earlier commit is not served');
}));

test('without the listener an own write left in the outbox is skipped later, another process\'s raw write is not', timed(30_000, async () => {
  await listener.stop();
  await world.hot.items.save(hs, { id: 4001, email: emailOf(4001), name: 'own' });
  await world.admin.sql.unsafe(`update "${world.schema}".items set name = 'raw' where id = 1`);
  await world.hot.items.getBy(hs, ['id'], { id: 1 }); // stale until the listener runs
  const before = hs.stats();
  listener = await hs.listen({ pollIntervalMs: 200 });
  await eventually(async () => (await outboxSize()) === 0, 'the outbox is drained');
  const after = hs.stats();
  assert.is(after.outboxSkips - before.outboxSkips, 1);
  assert.is(after.outboxInvalidations - before.outboxInvalidations, 1);
  assert.is((await world.hot.items.getBy(hs, ['id'], { id: 1 }))?.name, 'raw');
  assert.is((await world.hot.items.getBy(hs, ['id'], { id: 4001 }))?.name, 'own');
}));

test.run();
