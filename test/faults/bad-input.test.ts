// Bad input: arguments an untyped caller may pass (refused before any I/O: no Redis command, no SQL), rows too large
// to cache (served whole from Postgres, never truncated), values in Redis that hotstorage did not write (a miss,
// repaired, counted), and two applications sharing one Redis under different prefixes (neither touches the other).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KeyUsageError, KeyValueError } from '@hotstorage/runtime';
import { timed } from '../helpers/timeout.js';
import { audit, commandsProcessed, dumpPrefix, openWorld, until, user, type Storage, type World } from './world.js';

let world: World;
let s: Storage;
let nextId = 1;

test.before(async () => {
  world = await openWorld('badinput', { persist: true }); // the prefix test restarts Redis and compares what it held
  s = await world.storage();
});
test.after(async () => {
  await world.close();
});

/** What an untyped caller reaches: the accessors with their parameter types erased. */
type Untyped = Record<'getBy' | 'getManyByIdentity' | 'save' | 'update' | 'remove', (...args: unknown[]) => Promise<unknown>>;

const calls: [string, typeof KeyUsageError | typeof KeyValueError, (u: Untyped) => Promise<unknown>][] = [
  ['getBy id NaN', KeyValueError, (u) => u.getBy(s.hs, ['id'], { id: Number.NaN })],
  ['getBy id as an object', KeyValueError, (u) => u.getBy(s.hs, ['id'], { id: { id: 1 } })],
  ['getBy id undefined', KeyUsageError, (u) => u.getBy(s.hs, ['id'], { id: undefined })],
  ['getBy id as a string (untyped caller)', KeyValueError, (u) => u.getBy(s.hs, ['id'], { id: '1' })],
  ['getBy id fractional', KeyValueError, (u) => u.getBy(s.hs, ['id'], { id: 1.5 })],
  ['getBy id as a bigint', KeyValueError, (u) => u.getBy(s.hs, ['id'], { id: 1n })],
  ['getBy email as a number', KeyValueError, (u) => u.getBy(s.hs, ['email'], { email: 5 })],
  ['getBy email with U+0000 (Postgres text cannot hold it)', KeyValueError, (u) => u.getBy(s.hs, ['email'], { email: 'a\u0000b' })],
  ['getBy composite key with a column missing', KeyUsageError, (u) => u.getBy(s.hs, ['tenantId', 'slug'], { tenantId: 1 })],
  ['getBy a key list that is not a key', KeyUsageError, (u) => u.getBy(s.hs, ['name'], { name: 'x' })],
  ['getBy part of a composite key', KeyUsageError, (u) => u.getBy(s.hs, ['slug'], { slug: 'x' })],
  ['getBy a key list that is a string', KeyUsageError, (u) => u.getBy(s.hs, 'id', { id: 1 })],
  ['getBy an empty key list', KeyUsageError, (u) => u.getBy(s.hs, [], {})],
  ['getBy values null', KeyUsageError, (u) => u.getBy(s.hs, ['id'], null)],
  ['getBy values a number', KeyUsageError, (u) => u.getBy(s.hs, ['id'], 1)],
  ['getManyByIdentity of an object', KeyUsageError, (u) => u.getManyByIdentity(s.hs, { id: 1 })],
  ['getManyByIdentity with a null identity', KeyUsageError, (u) => u.getManyByIdentity(s.hs, [{ id: 1 }, null])],
  ['getManyByIdentity with one NaN among good ids', KeyValueError, (u) => u.getManyByIdentity(s.hs, [{ id: 1 }, { id: Number.NaN }])],
  ['save null', KeyUsageError, (u) => u.save(s.hs, null)],
  ['save with id NaN', KeyValueError, (u) => u.save(s.hs, { ...user(1), id: Number.NaN })],
  ['save with id as a string', KeyValueError, (u) => u.save(s.hs, { ...user(1), id: '1' })],
  ['update with identity NaN', KeyValueError, (u) => u.update(s.hs, { id: Number.NaN }, { name: 'x' })],
  ['update with a patch that is not an object', KeyUsageError, (u) => u.update(s.hs, { id: 1 }, 'name=x')],
  ['update moving the identity to NaN', KeyValueError, (u) => u.update(s.hs, { id: 1 }, { id: Number.NaN })],
  ['remove undefined', KeyUsageError, (u) => u.remove(s.hs, undefined)],
  ['remove with no identity value', KeyUsageError, (u) => u.remove(s.hs, {})],
];

