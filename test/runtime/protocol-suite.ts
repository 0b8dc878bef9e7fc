// The read and write paths on real Redis and Postgres, through the generated accessors of ./hot/: first the keys and
// commands each call sends (and what it costs: Redis round trips, SQL statements), then the behaviour.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { drizzle } from 'drizzle-orm/postgres-js';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import postgres from 'postgres';
import { rowCodecFor } from '../../runtime/src/codecs/row-codec.js';
import { KeyValueError } from '../../runtime/src/errors.js';
import { shapeHash, tableTag } from '../../runtime/src/table/keys.js';
import { defineTable, ServiceUnavailableError, SpecMismatchError } from '@hotstorage/runtime';
import { createHotStorage } from '@hotstorage/runtime/testing';
import type { Driver } from '../helpers/drivers.js';
import { connectPostgres, DATABASE_URL } from '../helpers/services.js';
import { freePort } from '../helpers/redis-server.js';
import { timed } from '../helpers/timeout.js';
import { openHarness, SHARED_REDIS, type Harness, type Storage, type TargetSource } from './harness.js';
import * as db from './db/schema.js';
import { accounts, memberships, tags, users } from './hot/index.js';

const test = suite('protocol');
let source: TargetSource = async () => SHARED_REDIS;
let driver: Driver = 'postgres-js';
let h: Harness;
let s: Storage;
let nextId = 1000;

/**
 * The suite on a target and over a driver: test/runtime/protocol.test.ts (one Redis, postgres.js),
 * protocol.node-postgres.test.ts (node-postgres), test/cluster/accessors.test.ts (a cluster).
 */
export function protocolSuite(target: TargetSource, over: Driver = 'postgres-js') {
  source = target;
  driver = over;
  return test;
}

test.before(async () => {
  h = await openHarness('protocol', await source(), driver);
  s = await h.storage();
});
test.after(async () => {
  await h.close();
});

function user(id: number, over: Partial<{ email: string; tenantId: number; slug: string; name: string; version: number }> = {}) {
  return { id, email: `u${id}@example.com`, tenantId: 1, slug: `s${id}`, name: `user ${id}`, version: 0, ...over };
}

/**
 * On a cluster a row's pointers live in other slots than the row (runtime/README.md, "Redis Cluster"): a row script
 * cannot write them, so a write or a fill sends them in one more round trip, and a unique lookup is GET of the pointer,
 * then GET of the row, instead of one script (no remembered hint either). The costs below differ there, and only there.
 */
const onCluster = () => h.target.kind === 'cluster';

/** Plain writes a cluster sends after a row script (single-Redis scripts write pointers themselves). */
const pointerWrite = (command: readonly string[]) => command[0] === 'set' || command[0] === 'sadd' || command[0] === 'srem';

/** The pointers a call SET (key and the row's tag), sorted. */
const pointersSet = (commands: readonly (readonly string[])[]) => commands.filter((c) => c[0] === 'set').map((c) => `${c[1]} ${c[2]}`).sort();

/** Commands as sorted text: on a cluster each node's MONITOR keeps its own order, not the order across nodes. */
const unordered = (commands: readonly (readonly string[])[]) => commands.map((c) => c.join(' ')).sort();

/** Runs `body` and returns what it cost: commands seen by MONITOR, our round-trip count and postgres.js's statements. */
async function cost<T>(body: () => Promise<T>): Promise<{ result: T; commands: string[][]; roundTrips: number; sql: string[] }> {
  const before = s.hs.stats().redisRoundTrips;
  const sqlBefore = s.queries.length;
  let result: T | undefined;
  const commands = await h.record(async () => {
    result = await body();
  });
  return { result: result as T, commands, roundTrips: s.hs.stats().redisRoundTrips - before, sql: s.queries.slice(sqlBefore) };
}

async function rowKeyOf(id: number): Promise<string> {
  const keys = Object.keys(await h.dump());
  const key = keys.find((k) => k.startsWith(`${h.prefix}users@`) && k.endsWith(`:{${id}}`));
  assert.ok(key, `no row key for user ${id} in ${keys.join(', ')}`);
  return key;
}

