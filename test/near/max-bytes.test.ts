// The near-cache's byte bound (option `nearCache.maxBytes`): each entry weighs an estimate of its heap cost
// (near/entry-weight.ts), the Lru evicts while the sum passes the bound as it does past `maxRows`, and what it holds
// never weighs more than the bound, whatever mix of small and large rows is read. First the Lru alone (no services),
// then a storage over the suite's Redis, its rows of very different sizes, seen through hs.stats().nearBytes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHotStorage, type TestStorageOptions } from '@hotstorage/runtime/testing';
import { Lru } from '../../runtime/src/near/lru.js';
import { entryWeight } from '../../runtime/src/near/entry-weight.js';
import { timed } from '../helpers/timeout.js';
import { Events, nearOf, nearStorage as nearStorageOf, openWorld, user, type Storage, type World } from './world.js';

// ---- the Lru's weights, no services ----

/** An Lru of numbers whose evictions are recorded, and the weight each key was last stored with. */
function weighed(maxEntries: number, maxWeight: number) {
  const evicted: string[] = [];
  const lru = new Lru<number>(maxEntries, maxWeight, (key) => evicted.push(key));
  const weights = new Map<string, number>();
  const set = (key: string, weight: number): boolean => {
    weights.set(key, weight);
    return lru.set(key, weight, weight);
  };
  /** The sum of the held entries' weights, from what the test stored: the Lru's own total must equal it. */
  const heldWeight = () => [...lru.entries()].reduce((sum, [key]) => sum + (weights.get(key) ?? NaN), 0);
  const keys = () => [...lru.entries()].map(([key]) => key);
  return { lru, evicted, set, heldWeight, keys };
}

test('Lru: the weight bound evicts by CLOCK like the count bound, and the total follows set, delete, replace and clear', () => {
  const { lru, evicted, set, heldWeight, keys } = weighed(100, 100);
  set('a', 30);
  set('b', 30);
  set('c', 30);
  assert.is(lru.weight, 90);
  assert.equal(evicted, []);
  set('d', 30); // 120: the hand clears every flag (all new), comes round and evicts the oldest
  assert.equal(evicted, ['a']);
  assert.is(lru.weight, 90);
  lru.get('b'); // used since the hand passed: kept over c and d
  set('e', 50); // 140: c and d go (60 freed), b stays
  assert.equal(evicted, ['a', 'c', 'd']);
  assert.equal(keys(), ['b', 'e']);
  assert.is(lru.weight, 80);
  set('b', 10); // replaced: its old weight leaves the total
  assert.is(lru.weight, 60);
  assert.is(lru.delete('e'), 50);
  assert.is(lru.weight, 10);
  assert.is(lru.weight, heldWeight());
  lru.clear();
  assert.is(lru.weight, 0);
  assert.is(lru.size, 0);
});

test('Lru: an entry heavier than the whole bound is not stored, pushes nothing out, and drops what its key held', () => {
  const { lru, evicted, set, keys } = weighed(100, 100);
  set('a', 40);
  set('b', 40);
  assert.is(set('huge', 101), false);
  assert.equal(keys(), ['a', 'b']);
  assert.equal(evicted, []);
  assert.is(set('a', 101), false, 'a new value of a held key, too heavy');
  assert.equal(keys(), ['b'], 'the old value is not served in place of the new one');
  assert.is(lru.weight, 40);
  assert.is(set('full', 100), true, 'exactly the bound fits');
  assert.equal(keys(), ['full']);
  assert.is(lru.weight, 100);
});

test('Lru: a kept entry (slot) is served by reuse only while it is still the map\'s: delete, eviction, replacement and clear end it', () => {
  const { lru, evicted } = weighed(2, Number.POSITIVE_INFINITY);
  lru.set('a', 1);
  const a = lru.slot('a');
  assert.ok(a !== undefined);
  assert.is(lru.reuse(a), 1);
  lru.set('a', 2); // replaced: the old entry is gone, the new one is found by key
  assert.is(lru.reuse(a), undefined);
  const a2 = lru.slot('a');
  assert.ok(a2 !== undefined);
  assert.is(lru.reuse(a2), 2);
  lru.delete('a');
  assert.is(lru.reuse(a2), undefined);
  lru.set('b', 3);
  const b = lru.slot('b');
  assert.ok(b !== undefined);
  for (const key of ['c', 'd', 'e', 'f']) lru.set(key, 4); // over two entries: the hand evicts b among others
  assert.ok(evicted.includes('b'), `evicted ${evicted.join(',')}`);
  assert.is(lru.reuse(b), undefined);
  const f = lru.slot('f');
  assert.ok(f !== undefined);
  assert.is(lru.reuse(f), 4);
  lru.clear();
  assert.is(lru.reuse(f), undefined);
  // Another map's entry is never this one's.
  const other = weighed(2, Number.POSITIVE_INFINITY).lru;
  other.set('x', 9);
  const x = other.slot('x');
  assert.ok(x !== undefined);
  assert.is(lru.reuse(x), undefined);
});