for (const [name, expected, call] of calls) {
  test(`bad input refused before any I/O (no Redis command, no SQL): ${name}`, timed(10_000, async () => {
    const before = await commandsProcessed(world.admin.redis);
    const sqlBefore = s.queries.length;
    const error = await call(world.users as unknown as Untyped).then(() => undefined, (e: unknown) => e);
    assert.instance(error, expected);
    assert.match((error as Error).message, /users/, 'the message names the table');
    assert.is(await commandsProcessed(world.admin.redis), before + 1, 'no command but the INFO that counts them');
    assert.is(s.queries.length, sqlBefore);
  }));
}

test('a row over maxRowBytes (a 2 MB text) is saved and read back whole from Postgres; Redis holds only the oversized marker', timed(20_000, async () => {
  const id = nextId++;
  const body = 'é'.repeat(1024 * 1024); // 1 Mi characters, 2 MiB in UTF-8
  const saved = await world.docs.save(s.hs, { id, body });
  assert.is(saved.body.length, body.length);
  assert.is(s.hs.stats().oversized, 1);
  const sqlBefore = s.queries.length;
  const statsBefore = s.hs.stats();
  const read = await world.docs.getBy(s.hs, ['id'], { id });
  assert.ok(read?.body === body, 'the whole row, not a truncated one');
  assert.is(s.queries.length - sqlBefore, 1, 'served from Postgres');
  const [many] = await world.docs.getManyByIdentity(s.hs, [{ id }]);
  assert.ok(many?.body === body);
  const statsAfter = s.hs.stats();
  assert.is(statsAfter.corrupt - statsBefore.corrupt, 0, 'the marker is not a corrupt value: never deleted by a read');
  assert.is(statsAfter.fills - statsBefore.fills, 0, 'nor leased and filled again');
  const dump = await dumpPrefix(world.admin.redis, world.prefix);
  const rowKey = Object.keys(dump).find((key) => key.startsWith(`${world.prefix}docs@`) && key.endsWith(`:{${id}}`));
  assert.ok(rowKey !== undefined);
  assert.is(dump[rowKey], '~hotstorage:oversized');
  assert.ok(Object.values(dump).every((value) => typeof value !== 'string' || value.length < 1024 * 1024), 'no truncated copy anywhere');
  // Written again small, the row is cached as usual (the marker is replaced under the writer's lease).
  await world.docs.save(s.hs, { id, body: 'small' });
  const hitSql = s.queries.length;
  assert.is((await world.docs.getBy(s.hs, ['id'], { id }))?.body, 'small');
  assert.is(s.queries.length, hitSql, 'a hit');
}));

test('a large row found by a read (not a write) is not filled either: the fill stores the marker; lookups by a unique key read Postgres', timed(20_000, async () => {
  const id = nextId++;
  const name = 'n'.repeat(3 * 1024 * 1024);
  await world.admin.sql.unsafe(`insert into "${world.schema}".users (id, email, tenant_id, slug, name) values ($1, $2, 1, $3, $4)`, [id, `big${id}@x.io`, `big${id}`, name]);
  const before = s.hs.stats().oversized;
  assert.ok((await world.users.getBy(s.hs, ['id'], { id }))?.name === name);
  assert.is(s.hs.stats().oversized - before, 1);
  assert.ok((await world.users.getBy(s.hs, ['email'], { email: `big${id}@x.io` }))?.name === name);
  assert.ok((await world.users.getBy(s.hs, ['tenantId', 'slug'], { tenantId: 1, slug: `big${id}` }))?.name === name);
  const small = await storageWithLimit(4096);
  assert.is((await world.users.getBy(small.hs, ['id'], { id }))?.name.length, name.length);
  await audit(world, s, [id]);
}));

async function storageWithLimit(maxRowBytes: number): Promise<Storage> {
  return world.storage({ maxRowBytes });
}