test('save writes the row and its pointers under the documented keys, and nothing else', timed(30_000, async () => {
  const id = nextId++;
  const saved = await users.save(s.hs, user(id, { email: 'a:b{c}=d%e@x.io' }));
  assert.equal(saved, user(id, { email: 'a:b{c}=d%e@x.io' }));
  const dump = await h.dump();
  const row = await rowKeyOf(id);
  const base = row.slice(0, row.indexOf(':{'));
  const shape = shapeHash({ signature: rowCodecFor(db.users).signature, identity: ['id'], uniqueKeys: [['email'], ['tenantId', 'slug']] });
  assert.is(base, `${h.prefix}users@${tableTag('public', 'users', shape)}`, 'Drizzle sees the table in schema public (the search_path picks the suite\'s)');
  const email = `${base}:email=a%3Ab%7Bc%7D%3Dd%25e%40x%2Eio`;
  const tenantSlug = `${base}:tenant_id=1:slug=s${id}`;
  assert.equal(
    Object.fromEntries(Object.entries(dump).filter(([k]) => k.includes(`{${id}}`) || dump[k] === String(id))),
    { [email]: String(id), [tenantSlug]: String(id), [row]: `["hs1",${id},"a:b{c}=d%e@x.io",1,"s${id}","user ${id}",0]` },
  );
  assert.is(await h.redis.exists(`${row}:lease`), 0, 'the writer lease is gone after the write');
}));

test('a hit by primary key is one round trip (a plain GET of the row key, no script) and no SQL', timed(30_000, async () => {
  const id = nextId++;
  await users.save(s.hs, user(id));
  const row = await rowKeyOf(id);
  const { result, commands, roundTrips, sql } = await cost(() => users.getByPk(s.hs, id));
  assert.equal(result, user(id));
  assert.is(roundTrips, 1);
  assert.equal(commands, [['get', row]]);
  assert.equal(sql, []);
}));

test('a miss by primary key: the GET finds nothing, read-row takes the lease, one SELECT, one fill script; the next read is a hit', timed(30_000, async () => {
  const id = nextId++;
  await h.admin.sql.unsafe(`insert into "${h.schema}".users (id, email, tenant_id, slug, name) values (${id}, 'm${id}@x.io', 1, 'm${id}', 'm')`);
  const { result, commands: sent, roundTrips, sql } = await cost(() => users.getByPk(s.hs, id));
  assert.equal(result, { id, email: `m${id}@x.io`, tenantId: 1, slug: `m${id}`, name: 'm', version: 0 });
  assert.is(roundTrips, onCluster() ? 4 : 3, 'on a cluster the filled row\'s pointers take one more round trip');
  const row = await rowKeyOf(id);
  const base = row.slice(0, row.indexOf(':{'));
  assert.equal(pointersSet(sent), onCluster() ? [`${base}:email=m${id}%40x%2Eio ${id}`, `${base}:tenant_id=1:slug=m${id} ${id}`] : []);
  const commands = sent.filter((c) => !pointerWrite(c));
  assert.is(commands.length, 3);
  assert.is(commands[0]?.[0], 'get');
  assert.is(commands[1]?.[1], '2'); // read-row: row + lease
  assert.is(commands[2]?.[1], '2'); // fill: row + lease
  assert.is(sql.length, 1);
  // unqualified: the suite's search_path, not the statement, picks the schema
  assert.match(sql[0] ?? '', /^select .* from "users" where "users"\."id" = \$1 limit \$2$/);
  const again = await cost(() => users.getByPk(s.hs, id));
  assert.is(again.roundTrips, 1);
  assert.equal(again.sql, []);
}));