test('Lru: both bounds hold together; the weight never passes its bound over random sets, gets and deletes', () => {
  const { lru, set, heldWeight } = weighed(3, 1000);
  for (let i = 0; i < 5; i++) set(`small${i}`, 1);
  assert.is(lru.size, 3, 'the count bound alone');
  assert.is(lru.weight, 3);

  const random = weighed(50, 500);
  let seed = 42;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let op = 0; op < 20_000; op++) {
    const key = `k${next(80)}`;
    const choice = next(10);
    if (choice < 5) random.set(key, 1 + next(next(4) === 0 ? 200 : 30));
    else if (choice < 9) random.lru.get(key);
    else random.lru.delete(key);
    assert.ok(random.lru.weight <= 500, `held ${random.lru.weight} > 500 after op ${op}`);
    assert.ok(random.lru.size <= 50);
    if (random.lru.weight !== random.heldWeight()) assert.unreachable(`total ${random.lru.weight}, held entries weigh ${random.heldWeight()} (op ${op})`);
  }
});

// ---- a storage over Redis, rows of very different sizes ----

let world: World;
let writer: Storage;
let nextId = 1;

test.before(async () => {
  world = await openWorld('nearbytes');
  writer = await world.storage();
});
test.after(async () => {
  await world.close();
});

/** A storage with the near-cache; no heartbeat during the test (a late one on a loaded machine would empty it). */
function nearStorage(nearCache: { maxRows: number; maxBytes?: number }): Promise<{ s: Storage; events: Events }> {
  return nearStorageOf(world, { nearCache: { heartbeatMs: 60_000, ...nearCache } });
}

/** A new row whose name is `chars` long: its stored value, and so its entry's weight, grows with it. */
async function saved(chars: number): Promise<number> {
  const id = nextId++;
  await world.users.save(writer.hs, user(id, { name: 'x'.repeat(chars) }));
  return id;
}

const read = (s: Storage, id: number) => world.users.getBy(s.hs, ['id'], { id });

/** Reads the row until a read of it is a near hit (held), checking the byte bound after every read. */
async function hold(s: Storage, id: number, maxBytes: number): Promise<void> {
  for (let tries = 1; ; tries++) {
    const hits = s.hs.stats().nearHits;
    assert.ok((await read(s, id)) !== undefined);
    const { nearBytes } = s.hs.stats();
    assert.ok(nearBytes <= maxBytes, `the near-cache holds an estimated ${nearBytes} bytes, over maxBytes ${maxBytes}`);
    if (s.hs.stats().nearHits === hits + 1) return;
    if (tries === 100) assert.unreachable(`row ${id} is never served from the near-cache (100 reads)`);
  }
}

/** Is the row held? A read that is a near hit (it is then held still: a hit changes nothing but its flag). */
async function isHeld(s: Storage, id: number): Promise<boolean> {
  const hits = s.hs.stats().nearHits;
  await read(s, id);
  return s.hs.stats().nearHits === hits + 1;
}

test('nearCache.maxBytes is checked: a positive integer', timed(10_000, async () => {
  for (const maxBytes of [0, -1, 1.5, Number.NaN, '1000' as unknown as number]) {
    try {
      await createHotStorage({ db: writer.hs as never, redis: world.admin.redis, nearCache: { maxRows: 10, maxBytes } } as TestStorageOptions);
      assert.unreachable(`accepted maxBytes ${String(maxBytes)}`);
    } catch (error) {
      assert.match((error as Error).message, /option `nearCache\.maxBytes`/);
    }
  }
}));