test('maxRowBytes is an option: rows over it are not cached, rows under it are', timed(10_000, async () => {
  const small = await storageWithLimit(200);
  const a = nextId++;
  const b = nextId++;
  await world.users.save(small.hs, user(a, { name: 'x'.repeat(300) }));
  await world.users.save(small.hs, user(b));
  const dump = await dumpPrefix(world.admin.redis, world.prefix);
  const value = (id: number) => dump[Object.keys(dump).find((key) => key.startsWith(`${world.prefix}users@`) && key.endsWith(`:{${id}}`)) ?? ''];
  assert.is(value(a), '~hotstorage:oversized');
  assert.match(String(value(b)), /^\["hs1",/);
}));

const foreign: [string, (redis: World['admin']['redis'], key: string) => Promise<unknown>][] = [
  ['garbage text', (redis, key) => redis.set(key, '\u0001garbage')],
  ['JSON of another program', (redis, key) => redis.set(key, '{"id":1,"name":"other"}')],
  ['a row of another shape (a column fewer)', (redis, key) => redis.set(key, '["hs1",1,"u1@example.com",1,"s1","other"]')],
  ['a row of another codec version', (redis, key) => redis.set(key, '["hs0",1,"u1@example.com",1,"s1","other",0]')],
  ['a value that is not a string (a list)', async (redis, key) => {
    await redis.del(key);
    return redis.rpush(key, 'a', 'b');
  }],
  ['a value that is not a string (a hash)', async (redis, key) => {
    await redis.del(key);
    return redis.hset(key, 'id', '1');
  }],
];

for (const [what, write] of foreign) {
  test(`a row key holding ${what}: a miss answered from Postgres, repaired, counted; the next read is a hit`, timed(10_000, async () => {
    const id = nextId++;
    await world.users.save(s.hs, user(id));
    const key = Object.keys(await dumpPrefix(world.admin.redis, world.prefix)).find((k) => k.startsWith(`${world.prefix}users@`) && k.endsWith(`:{${id}}`)) ?? '';
    await write(world.admin.redis, key);
    const before = s.hs.stats();
    assert.equal(await world.users.getBy(s.hs, ['id'], { id }), user(id));
    assert.equal(await world.users.getBy(s.hs, ['email'], { email: `u${id}@example.com` }), user(id));
    const after = s.hs.stats();
    assert.ok(after.corrupt > before.corrupt, 'counted');
    const sqlBefore = s.queries.length;
    assert.equal(await world.users.getBy(s.hs, ['id'], { id }), user(id));
    assert.is(s.queries.length, sqlBefore, 'repaired: the next read is a hit');
    await audit(world, s, [id]);
  }));
}

test('a pointer holding garbage, naming another row or not a string never leads a lookup astray (a foreign value is dropped)', timed(10_000, async () => {
  const a = nextId++;
  const b = nextId++;
  await world.users.save(s.hs, user(a));
  await world.users.save(s.hs, user(b));
  const pointer = Object.keys(await dumpPrefix(world.admin.redis, world.prefix)).find((k) => k.endsWith(`:email=u${a}%40example%2Ecom`)) ?? '';
  for (const value of ['}garbage{', String(b), '']) {
    await world.admin.redis.set(pointer, value);
    assert.equal(await world.users.getBy(s.hs, ['email'], { email: `u${a}@example.com` }), user(a));
  }
  await world.admin.redis.del(pointer);
  await world.admin.redis.sadd(pointer, 'not a string');
  assert.equal(await world.users.getBy(s.hs, ['email'], { email: `u${a}@example.com` }), user(a));
  assert.is.not(await world.admin.redis.type(pointer), 'set', 'the foreign value was dropped');
  await audit(world, s, [a, b]);
}));

test('two applications with different prefixes on one Redis never touch each other\'s keys', timed(20_000, async () => {
  const appB = await world.storage({}, {}, `${world.prefix}a:b:`);
  const appA = await world.storage({ repairIntervalMs: 60_000 }, {}, `${world.prefix}a:`);
  const ids = [nextId++, nextId++, nextId++];
  for (const id of ids) await world.users.save(appB.hs, user(id));
  await world.users.getBy(appB.hs, ['id'], { id: 999_999 }); // a cached absence
  await world.users.getBy(appB.hs, ['email'], { email: `u${ids[0]}@example.com` });
  const dumpB = await dumpPrefix(world.admin.redis, `${world.prefix}a:b:`);
  assert.ok(Object.keys(dumpB).length > 5);
  // Application A writes, reads, removes, runs a transaction and repairs the same rows (same schema, same ids).
  const [x = 0, y = 0, z = 0] = ids;
  await world.users.save(appA.hs, user(x, { name: 'by A' }));
  await world.users.update(appA.hs, { id: y }, { email: `moved${y}@x.io` });
  await world.users.remove(appA.hs, { id: z });
  await world.users.getManyByIdentity(appA.hs, [{ id: x }, { id: y }, { id: z }, { id: 999_999 }]);
  await world.users.getBy(appA.hs, ['tenantId', 'slug'], { tenantId: 1, slug: `s${x}` });
  await appA.hs.transaction(async (tx) => {
    await world.users.update(tx, { id: x }, { version: 7 });
  });
  await world.server.stop();
  try {
    await world.users.save(appA.hs, user(x, { name: 'during outage' })); // queued for repair under A
  } finally {
    await world.server.start();
  }
  await until(async () => (await appA.hs.flushRepairs()) === 0, 'A\'s repairs once its client reconnects');
  assert.equal(await dumpPrefix(world.admin.redis, `${world.prefix}a:b:`), dumpB);
  const keysA = Object.keys(await dumpPrefix(world.admin.redis, `${world.prefix}a:`)).filter((key) => !key.startsWith(`${world.prefix}a:b:`));
  assert.ok(keysA.length > 5, 'A has keys of its own');
}));

test.run();