test('a hit by a unique key is one round trip (the read-pointer script, then a GET of the remembered row) and no SQL; composite keys too', timed(30_000, async () => {
  const id = nextId++;
  await users.save(s.hs, user(id, { tenantId: 7, slug: 'x:y' }));
  const byEmail = await cost(() => users.getByEmail(s.hs, `u${id}@example.com`));
  assert.equal(byEmail.result, user(id, { tenantId: 7, slug: 'x:y' }));
  if (onCluster()) {
    // Two round trips, never more: GET of the pointer on its node, then GET of the row on the row's node; every time.
    const row = await rowKeyOf(id);
    const base = row.slice(0, row.indexOf(':{'));
    const again = await cost(() => users.getByEmail(s.hs, `u${id}@example.com`));
    const composite = await cost(() => users.getByTenantIdAndSlug(s.hs, { tenantId: 7, slug: 'x:y' }));
    assert.equal(again.result, byEmail.result);
    assert.is(composite.result?.id, id);
    for (const [lookup, pointer] of [[byEmail, `${base}:email=u${id}%40example%2Ecom`], [again, `${base}:email=u${id}%40example%2Ecom`], [composite, `${base}:tenant_id=7:slug=x%3Ay`]] as const) {
      assert.is(lookup.roundTrips, 2);
      assert.equal(unordered(lookup.commands), unordered([['get', pointer], ['get', row]]));
      assert.equal(lookup.sql, []);
    }
    return;
  }
  assert.is(byEmail.roundTrips, 1);
  assert.is(byEmail.commands.length, 1);
  assert.equal(byEmail.commands[0]?.slice(0, 2), ['script', '2']);
  assert.is(byEmail.commands[0]?.[3], `${byEmail.commands[0]?.[2]}:lease`);
  assert.match(byEmail.commands[0]?.[2] ?? '', /:email=u\d+%40example%2Ecom$/);
  assert.equal(byEmail.sql, []);
  const again = await cost(() => users.getByEmail(s.hs, `u${id}@example.com`));
  assert.equal(again.result, byEmail.result);
  assert.is(again.roundTrips, 1);
  assert.equal(again.commands, [['get', await rowKeyOf(id)]], 'the pointer named this row last time: a plain GET of it');
  assert.equal(again.sql, []);
  const composite = await cost(() => users.getByTenantIdAndSlug(s.hs, { tenantId: 7, slug: 'x:y' }));
  assert.is(composite.result?.id, id);
  assert.is(composite.roundTrips, 1);
  assert.match(composite.commands[0]?.[2] ?? '', /:tenant_id=7:slug=x%3Ay$/);
  assert.equal(composite.sql, []);
}));

test('a miss by a unique key: pointer lease, SELECT by that key, row lease, SELECT by identity, fill, release', timed(30_000, async () => {
  const id = nextId++;
  await h.admin.sql.unsafe(`insert into "${h.schema}".users (id, email, tenant_id, slug, name) values (${id}, 'um${id}@x.io', 1, 'um${id}', 'um')`);
  const miss = await cost(() => users.getByEmail(s.hs, `um${id}@x.io`));
  assert.is(miss.result?.id, id);
  // cluster: GET pointer, take its lease, read-row, fill, the pointers, release
  assert.is(miss.roundTrips, onCluster() ? 6 : 4);
  if (!onCluster()) assert.equal(miss.commands.map((c) => c[1]), ['2', '2', '2', '1']); // read-pointer, read-row, fill, release the pointer lease
  const release = onCluster() ? miss.commands.find((c) => c[0] === 'script' && c[1] === '1') : miss.commands[3];
  assert.match(release?.[2] ?? '', /:email=um\d+%40x%2Eio:lease$/);
  assert.is(miss.sql.length, 2, 'by the unique key, then by the identity under the row lease');
  assert.match(miss.sql[0] ?? '', /from "users" where "users"\."email" = \$1 limit \$2$/);
  assert.match(miss.sql[1] ?? '', /from "users" where "users"\."id" = \$1 limit \$2$/);
  const hit = await cost(() => users.getByEmail(s.hs, `um${id}@x.io`));
  assert.is(hit.roundTrips, onCluster() ? 2 : 1);
  assert.equal(hit.sql, []);
  const none = await cost(() => users.getByEmail(s.hs, `nobody${id}@x.io`));
  assert.is(none.result, null);
  assert.is(none.roundTrips, onCluster() ? 3 : 2, 'read-pointer (lease), release; on a cluster GET pointer, lease, release');
  assert.is(none.sql.length, 1, 'an absent unique value is not cached: one SELECT each time');
}));

/**
 * A storage whose lease holder pauses after its Postgres read until `waiters` other readers have each seen the lease
 * at least once, so a storm of concurrent misses really meets one lease.
 */
