// The in-process near-cache (option `nearCache`, runtime/src/near/): rows served from memory are dropped when Redis
// says their key changed, a GET in flight when its key changes is never kept, a write of this process is seen by its
// next read, and every loss of the invalidation stream (its connection killed, FLUSHALL, a Redis restart, a stream
// that stopped while its socket stayed open) empties the near-cache at once. Each test is shown to fail with its
// guard switched off (the `unsafeNear` seams), as the runtime README's "Near-cache" section records.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cluster } from 'ioredis';
import { createHotStorage } from '@hotstorage/runtime/testing';
import { epochKey, contextState } from '@hotstorage/runtime/internal';
import type { TestStorageOptions } from '@hotstorage/runtime/testing';
import { timed } from '../helpers/timeout.js';
import { startRelay } from '../helpers/relay.js';
import { Events, nearOf, nearStorage as nearStorageOf, openWorld, unsafeNearFromEnv, rearmed, trackingClients, until, user, type Storage, type World } from './world.js';

let world: World;
let writer: Storage; // another storage (own connections, no near-cache): "another process" in one
let nextId = 1;

test.before(async () => {
  world = await openWorld('near');
  writer = await world.storage();
});
test.after(async () => {
  await world.close();
});

/** A storage with the near-cache on (world.ts nearStorage), under the guard UNSAFE_NEAR may switch off. */
function nearStorage(options: Partial<TestStorageOptions> = {}, port?: number): Promise<{ s: Storage; events: Events }> {
  return nearStorageOf(world, options, port);
}

/**
 * A row in Postgres (and Redis), read by `s` until a read of it is a near hit, so its near-cache holds it. Read until,
 * not twice: on a loaded machine a heartbeat may come back late and empty the near-cache between two reads (it errs on
 * the side of Redis), and the reads go to Redis until tracking is armed again.
 */
