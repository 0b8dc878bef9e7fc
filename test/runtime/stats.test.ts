// hs.stats() and onEvent: each protocol branch is counted once, and the hook sees the same events with the table
// and the row key involved.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HotStorageEvent } from '@hotstorage/runtime';
import { timed } from '../helpers/timeout.js';
import { openHarness, type Harness } from './harness.js';
import { users } from './hot/index.js';

let h: Harness;

test.before(async () => {
  h = await openHarness('stats');
});
test.after(async () => {
  await h.close();
});

function user(id: number, name: string) {
  return { id, email: `u${id}@example.com`, tenantId: 1, slug: `s${id}`, name, version: 0 };
}

test('each protocol branch emits its event once, with the table and the row key; stats() sums them', timed(15_000, async () => {
  const events: HotStorageEvent[] = [];
  const s = await h.storage({ onEvent: (event) => events.push(event) });
  const table = 'public.users'; // as Drizzle sees it; the search_path puts it in the suite's schema
  const take = () => events.splice(0).map((e) => `${e.type}${e.table === table ? '' : ` ${e.table}`}${e.key?.endsWith('}') ? ` ${e.key.slice(e.key.lastIndexOf('{'))}` : ''}`);

  // startup: each of the storage's tables, found without the change feed (no capture triggers in the suite's schema)
  assert.equal(take(), ['changeFeedOff public.accounts', 'changeFeedOff public.member:ships', 'changeFeedOff public.messages', 'changeFeedOff public.auth.tags', 'changeFeedOff']);
  await h.admin.sql.unsafe(`insert into "${h.schema}".users (id, email, tenant_id, slug, name) values (1, 'u1@example.com', 1, 's1', 'one')`);
  await users.getByPk(s.hs, 1);
  assert.equal(take(), ['miss {1}', 'fill {1}']);
  await users.getByPk(s.hs, 1);
  assert.equal(take(), ['hit {1}']);
  await users.getByPk(s.hs, 2);
  await users.getByPk(s.hs, 2);
  assert.equal(take(), ['miss {2}', 'fill {2}', 'hit {2}', 'tombstoneHit {2}']);
  await users.save(s.hs, user(1, 'uno'));
  assert.equal(take(), ['write {1}']);
  const [key] = await h.admin.redis.keys(`${h.prefix}users@*:{1}`);
  await h.admin.redis.set(key ?? '', 'junk');
  await users.getByPk(s.hs, 1);
  assert.equal(take(), ['corrupt {1}', 'miss {1}', 'fill {1}']);

  // two writers in flight on one row: invalidation, then reads of the marker go to Postgres
  const rival = await h.storage();
  let armed = true;
  const overlapping = await h.storage({
    onEvent: (event) => events.push(event),
    hooks: {
      beforeCommit: async () => {
        if (!armed) return;
        armed = false;
        await users.save(rival.hs, user(1, 'rival'));
      },
    },
  });
  assert.is(take().length, 5, 'its startup: one changeFeedOff per table');
  await users.save(overlapping.hs, user(1, 'last'));
  assert.equal(take(), ['invalidation {1}']);
  await users.getByPk(s.hs, 1);
  assert.equal(take(), ['invalidRead {1}', 'miss']);

  const stats = s.hs.stats();
  assert.equal(
    { hits: stats.hits, misses: stats.misses, fills: stats.fills, tombstoneHits: stats.tombstoneHits, writes: stats.writes, corrupt: stats.corrupt, invalidReads: stats.invalidReads, redisErrors: stats.redisErrors },
    { hits: 2, misses: 4, fills: 3, tombstoneHits: 1, writes: 1, corrupt: 1, invalidReads: 1, redisErrors: 0 },
  );
  assert.is(overlapping.hs.stats().invalidations, 1);
}));

test('a reader waiting for another reader\'s lease is counted as a lease wait', timed(15_000, async () => {
  await h.admin.sql.unsafe(`insert into "${h.schema}".users (id, email, tenant_id, slug, name) values (50, 'u50@example.com', 1, 's50', 'fifty')`);
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  let leased: () => void = () => {};
  const holding = new Promise<void>((resolve) => (leased = resolve));
  const holder = await h.storage({ hooks: { afterLease: async () => { leased(); await gate; } } });
  const waiter = await h.storage({ wait: async () => release() });
  const first = users.getByPk(holder.hs, 50);
  await holding;
  const second = await users.getByPk(waiter.hs, 50);
  assert.is(second?.name, 'fifty');
  assert.is((await first)?.name, 'fifty');
  assert.ok(waiter.hs.stats().leaseWaits >= 1);
}));

test('a failing onEvent listener does not break the call', timed(10_000, async () => {
  const s = await h.storage({ onEvent: () => { throw new Error('listener bug'); } });
  assert.is(await users.getByPk(s.hs, 999), null);
  assert.is(s.hs.stats().misses, 1);
}));

test.run();