async function stormStorage(waiters: number) {
  let release: () => void = () => {};
  const filled = new Promise<void>((resolve) => (release = resolve));
  let waiting = 0;
  return h.storage({
    hooks: { afterDbRead: () => filled },
    wait: async () => {
      waiting += 1;
      if (waiting === waiters) release();
      await new Promise((resolve) => setImmediate(resolve));
    },
    leaseWaitTries: 1000,
  });
}

test('100 concurrent misses on one unique value cause one reader\'s queries only (the pointer lease)', timed(20_000, async () => {
  const id = nextId++;
  await h.admin.sql.unsafe(`insert into "${h.schema}".users (id, email, tenant_id, slug, name) values (${id}, 'su${id}@x.io', 1, 'su${id}', 'su')`);
  const storm = await stormStorage(99);
  const rows = await Promise.all(Array.from({ length: 100 }, () => users.getByEmail(storm.hs, `su${id}@x.io`)));
  assert.ok(rows.every((r) => r?.id === id));
  assert.is(storm.queries.filter((q) => q.startsWith('select')).length - 1, 2, 'one reader: by email, then by id; besides the startup check');
  assert.is(storm.hs.stats().misses, 1);
}));

test('createHotStorage turns on auto-pipelining on the client unless told not to', timed(30_000, async () => {
  assert.is(s.redis.options.enableAutoPipelining, true);
  const plain = await h.storage({ autoPipelining: false });
  assert.is(plain.redis.options.enableAutoPipelining, false);
}));