test('an entry weighs its estimate (2 a character of key and value, plus 240); stats().nearBytes follows reads and invalidations', timed(10_000, async () => {
  const { s, events } = await nearStorage({ maxRows: 100 });
  const id = await saved(1000);
  await hold(s, id, Infinity);
  const [key] = await world.admin.redis.keys(`${world.prefix}users@*:{${id}}`);
  const value = key === undefined ? null : await world.admin.redis.get(key);
  assert.ok(key !== undefined && value !== null);
  assert.is(s.hs.stats().nearBytes, entryWeight(key, value));
  assert.ok(s.hs.stats().nearBytes > 2000, 'a 1,000-character name weighs over 2,000 bytes');
  const invalidated = events.next((e) => e.type === 'nearInvalidation');
  await world.users.save(writer.hs, user(id, { name: 'changed' }));
  await invalidated;
  assert.is(s.hs.stats().nearBytes, 0);
}));

test('with maxBytes, the held total never passes it: big rows push small ones out, counted as evictions', timed(30_000, async () => {
  const maxBytes = 20_000;
  const { s } = await nearStorage({ maxRows: 1000, maxBytes });
  const small: number[] = [];
  for (let i = 0; i < 20; i++) small.push(await saved(10));
  for (const id of small) await hold(s, id, maxBytes);
  const smallBytes = s.hs.stats().nearBytes;
  assert.is(nearOf(s.hs)?.cache.size, 20, 'twenty small rows fit');
  assert.is(s.hs.stats().nearEvictions, 0);
  assert.ok(smallBytes < maxBytes / 2, `twenty small rows weigh ${smallBytes}`);

  // Each big row (a 4,000-character name: over 8 KB estimated) needs room the small rows give up.
  const big: number[] = [];
  for (let i = 0; i < 4; i++) big.push(await saved(4000));
  for (const id of big) await hold(s, id, maxBytes);
  const stats = s.hs.stats();
  assert.ok(stats.nearEvictions > 0, 'the big rows evicted others');
  assert.ok(stats.nearBytes <= maxBytes);
  const size = nearOf(s.hs)?.cache.size ?? 0;
  assert.ok(size < 20, `${size} entries held: the big rows pushed small ones out`);
  assert.ok(await isHeld(s, big[3] ?? 0), 'the big row read last is held');
  let smallHeld = 0;
  for (const id of small) if (await isHeld(s, id)) smallHeld += 1;
  assert.ok(smallHeld < small.length, 'some small rows were evicted');
  assert.ok(s.hs.stats().nearBytes <= maxBytes);
}));

test('a row estimated over maxBytes alone is not kept (nearOversized), and evicts nothing', timed(10_000, async () => {
  const maxBytes = 20_000;
  const { s } = await nearStorage({ maxRows: 1000, maxBytes });
  const id = await saved(100);
  await hold(s, id, maxBytes);
  const before = s.hs.stats();
  const huge = await saved(12_000); // ~24 KB estimated
  for (let i = 0; i < 3; i++) assert.is((await read(s, huge))?.name.length, 12_000);
  const after = s.hs.stats();
  assert.is(after.nearHits, before.nearHits, 'never served from memory');
  assert.ok(after.nearOversized >= 1, 'counted');
  assert.is(after.nearEvictions, before.nearEvictions, 'nothing was pushed out for it');
  assert.is(after.nearBytes, before.nearBytes);
  assert.ok(await isHeld(s, id), 'the small row is still held');
}));

test('maxRows and maxBytes together: whichever is reached first bounds the near-cache', timed(30_000, async () => {
  const maxBytes = 20_000;
  const { s } = await nearStorage({ maxRows: 5, maxBytes });
  for (let i = 0; i < 10; i++) await hold(s, await saved(10), maxBytes);
  assert.is(nearOf(s.hs)?.cache.size, 5, 'small rows: the count bound');
  assert.is(s.hs.stats().nearEvictions, 5);
  assert.ok(s.hs.stats().nearBytes < maxBytes / 2);
  for (let i = 0; i < 3; i++) await hold(s, await saved(4000), maxBytes);
  // Three big rows weigh over 25,000 together: the byte bound, not the count, keeps one of them (at least) out.
  const { nearBytes, nearEvictions } = s.hs.stats();
  const size = nearOf(s.hs)?.cache.size ?? 0;
  assert.ok(size <= 5 && nearBytes <= maxBytes, `${size} entries, ${nearBytes} bytes`);
  assert.is(nearEvictions, 13 - size, 'every entry not held was evicted, counted');
}));

test.run();