async function held(s: Storage, name = 'first'): Promise<number> {
  const id = nextId++;
  await world.users.save(writer.hs, user(id, { name }));
  await world.users.getBy(s.hs, ['id'], { id });
  for (let tries = 1; ; tries++) {
    const hits = s.hs.stats().nearHits;
    assert.is((await world.users.getBy(s.hs, ['id'], { id }))?.name, name);
    if (s.hs.stats().nearHits === hits + 1) return id;
    if (tries === 100) assert.unreachable(`row ${id} is never served from the near-cache (100 reads)`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const nameOf = async (s: Storage, id: number) => (await world.users.getBy(s.hs, ['id'], { id }))?.name;

test('nearCache is checked: maxRows must be a positive integer; a Cluster client is refused with one sentence', timed(10_000, async () => {
  for (const nearCache of [{ maxRows: 0 }, { maxRows: 1.5 }, { maxRows: 10, ttlMs: -1 }, { maxRows: 10, tables: [''] }]) {
    try {
      // Refused while the options are read, before any I/O (so no client of the suite's is opened for it).
      await createHotStorage({ db: writer.hs as never, redis: world.admin.redis, nearCache } as TestStorageOptions);
      assert.unreachable(`accepted ${JSON.stringify(nearCache)}`);
    } catch (error) {
      assert.instance(error, Error);
      assert.match((error as Error).message, /option `nearCache\./);
    }
  }
  const cluster = new Cluster([{ host: '127.0.0.1', port: world.server.port }], { lazyConnect: true });
  try {
    await createHotStorage({ db: writer.hs as never, redis: cluster, nearCache: { maxRows: 10 } });
    assert.unreachable('a Cluster client was accepted');
  } catch (error) {
    assert.match((error as Error).message, /option `nearCache`: the near-cache is not available on a Redis Cluster/);
  } finally {
    cluster.disconnect();
  }
}));

test('a near hit costs no Redis round trip, by primary key, by a unique key (through the hint) and in getManyByIdentity', timed(10_000, async () => {
  const { s } = await nearStorage();
  const id = await held(s);
  const email = user(id).email;
  await world.users.getBy(s.hs, ['email'], { email }); // learns the hint email → row key
  const before = s.hs.stats();
  assert.is((await world.users.getBy(s.hs, ['id'], { id }))?.id, id);
  assert.is((await world.users.getBy(s.hs, ['email'], { email }))?.id, id);
  assert.equal((await world.users.getManyByIdentity(s.hs, [{ id }, { id }])).map((r) => r?.id), [id, id]);
  const after = s.hs.stats();
  assert.is(after.redisRoundTrips, before.redisRoundTrips, 'no round trip');
  assert.is(after.nearHits - before.nearHits, 3);
  assert.ok(Object.isFrozen(await world.users.getBy(s.hs, ['id'], { id })), 'rows served from memory are frozen');
}));

test('a write by another storage drops the row here once Redis invalidates it', timed(10_000, async () => {
  const { s, events } = await nearStorage();
  const id = await held(s);
  const invalidated = events.next((e) => e.type === 'nearInvalidation');
  await world.users.save(writer.hs, user(id, { name: 'second' }));
  await invalidated;
  assert.is(await nameOf(s, id), 'second');
}));

test('a GET in flight when its key changes is not kept: the invalidation that overtook its reply forbids the store', timed(10_000, async () => {
  let armed: number | undefined;
  const events = new Events();
  const s = await world.storage({
    nearCache: { maxRows: 100 },
    unsafeNear: unsafeNearFromEnv(),
    onEvent: events.listener,
    hooks: {
      // Between the GET's reply (the old row) and its store: another storage writes the row, and this one receives
      // the invalidation first, as it may when the reply and the invalidation come on their two connections.
      async beforeNearStore({ key }) {
        if (armed === undefined) return;
        const id = armed;
        armed = undefined;
        const invalidated = events.next((e) => e.type === 'nearInvalidation' && e.key === key);
        await world.users.save(writer.hs, user(id, { name: 'second' }));
        await invalidated;
      },
    },
  });
  const id = nextId++;
  await world.users.save(writer.hs, user(id, { name: 'first' }));
  armed = id;
  assert.is(await nameOf(s, id), 'first', 'the read that began before the write answers the row it read');
  assert.is(await nameOf(s, id), 'second', 'the next read does not find the old row in memory');
}));

test('read-your-writes: save, update and remove drop the local copy before they return (the invalidation held back)', timed(15_000, async () => {
  const relay = await startRelay(world.server.port);
  const { s } = await nearStorage({ nearCache: { maxRows: 100, heartbeatMs: 60_000 } }, relay.port);
  try {
    const ids = [await held(s), await held(s), await held(s)];
    // Invalidations reach this storage late: only its own drop can make its next read see its write.
    relay.holdRepliesTo('hotstorage-near-invalidations');
    await world.users.save(s.hs, user(ids[0] ?? 0, { name: 'saved' }));
    assert.is(await nameOf(s, ids[0] ?? 0), 'saved');
    await world.users.update(s.hs, { id: ids[1] }, { name: 'updated' });
    assert.is(await nameOf(s, ids[1] ?? 0), 'updated');
    await s.hs.transaction(async (tx) => {
      await world.users.remove(tx, { id: ids[2] });
    });
    assert.is(await world.users.getBy(s.hs, ['id'], { id: ids[2] }), null);
  } finally {
    await s.hs.close();
    s.redis.disconnect();
    relay.releaseReplies();
    await relay.close();
  }
}));

for (const victim of ['hotstorage-near-invalidations', 'hotstorage-near-reader']) {
  test(`killing the ${victim} connection (CLIENT KILL) empties the near-cache; tracking is armed again`, timed(15_000, async () => {
    const { s } = await nearStorage();
    const id = await held(s);
    const killed = (await trackingClients(world.admin.redis)).filter((c) => c.name === victim).map((c) => c.id);
    // Every near storage of the suite has connections here: kill them all, then wait for this one to be back.
    for (const client of killed) await world.admin.redis.client('KILL', 'ID', String(client));
    await until(() => rearmed(world.admin.redis, s.hs, killed), `tracking re-armed after killing ${victim}`);
    // Killed, it missed what changed meanwhile (the subscriber's invalidations, the reader's tracking): nothing it
    // held may be served. The write below is not told to a re-armed reader that never read the row again.
    await world.users.save(writer.hs, user(id, { name: `after killing ${victim}` }));
    assert.is(await nameOf(s, id), `after killing ${victim}`);
    await s.hs.close();
  }));
}

test('FLUSHALL (the null invalidation) empties the near-cache', timed(10_000, async () => {
  const { s, events } = await nearStorage();
  const id = await held(s);
  // A change Redis cannot tell (written in Postgres only), then every key dropped, as after an operator's purge.
  await world.admin.sql.unsafe(`update "${world.schema}".users set name = 'changed in Postgres' where id = $1`, [id]);
  await world.admin.redis.flushall();
  // The invalidation stream is in order: once an invalidation of a key tracked after the FLUSHALL arrived, the
  // FLUSHALL's had. That key is a fresh row, read (and so tracked) once, then written.
  const barrier = nextId++;
  await world.users.save(writer.hs, user(barrier));
  await world.users.getBy(s.hs, ['id'], { id: barrier });
  const later = events.next((e) => e.type === 'nearInvalidation');
  await world.users.save(writer.hs, user(barrier, { name: 'barrier' }));
  await later;
  assert.is(await nameOf(s, id), 'changed in Postgres');
}));

test('a Redis restart empties the near-cache', timed(20_000, async () => {
  const { s } = await nearStorage();
  const id = await held(s);
  const before = (await trackingClients(world.admin.redis)).map((c) => c.id);
  await world.server.stop();
  await world.admin.sql.unsafe(`update "${world.schema}".users set name = 'changed while Redis was down' where id = $1`, [id]);
  await world.server.start();
  await until(() => rearmed(world.admin.redis, s.hs, before), 'tracking re-armed after the restart');
  assert.is(await nameOf(s, id), 'changed while Redis was down');
}));

test('invalidations that stop arriving while the socket stays open: the heartbeat empties the near-cache', timed(20_000, async () => {
  const relay = await startRelay(world.server.port);
  const { s, events } = await nearStorage({ nearCache: { maxRows: 100, heartbeatMs: 100 } }, relay.port);
  try {
    const id = await held(s);
    relay.holdRepliesTo('hotstorage-near-invalidations');
    const flushed = events.next((e) => e.type === 'nearFlush' && e.key === 'heartbeat');
    await world.users.save(writer.hs, user(id, { name: 'while the stream was stuck' }));
    await flushed;
    assert.is(await nameOf(s, id), 'while the stream was stuck');
  } finally {
    await s.hs.close();
    s.redis.disconnect();
    relay.releaseReplies();
    await relay.close();
  }
}));

test('eviction by maxRows: the least recently used rows go, counted', timed(10_000, async () => {
  // A heartbeat late on a loaded machine would empty the near-cache and blur the count: none during this test.
  const { s } = await nearStorage({ nearCache: { maxRows: 3, heartbeatMs: 60_000 } });
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) ids.push(await held(s));
  assert.is(nearOf(s.hs)?.cache.size, 3);
  assert.is(s.hs.stats().nearEvictions, 2);
  const misses = s.hs.stats().nearMisses;
  await world.users.getBy(s.hs, ['id'], { id: ids[0] });
  assert.is(s.hs.stats().nearMisses, misses + 1, 'the first row was evicted');
}));

test('an epoch bump empties that table\'s rows from the near-cache', timed(10_000, async () => {
  const { s } = await nearStorage({ changeFeed: true, epochRefreshMs: 50 });
  const id = await held(s);
  await world.admin.sql.unsafe(`update "${world.schema}".users set name = 'before the bump' where id = $1`, [id]);
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
  await world.admin.redis.incr(epochKey(rt)); // as the outbox listener does for a TRUNCATE
  await raised;
  assert.is(await nameOf(s, id), 'before the bump');
}));

test('nearCache.tables: only the tables named use it', timed(10_000, async () => {
  const { s } = await nearStorage({ nearCache: { maxRows: 10, tables: ['docs'] } });
  const id = nextId++;
  await world.users.save(writer.hs, user(id));
  await world.users.getBy(s.hs, ['id'], { id });
  await world.users.getBy(s.hs, ['id'], { id });
  assert.is(s.hs.stats().nearHits + s.hs.stats().nearMisses, 0, 'users is not in the near-cache');
  await world.docs.save(writer.hs, { id, body: 'b' });
  await world.docs.getBy(s.hs, ['id'], { id });
  assert.is((await world.docs.getBy(s.hs, ['id'], { id }))?.body, 'b');
  assert.is(s.hs.stats().nearHits, 1, 'docs is');
}));

test('ttlMs is a backstop: a row is not served from memory past it', timed(10_000, async () => {
  const { s } = await nearStorage({ nearCache: { maxRows: 10, ttlMs: 50 } });
  const id = await held(s);
  await new Promise((resolve) => setTimeout(resolve, 80));
  const misses = s.hs.stats().nearMisses;
  await world.users.getBy(s.hs, ['id'], { id });
  assert.is(s.hs.stats().nearMisses, misses + 1);
}));

test.run();