test('save costs one SQL statement and two round trips: the writer lease before, the apply-write script after', timed(30_000, async () => {
  const id = nextId++;
  const { commands: sent, roundTrips, sql } = await cost(() => users.save(s.hs, user(id)));
  const row = await rowKeyOf(id);
  const base = row.slice(0, row.indexOf(':{'));
  assert.equal(pointersSet(sent), onCluster() ? [`${base}:email=u${id}%40example%2Ecom ${id}`, `${base}:tenant_id=1:slug=s${id} ${id}`] : []);
  const commands = sent.filter((c) => !pointerWrite(c));
  const expect = { token: commands[0]?.[6] ?? '' };
  assert.match(expect.token, /^w:/);
  assert.is(roundTrips, onCluster() ? 3 : 2, 'on a cluster the pointers after the apply');
  assert.equal(commands.map((c) => c.slice(0, 9)), [
    // the lease asks for the row's cached value back ('1'): its pointers are the ones the apply may have to remove
    ['script', '4', `${row}:lease`, `${row}:writers`, `${row}:contended`, row, expect.token, '5000', '1'],
    ['script', '5', row, `${row}:lease`, `${row}:writers`, `${row}:contended`, `${row}:applied`, expect.token, commands[1]?.[8] ?? ''],
  ]);
  assert.match(commands[1]?.[8] ?? '', /^\["hs1",/);
  assert.is(sql.length, 1);
  assert.match(sql[0] ?? '', /^insert into .* on conflict \("id"\) do update set .* returning/);
}));

test('getManyByPk: all hits in one round trip, input order, null for absent rows, misses from one SELECT', timed(30_000, async () => {
  const a = nextId++;
  const b = nextId++;
  const c = nextId++;
  const absent = nextId++;
  await users.save(s.hs, user(a));
  await users.save(s.hs, user(b));
  await h.admin.sql.unsafe(`insert into "${h.schema}".users (id, email, tenant_id, slug, name) values (${c}, 'c${c}@x.io', 1, 'c${c}', 'c')`);
  const hits = await cost(() => users.getManyByPk(s.hs, [b, a]));
  assert.equal(hits.result.map((r) => r?.id), [b, a]);
  assert.is(hits.roundTrips, 1);
  // a cluster reads each key on its own node (one MGET per key, sent together: still one round trip)
  assert.equal(onCluster() ? unordered(hits.commands) : hits.commands, onCluster()
    ? unordered([['mget', await rowKeyOf(b)], ['mget', await rowKeyOf(a)]])
    : [['mget', await rowKeyOf(b), await rowKeyOf(a)]]);
  assert.equal(hits.sql, []);
  const mixed = await cost(() => users.getManyByPk(s.hs, [c, a, absent, c]));
  assert.equal(mixed.result.map((r) => r?.id ?? null), [c, a, null, c]);
  assert.is(mixed.sql.length, 1);
  assert.match(mixed.sql[0] ?? '', /from "users" where "users"\."id" in \(\$1, \$2\)$/);
  assert.is(mixed.roundTrips, onCluster() ? 4 : 3, 'MGET, read-row pipeline for what it did not serve, then fill pipeline (then pointers, on a cluster)');
  const after = await cost(() => users.getManyByPk(s.hs, [c, absent]));
  assert.equal(after.result.map((r) => r?.id ?? null), [c, null]);
  assert.equal(after.sql, [], 'the filled row and the cached absence are hits now');
}));

test('an absent row is cached as a short tombstone: the next read is a hit with no SQL', timed(30_000, async () => {
  const id = nextId++;
  const statsBefore = s.hs.stats();
  assert.is(await users.getByPk(s.hs, id), null);
  const row = await rowKeyOf(id);
  assert.is(await h.redis.get(row), '~hotstorage:absent');
  const ttl = await h.redis.pttl(row);
  assert.ok(ttl > 0 && ttl <= 10_000, `tombstone ttl ${ttl}`);
  const again = await cost(() => users.getByPk(s.hs, id));
  assert.is(again.result, null);
  assert.equal(again.sql, []);
  assert.is(s.hs.stats().tombstoneHits - statsBefore.tombstoneHits, 1);
}));

test('read-your-writes: a get after an awaited save, update or remove sees it (invariant 2)', timed(30_000, async () => {
  const id = nextId++;
  await users.save(s.hs, user(id));
  assert.is((await users.getByPk(s.hs, id))?.name, `user ${id}`);
  await users.save(s.hs, user(id, { name: 'renamed' }));
  assert.is((await users.getByPk(s.hs, id))?.name, 'renamed');
  const updated = await users.update(s.hs, id, { version: 5, email: `new${id}@x.io` });
  assert.equal(updated, user(id, { name: 'renamed', version: 5, email: `new${id}@x.io` }));
  assert.is((await users.getByPk(s.hs, id))?.version, 5);
  assert.is((await users.getByEmail(s.hs, `new${id}@x.io`))?.id, id);
  assert.is(await users.getByEmail(s.hs, `u${id}@example.com`), null);
  assert.is(await users.remove(s.hs, id), true);
  assert.is(await users.getByPk(s.hs, id), null);
  assert.is(await users.getByEmail(s.hs, `new${id}@x.io`), null);
  assert.is(await users.remove(s.hs, id), false);
  assert.is(await users.update(s.hs, id, { name: 'ghost' }), null);
}));

test('update that changes the primary key moves the cached row: the old key reads null, the new one the row', timed(30_000, async () => {
  const id = nextId++;
  const moved = nextId++;
  await users.save(s.hs, user(id));
  await users.getByPk(s.hs, id);
  // The generated patch type leaves the primary key out (Omit<NewRow, 'id'>); a caller passing untyped data can still
  // send one, and the cache must follow the row to its new key.
  const keyChange = { id: moved } as Partial<Omit<users.NewRow, 'id'>>;
  assert.is((await users.update(s.hs, id, keyChange))?.id, moved);
  assert.is(await users.getByPk(s.hs, id), null);
  assert.is((await users.getByPk(s.hs, moved))?.email, `u${id}@example.com`);
  assert.is((await users.getByEmail(s.hs, `u${id}@example.com`))?.id, moved);
}));

test('an update whose patch repeats the identity is not contended with itself: the row is written, not invalidated', timed(30_000, async () => {
  const id = nextId++;
  await users.save(s.hs, user(id));
  const before = s.hs.stats();
  const patch = { id, name: 'same id' }; // a form object that carries the id: the generated patch type accepts it
  await users.update(s.hs, id, patch);
  const after = s.hs.stats();
  assert.is(after.writes - before.writes, 1);
  assert.is(after.invalidations - before.invalidations, 0);
  const hit = await cost(() => users.getByPk(s.hs, id));
  assert.is(hit.result?.name, 'same id');
  assert.equal(hit.sql, []);
}));

test('a unique value moving between rows, and a swap in a transaction, leads every lookup to the right row (invariant 5)', timed(30_000, async () => {
  const a = nextId++;
  const b = nextId++;
  await users.save(s.hs, user(a, { email: `x${a}@x.io` }));
  await users.save(s.hs, user(b, { email: `y${a}@x.io` }));
  assert.is((await users.getByEmail(s.hs, `x${a}@x.io`))?.id, a);
  // x moves from a to b: a first gives it up
  await users.update(s.hs, a, { email: `z${a}@x.io` });
  await users.update(s.hs, b, { email: `x${a}@x.io` });
  assert.is((await users.getByEmail(s.hs, `x${a}@x.io`))?.id, b);
  assert.is((await users.getByEmail(s.hs, `z${a}@x.io`))?.id, a);
  assert.is(await users.getByEmail(s.hs, `y${a}@x.io`), null);
  // swap x and z between b and a in one transaction
  await s.hs.transaction(async (tx) => {
    await users.update(tx, b, { email: `tmp${a}@x.io` });
    await users.update(tx, a, { email: `x${a}@x.io` });
    await users.update(tx, b, { email: `z${a}@x.io` });
  });
  assert.is((await users.getByEmail(s.hs, `x${a}@x.io`))?.id, a);
  assert.is((await users.getByEmail(s.hs, `z${a}@x.io`))?.id, b);
  assert.is(await users.getByEmail(s.hs, `tmp${a}@x.io`), null);
}));

test('a stale pointer is a miss, never the row it names (invariant 3)', timed(30_000, async () => {
  const a = nextId++;
  const b = nextId++;
  await users.save(s.hs, user(a, { email: `p${a}@x.io` }));
  await users.save(s.hs, user(b, { email: `q${a}@x.io` }));
  const base = (await rowKeyOf(a)).replace(/:\{\d+\}$/, '');
  // Point q's pointer at row a (as an old pointer left behind would): the lookup must not return a.
  await h.redis.set(`${base}:email=q${a}%40x%2Eio`, String(a));
  const found = await cost(() => users.getByEmail(s.hs, `q${a}@x.io`));
  assert.is(found.result?.id, b);
  assert.is(found.sql.length, 1);
}));

test('keys with separators, unicode and empty strings never collide: each composite key reads its own row', timed(30_000, async () => {
  const values = ['', ' ', ':', '{', '}', '=', '%', ',', 'a,b', '%_', '😀', 'é', '{x}', 'a:b=c'];
  const pairs = values.flatMap((org) => values.map((userId) => ({ orgId: org, userId })));
  for (const [i, pair] of pairs.entries()) await memberships.save(s.hs, { ...pair, role: `r${i}` });
  const read = await memberships.getManyByPk(s.hs, pairs);
  assert.equal(read.map((r) => r?.role), pairs.map((_, i) => `r${i}`));
  for (const [i, pair] of pairs.entries()) assert.is((await memberships.getByPk(s.hs, pair))?.role, `r${i}`);
  const rowKeys = Object.keys(await h.dump()).filter((k) => k.includes('member%3Aships') && k.endsWith('}'));
  assert.is(rowKeys.length, pairs.length);
}));

test('a table without primary key uses its NOT NULL unique key as identity, in a schema.table name with a dot', timed(30_000, async () => {
  await tags.save(s.hs, { label: 'a.b', weight: 1 });
  await tags.save(s.hs, { label: 'a.b', weight: 2 });
  assert.is((await tags.getByLabel(s.hs, 'a.b'))?.weight, 2);
  const keys = Object.keys(await h.dump()).filter((k) => k.includes('auth%2Etags'));
  assert.ok(keys.some((k) => k.endsWith(':{a%2Eb}')), keys.join(', '));
}));

test('save without its serial identity inserts, then caches the row under the id Postgres gave it', timed(30_000, async () => {
  const saved = await accounts.save(s.hs, { handle: `h${nextId++}` });
  assert.type(saved.id, 'number');
  const hit = await cost(() => accounts.getByPk(s.hs, saved.id));
  assert.equal(hit.result, saved);
  assert.equal(hit.sql, []);
  assert.equal((await accounts.getByHandle(s.hs, saved.handle)), saved);
}));

test('100 concurrent misses on one key cause exactly one Postgres query; the others wait for the lease', timed(20_000, async () => {
  const id = nextId++;
  await h.admin.sql.unsafe(`insert into "${h.schema}".users (id, email, tenant_id, slug, name) values (${id}, 'st${id}@x.io', 1, 'st${id}', 'st')`);
  const storm = await stormStorage(99);
  const rows = await Promise.all(Array.from({ length: 100 }, () => users.getByPk(storm.hs, id)));
  assert.ok(rows.every((r) => r?.id === id));
  assert.is(storm.queries.filter((q) => q.startsWith('select')).length - 1, 1, 'one SELECT besides the startup check');
  const stats = storm.hs.stats();
  assert.is(stats.misses, 1);
  assert.is(stats.fills, 1);
  assert.is(stats.hits, 99);
  assert.ok(stats.leaseWaits >= 99);
}));

test('a corrupt or foreign value in Redis is a miss, is repaired by the fill, and is counted', timed(30_000, async () => {
  const id = nextId++;
  await users.save(s.hs, user(id));
  const row = await rowKeyOf(id);
  await h.redis.set(row, '{"not":"a row"}');
  const before = s.hs.stats();
  assert.equal(await users.getByPk(s.hs, id), user(id));
  const after = s.hs.stats();
  assert.is(after.corrupt - before.corrupt, 1);
  assert.is(after.fills - before.fills, 1);
  assert.is(await h.redis.get(row), `["hs1",${id},"u${id}@example.com",1,"s${id}","user ${id}",0]`);
  await h.redis.set(row, 'garbage');
  assert.equal((await users.getManyByPk(s.hs, [id]))[0], user(id));
  assert.is(await h.redis.get(row), `["hs1",${id},"u${id}@example.com",1,"s${id}","user ${id}",0]`);
}));

test('a bad key value fails before any I/O', timed(30_000, async () => {
  const before = s.hs.stats();
  const sqlBefore = s.queries.length;
  await users.getByPk(s.hs, Number.NaN).then(
    () => assert.unreachable('NaN is not an id'),
    (error: unknown) => assert.instance(error, KeyValueError),
  );
  assert.is(s.hs.stats().redisRoundTrips, before.redisRoundTrips);
  assert.is(s.queries.length, sqlBefore);
}));

test('keys that do not match the live table fail on first use with one error naming the table and `hotstorage generate`', timed(30_000, async () => {
  // what a module generated before the table gained (tenantId, slug), or with a wrong primary key, would hold
  const stale = defineTable(db.users, { primaryKey: ['id'], uniqueKeys: [['email']], identity: ['id'] });
  const error = await stale.getBy(s.hs, ['id'], { id: 1 }).then(() => undefined, (e: unknown) => e);
  assert.instance(error, SpecMismatchError);
  assert.match(String((error as Error).message), /users.*\(tenantId, slug\).*hotstorage generate/);
  const wrongPk = defineTable(db.users, { primaryKey: ['email'], uniqueKeys: [['email'], ['tenantId', 'slug']], identity: ['email'] });
  const pkError = await wrongPk.getBy(s.hs, ['email'], { email: 'x' }).then(() => undefined, (e: unknown) => e);
  assert.instance(pkError, SpecMismatchError);
}));

test('one generated module serves storages over different schemas and prefixes: each reads and writes only its own', timed(15_000, async () => {
  // Generated modules call defineTable once at load; the runtime behind it is built per storage (prefix, schema).
  const other = await openHarness('protocol_other', await source(), driver);
  try {
    const o = await other.storage();
    const id = nextId++;
    await users.save(s.hs, user(id, { name: 'here' }));
    assert.is(await users.getByPk(o.hs, id), null, 'the other schema has no such row');
    await users.save(o.hs, user(id, { name: 'there' }));
    assert.is((await users.getByPk(s.hs, id))?.name, 'here');
    assert.is((await users.getByEmail(o.hs, `u${id}@example.com`))?.name, 'there');
    const [here] = await h.admin.sql.unsafe(`select name from "${h.schema}".users where id = ${id}`);
    const [there] = await other.admin.sql.unsafe(`select name from "${other.schema}".users where id = ${id}`);
    assert.equal([here?.name, there?.name], ['here', 'there']);
    // same key layout under each storage's own prefix
    const mine = await rowKeyOf(id);
    const theirs = `${other.prefix}${mine.slice(h.prefix.length)}`;
    assert.is(await h.redis.get(mine), `["hs1",${id},"u${id}@example.com",1,"s${id}","here",0]`);
    assert.is(await other.redis.get(theirs), `["hs1",${id},"u${id}@example.com",1,"s${id}","there",0]`);
  } finally {
    await other.close();
  }
}));

test('an unreachable Redis or Postgres is one sentence naming the service and its address', timed(15_000, async () => {
  const port = await freePort();
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  const sql = connectPostgres();
  const noRedis = await createHotStorage({ db: drizzle(sql), redis, commandTimeoutMs: 500 }).then(() => undefined, (e: unknown) => e);
  assert.instance(noRedis, ServiceUnavailableError);
  assert.match((noRedis as Error).message, new RegExp(`^Redis is not reachable at 127\\.0\\.0\\.1:${port} \\(.*\\): start it, or pass a client for the right address\\.$`));
  redis.disconnect();
  const deadPort = await freePort();
  const dead = driver === 'node-postgres'
    ? (() => {
      const pool = new pg.Pool({ host: '127.0.0.1', port: deadPort, connectionTimeoutMillis: 2000 });
      return { db: drizzlePg(pool), end: () => pool.end() };
    })()
    : (() => {
      const deadSql = connectPostgres({ port: deadPort, host: '127.0.0.1', connect_timeout: 2 });
      return { db: drizzle(deadSql), end: () => deadSql.end() };
    })();
  const noPostgres = await createHotStorage({ db: dead.db, redis: s.redis }).then(() => undefined, (e: unknown) => e);
  assert.instance(noPostgres, ServiceUnavailableError);
  assert.match((noPostgres as Error).message, new RegExp(`^Postgres is not reachable at 127\\.0\\.0\\.1:${deadPort} \\(ECONNREFUSED\\)`));
  await sql.end();
  await dead.end();
  // Postgres answers, and refuses the database: said in its words, not as an address where nothing listens.
  const wrong = new URL(DATABASE_URL);
  wrong.pathname = '/hs_nosuchdb';
  const refusing = driver === 'node-postgres'
    ? (() => {
      const pool = new pg.Pool({ connectionString: wrong.href, connectionTimeoutMillis: 2000 });
      return { db: drizzlePg(pool), end: () => pool.end() };
    })()
    : (() => {
      const wrongSql = postgres(wrong.href, { max: 1, connect_timeout: 2, onnotice: () => {} });
      return { db: drizzle(wrongSql), end: () => wrongSql.end() };
    })();
  const refused = await createHotStorage({ db: refusing.db, redis: s.redis }).then(() => undefined, (e: unknown) => e);
  assert.instance(refused, ServiceUnavailableError);
  assert.match(
    (refused as Error).message,
    new RegExp(`^Postgres at .+ refused the connection: database "hs_nosuchdb" does not exist; check the database, user and password of the client you pass\\.$`),
  );
  await refusing.end();
}));

test('a failed statement is the driver\'s own error, with Postgres\'s code: PostgresError (postgres.js), DatabaseError (node-postgres)', timed(30_000, async () => {
  const a = nextId++;
  const b = nextId++;
  await users.save(s.hs, user(a, { email: `dup${a}@x.io` }));
  const error = await users.save(s.hs, user(b, { email: `dup${a}@x.io` })).then(() => undefined, (e: unknown) => e);
  assert.instance(error, driver === 'node-postgres' ? pg.DatabaseError : postgres.PostgresError, 'not drizzle\'s DrizzleQueryError wrapper');
  assert.is((error as { code?: unknown }).code, '23505', 'unique_violation');
  assert.is(await users.getByPk(s.hs, b), null, 'nothing was cached for the refused row');
}));

