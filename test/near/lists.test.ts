// The near-cache holds lists too (listBy, runtime/src/protocol/read-list.ts): a list read on the tracking connection is
// kept decoded and served with no round trip (its page's rows from memory as well), dropped when Redis says its key
// changed (a member added or moved elsewhere), dropped by this process's own writes before they return, and a GET of it
// in flight when it changes is not kept. Each test is shown to fail with its guard off (runtime/README.md, "Near-cache").
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defineTable } from '@hotstorage/runtime';
import { contextState, epochKey } from '@hotstorage/runtime/internal';
import type { TestStorageOptions } from '@hotstorage/runtime/testing';
import { timed } from '../helpers/timeout.js';
import { startRelay } from '../helpers/relay.js';
import { Events, nearStorage as nearStorageOf, openWorld, unsafeNearFromEnv, user, type Storage, type World } from './world.js';

let world: World;
let writer: Storage; // another storage (own connections, no near-cache): "another process" in one
let users: ReturnType<typeof usersWithList>;
let nextId = 1;
let nextTenant = 1;

/** The world's users with a list by tenant (the world's own handle has none, for the fault suites). */
function usersWithList(w: World) {
  return defineTable(w.tables.users, { primaryKey: ['id'], uniqueKeys: [['email'], ['tenantId', 'slug']], identity: ['id'], lists: [['tenantId']] });
}

test.before(async () => {
  world = await openWorld('nearlists');
  users = usersWithList(world);
  writer = await world.storage();
});
test.after(async () => {
  await world.close();
});

/** A storage with the near-cache on (world.ts nearStorage), under the guard UNSAFE_NEAR may switch off. */
function nearStorage(options: Partial<TestStorageOptions> = {}, port?: number): Promise<{ s: Storage; events: Events }> {
  return nearStorageOf(world, options, port);
}

const idsOf = async (s: Storage, tenantId: number) => (await users.listBy(s.hs, ['tenantId'], { tenantId })).map((row) => row.id);

/** Members saved by the writer under a new tenant: their ids, and the tenant. */
async function tenantWith(count: number): Promise<{ tenantId: number; ids: number[] }> {
  const tenantId = nextTenant++;
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const id = nextId++;
    await users.save(writer.hs, user(id, { tenantId }));
    ids.push(id);
  }
  return { tenantId, ids };
}

/** The list key of a tenant's list, as Redis and the near-cache know it. */
function listKey(s: Storage, tenantId: number): string {
  const rt = contextState(s.hs).core.built().find((r) => r.info.name === 'users');
  const keys = rt?.listsOf(user(0, { tenantId }))[0];
  assert.ok(keys !== undefined);
  return keys.row;
}

/**
 * Reads the list until a read of it costs no round trip (the list and its rows held), as near.test.ts's `held` does
 * for a row (a late heartbeat on a loaded machine may empty the near-cache between two reads).
 */
async function held(s: Storage, tenantId: number, ids: readonly number[]): Promise<void> {
  for (let tries = 1; ; tries++) {
    const trips = s.hs.stats().redisRoundTrips;
    assert.equal(await idsOf(s, tenantId), ids);
    if (s.hs.stats().redisRoundTrips === trips) return;
    if (tries === 100) assert.unreachable(`list of tenant ${tenantId} is never served from the near-cache (100 reads)`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a held list and its rows are served with no Redis round trip, counted as near hits', timed(10_000, async () => {
  const { s } = await nearStorage();
  const { tenantId, ids } = await tenantWith(3);
  // A miss fills the list; the next read GETs it on the tracking connection and keeps it (unless the fill's own
  // invalidation, for the first read's GET, arrives while that GET is in flight: then a read more).
  await held(s, tenantId, ids);
  const before = s.hs.stats();
  assert.equal(await idsOf(s, tenantId), ids);
  const after = s.hs.stats();
  assert.is(after.redisRoundTrips, before.redisRoundTrips, 'no round trip');
  assert.is(after.nearHits - before.nearHits, 4, 'the list and its 3 rows');
  assert.is(after.nearMisses, before.nearMisses);
  assert.is(after.listHits, before.listHits, 'a list held is not a Redis list hit (as a row held is not a hit)');
  // A page after a member, and a page of one: cut from the list held.
  assert.equal((await users.listBy(s.hs, ['tenantId'], { tenantId }, { after: ids[0], limit: 1 })).map((r) => r.id), [ids[1]]);
  assert.is(s.hs.stats().redisRoundTrips, before.redisRoundTrips, 'no round trip for a later page either');
}));

test('another storage adds a member, or moves one to another list: Redis invalidates the lists held here', timed(10_000, async () => {
  const { s, events } = await nearStorage();
  const first = await tenantWith(2);
  const second = await tenantWith(1);
  await held(s, first.tenantId, first.ids);
  await held(s, second.tenantId, second.ids);
  const added = nextId++;
  const invalidated = events.next((e) => e.type === 'nearInvalidation' && e.key === listKey(s, first.tenantId));
  await users.save(writer.hs, user(added, { tenantId: first.tenantId }));
  await invalidated;
  assert.equal(await idsOf(s, first.tenantId), [...first.ids, added]);
  await held(s, first.tenantId, [...first.ids, added]);
  // Moved: both lists change (and the row); wait for both lists' invalidations.
  const moved = first.ids[0] ?? 0;
  const both = Promise.all([first.tenantId, second.tenantId].map((t) => events.next((e) => e.type === 'nearInvalidation' && e.key === listKey(s, t))));
  await users.update(writer.hs, { id: moved }, { tenantId: second.tenantId });
  await both;
  assert.equal(await idsOf(s, first.tenantId), [first.ids[1], added]);
  assert.equal(await idsOf(s, second.tenantId), [moved, ...second.ids].sort((a, b) => a - b));
}));

