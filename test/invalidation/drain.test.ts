// listener.drain() is what a caller (a test, a deploy step) awaits before trusting that raw writes already committed
// are invalidated. The listener also drains in the background on every NOTIFY; when that drain has taken an entry
// (locked it: the drains use SKIP LOCKED) and is still invalidating it, drain() must wait for it instead of finding
// the outbox empty and resolving before the invalidation landed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import type { HotStorage, Listener } from '@hotstorage/runtime';
import { startRelay, type Relay } from '../helpers/relay.js';
import { REDIS_URL } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';
import { emailOf, eventually, openWorld, type World } from './world.js';

let world: World;
let relay: Relay;
let redis: Redis;
let hs: HotStorage;
let listener: Listener;

test.before(async () => {
  world = await openWorld('inval_drain');
  // The relay holds only this storage's connection (the listener invalidates through it); Redis itself is untouched.
  relay = await startRelay(Number(new URL(REDIS_URL).port || 6379));
  redis = new Redis(`redis://127.0.0.1:${relay.port}`, { maxRetriesPerRequest: 1 });
  ({ hs } = await world.storage({ redis, commandTimeoutMs: 20_000 }));
  listener = await hs.listen({ pollIntervalMs: 60_000 }); // woken by NOTIFY only: the poll stays out of the way
});

test.after(async () => {
  relay.release();
  await listener.stop();
  await world.close();
  redis.disconnect();
  await relay.close();
});

/**
 * The outbox holds one entry and a drain has deleted it, not yet committed. Read from xmax, without taking a lock: a
 * probe that locked the row (FOR UPDATE SKIP LOCKED) could make the listener's own SKIP LOCKED pass it by.
 */
async function takenByTheListener(): Promise<boolean> {
  const [row] = await world.admin.sql.unsafe<{ total: number; taken: number }[]>(
    `select count(*)::int as total, (count(*) filter (where xmax::text <> '0'))::int as taken from "${world.feed}".outbox`);
  return row?.total === 1 && row.taken === 1;
}

const delay = (ms: number) => new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), ms));

test('drain() resolves only after the background drain under way has invalidated what it took', timed(30_000, async () => {
  await world.hot.items.save(hs, { id: 1, email: emailOf(1), name: 'cached' });
  await listener.drain(); // the save's own entry: skipped, gone
  assert.is((await world.hot.items.getBy(hs, ['id'], { id: 1 }))?.name, 'cached');
  const rowKeys = await world.admin.redis.keys(`${world.prefix}items@*:{1}`);
  assert.is(rowKeys.length, 1, `the row is cached: ${rowKeys.join(', ')}`);
  const [rowKey = ''] = rowKeys;

  relay.hold();
  try {
    await world.admin.sql.unsafe(`update "${world.schema}".items set name = 'raw' where id = 1`);
    // The NOTIFY wakes the background drain: it deletes (locks) the entry, then waits on Redis behind the relay.
    await eventually(takenByTheListener, 'the background drain to take the entry');

    const drained = listener.drain().then(() => 'drained' as const);
    assert.is(await Promise.race([drained, delay(500)]), 'waiting', 'drain() waits while the entry it cannot take is being invalidated');
    assert.is(await world.admin.redis.exists(rowKey), 1, 'the stale row is still cached while Redis is held');

    relay.release();
    assert.is(await drained, 'drained');
    assert.is(await world.admin.redis.get(rowKey), null, 'the row is invalidated by the time drain() resolves');
  } finally {
    relay.release(); // a failed assertion must not leave the next test behind a held relay
  }
  assert.is((await world.hot.items.getBy(hs, ['id'], { id: 1 }))?.name, 'raw');
}));

test('a NOTIFY that arrives while a drain is busy is not lost: one more drain follows it, without waiting for the poll', timed(30_000, async () => {
  for (const id of [3, 4]) await world.hot.items.save(hs, { id, email: emailOf(id), name: 'cached' });
  await listener.drain();
  relay.hold();
  try {
    await world.admin.sql.unsafe(`update "${world.schema}".items set name = 'raw' where id = 3`);
    await eventually(takenByTheListener, 'the background drain to take the first entry');
    await world.admin.sql.unsafe(`update "${world.schema}".items set name = 'raw' where id = 4`);
    await delay(200); // its NOTIFY reaches the listener while the first drain is still held
  } finally {
    relay.release();
  }
  await eventually(async () => (await world.hot.items.getBy(hs, ['id'], { id: 4 }))?.name === 'raw', 'the second raw write is invalidated (the poll is a minute away)');
  assert.is((await world.hot.items.getBy(hs, ['id'], { id: 3 }))?.name, 'raw');
}));

test.run();