test('read-your-writes: an insert, a move and a delete drop the lists held before they return (the invalidation held back)', timed(15_000, async () => {
  const relay = await startRelay(world.server.port);
  const { s } = await nearStorage({ nearCache: { maxRows: 100, heartbeatMs: 60_000 } }, relay.port);
  try {
    const first = await tenantWith(2);
    const second = await tenantWith(1);
    await held(s, first.tenantId, first.ids);
    await held(s, second.tenantId, second.ids);
    // Invalidations reach this storage late: only its own drop can make its next read see its write.
    relay.holdRepliesTo('hotstorage-near-invalidations');
    const added = nextId++;
    await users.save(s.hs, user(added, { tenantId: first.tenantId }));
    assert.equal(await idsOf(s, first.tenantId), [...first.ids, added], 'inserted');
    await held(s, second.tenantId, second.ids);
    const moved = first.ids[0] ?? 0;
    await users.update(s.hs, { id: moved }, { tenantId: second.tenantId });
    assert.equal(await idsOf(s, first.tenantId), [first.ids[1], added], 'moved out');
    assert.equal(await idsOf(s, second.tenantId), [moved, ...second.ids].sort((a, b) => a - b), 'moved in');
    await held(s, second.tenantId, [moved, ...second.ids].sort((a, b) => a - b));
    await s.hs.transaction(async (tx) => {
      await users.remove(tx, { id: moved });
    });
    assert.equal(await idsOf(s, second.tenantId), second.ids, 'removed');
  } finally {
    await s.hs.close();
    s.redis.disconnect();
    relay.releaseReplies();
    await relay.close();
  }
}));

test('a list GET in flight when the list changes is not kept: the invalidation that overtook its reply forbids the store', timed(10_000, async () => {
  let armed: { key: string; tenantId: number; id: number } | undefined;
  const events = new Events();
  const s = await world.storage({
    nearCache: { maxRows: 100 },
    unsafeNear: unsafeNearFromEnv(),
    onEvent: events.listener,
    hooks: {
      // Between the list GET's reply (the old members) and its store: another storage adds a member, and this one
      // receives the list's invalidation first, as it may when the reply and the invalidation come on two connections.
      async beforeNearStore({ key }) {
        if (armed === undefined || key !== armed.key) return;
        const { tenantId, id } = armed;
        armed = undefined;
        const invalidated = events.next((e) => e.type === 'nearInvalidation' && e.key === key);
        await users.save(writer.hs, user(id, { tenantId }));
        await invalidated;
      },
    },
  });
  const { tenantId, ids } = await tenantWith(2);
  assert.equal(await idsOf(s, tenantId), ids, 'a miss: the list filled in Redis');
  const added = nextId++;
  armed = { key: listKey(s, tenantId), tenantId, id: added };
  assert.equal(await idsOf(s, tenantId), ids, 'the read that began before the write answers the list it read');
  assert.is(armed, undefined, 'the list GET went through the near-cache');
  assert.equal(await idsOf(s, tenantId), [...ids, added], 'the next read does not find the old list in memory');
}));

test('an epoch bump drops that table\'s lists from the near-cache', timed(10_000, async () => {
  const { s } = await nearStorage({ changeFeed: true, epochRefreshMs: 50 });
  const { tenantId, ids } = await tenantWith(2);
  await held(s, tenantId, ids);
  // A member added in Postgres alone (as a bulk statement would), then the epoch raised as the listener does for it.
  const added = nextId++;
  const u = user(added, { tenantId });
  await world.admin.sql.unsafe(`insert into "${world.schema}".users (id, email, tenant_id, slug, name) values ($1, $2, $3, $4, $5)`, [u.id, u.email, u.tenantId, u.slug, u.name]);
  const core = contextState(s.hs).core;
  const rt = core.built().find((r) => r.info.name === 'users');
  assert.ok(rt !== undefined);
  const raised = new Promise<void>((resolve) => {
    const previous = core.epochs.onRaise;
    core.epochs.onRaise = (key) => {
      previous?.(key);
      resolve();
    };
  });
  await world.admin.redis.incr(epochKey(rt));
  await raised;
  assert.equal(await idsOf(s, tenantId), [...ids, added]);
}));

test('ttlMs applies to lists: a list is not served from memory past it', timed(10_000, async () => {
  const { s } = await nearStorage({ nearCache: { maxRows: 100, ttlMs: 50 } });
  const { tenantId, ids } = await tenantWith(1);
  await held(s, tenantId, ids);
  await new Promise((resolve) => setTimeout(resolve, 80));
  const misses = s.hs.stats().nearMisses;
  assert.equal(await idsOf(s, tenantId), ids);
  assert.is(s.hs.stats().nearMisses, misses + 2, 'the list and its row');
}));

test.run();
