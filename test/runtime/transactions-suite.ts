// hs.transaction: cache work after COMMIT; a rollback leaves Redis exactly as it was (invariant 4).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Driver } from '../helpers/drivers.js';
import { timed } from '../helpers/timeout.js';
import { openHarness, SHARED_REDIS, type Harness, type Storage, type TargetSource } from './harness.js';
import { accounts, users } from './hot/index.js';

const test = suite('transactions');
let source: TargetSource = async () => SHARED_REDIS;
let driver: Driver = 'postgres-js';
let h: Harness;
let s: Storage;

/**
 * The suite on a target and over a driver: test/runtime/transactions.test.ts (one Redis, postgres.js),
 * transactions.node-postgres.test.ts (node-postgres), test/cluster/accessors.test.ts (a cluster).
 */
export function transactionsSuite(target: TargetSource, over: Driver = 'postgres-js') {
  source = target;
  driver = over;
  return test;
}

test.before(async () => {
  h = await openHarness('tx', await source(), driver);
  s = await h.storage();
});
test.after(async () => {
  await h.close();
});

function user(id: number, over: Partial<{ email: string; name: string; version: number }> = {}) {
  return { id, email: `u${id}@example.com`, tenantId: 1, slug: `s${id}`, name: `user ${id}`, version: 0, ...over };
}

test('a rolled-back transaction sends no Redis command and leaves every key under the prefix as it was', timed(30_000, async () => {
  await users.save(s.hs, user(1));
  await users.save(s.hs, user(2));
  await users.getByPk(s.hs, 3); // a cached absence
  const before = await h.dump();
  const commands = await h.record(async () => {
    const error = await s.hs
      .transaction(async (tx) => {
        await users.save(tx, user(1, { name: 'changed' }));
        await users.update(tx, 2, { email: 'moved@example.com' });
        await users.save(tx, user(3));
        await users.remove(tx, 1);
        throw new Error('roll back');
      })
      .then(() => undefined, (e: unknown) => e);
    assert.is((error as Error).message, 'roll back');
  });
  assert.equal(commands, []);
  assert.equal(await h.dump(), before);
  assert.is((await users.getByPk(s.hs, 1))?.name, 'user 1');
  assert.is((await users.getByEmail(s.hs, 'u2@example.com'))?.id, 2);
  assert.is(await users.getByPk(s.hs, 3), null);
}));

test('a transaction whose COMMIT fails releases its leases and leaves the cached rows as they were', timed(30_000, async () => {
  await users.save(s.hs, user(10));
  await h.admin.sql.unsafe(`create table "${h.schema}".deferred (id integer primary key, ref integer not null)`);
  await h.admin.sql.unsafe(`alter table "${h.schema}".deferred add constraint deferred_ref foreign key (ref) references "${h.schema}".users(id) deferrable initially deferred`);
  const before = await h.dump();
  const error = await s.hs
    .transaction(async (tx) => {
      await users.save(tx, user(10, { name: 'never' }));
      // violates the deferred foreign key only at COMMIT
      await tx.db.execute(`insert into "${h.schema}".deferred values (1, 999999)`);
    })
    .then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof Error, 'the commit fails');
  assert.equal(await h.dump(), before);
  assert.is((await users.getByPk(s.hs, 10))?.name, 'user 10');
}));

test('a committed transaction updates the cache after COMMIT in one round trip for all its rows', timed(30_000, async () => {
  await users.save(s.hs, user(20));
  await users.save(s.hs, user(21));
  const roundTrips = s.hs.stats().redisRoundTrips;
  let inside = 0;
  const result = await s.hs.transaction(async (tx) => {
    await users.save(tx, user(20, { name: 'twenty' }));
    await users.update(tx, 21, { version: 2 });
    await users.save(tx, user(22));
    await users.remove(tx, 20);
    await users.save(tx, user(20, { name: 'back' }));
    inside = s.hs.stats().redisRoundTrips - roundTrips;
    return 'done';
  });
  assert.is(result, 'done');
  assert.is(inside, 0, 'no Redis work while the body runs');
  // on a cluster, the pointers in one more round trip after the apply (other slots than the rows)
  assert.is(s.hs.stats().redisRoundTrips - roundTrips, h.target.kind === 'cluster' ? 3 : 2, 'leases before COMMIT, apply after');
  const sqlBefore = s.queries.length;
  assert.is((await users.getByPk(s.hs, 20))?.name, 'back');
  assert.is((await users.getByPk(s.hs, 21))?.version, 2);
  assert.is((await users.getByPk(s.hs, 22))?.id, 22);
  assert.is(s.queries.length, sqlBefore, 'all three are hits');
}));

test('reads inside a transaction see its own uncommitted writes; others keep seeing the committed row', timed(30_000, async () => {
  await users.save(s.hs, user(30));
  await s.hs.transaction(async (tx) => {
    await users.update(tx, 30, { name: 'inside' });
    assert.is((await users.getByPk(tx, 30))?.name, 'inside');
    assert.is((await users.getManyByPk(tx, [30]))[0]?.name, 'inside');
    assert.is((await users.getByPk(s.hs, 30))?.name, 'user 30');
  });
  assert.is((await users.getByPk(s.hs, 30))?.name, 'inside');
}));

test('a transaction that inserts rows without their serial identity caches them under their new ids', timed(30_000, async () => {
  const [a, b] = await s.hs.transaction(async (tx) => [
    await accounts.save(tx, { handle: 'ta' }),
    await accounts.save(tx, { handle: 'tb' }),
  ]);
  const sqlBefore = s.queries.length;
  assert.equal(await accounts.getManyByPk(s.hs, [b.id, a.id]), [b, a]);
  assert.is(s.queries.length, sqlBefore);
}));

test('a transaction whose updates and removes matched no row sends no Redis command; one that matched earlier in it keeps its effect', timed(30_000, async () => {
  const commands = await h.record(async () => {
    const results = await s.hs.transaction(async (tx) => [await users.remove(tx, 50), await users.update(tx, 50, { name: 'ghost' })]);
    assert.equal(results, [false, null]);
  });
  assert.equal(commands, [], 'nothing changed, so nothing is written (not even an absence: see races-suite)');
  await users.save(s.hs, user(51));
  await s.hs.transaction(async (tx) => {
    assert.is(await users.remove(tx, 51), true); // holds the row's lock until COMMIT
    assert.is(await users.remove(tx, 51), false);
    assert.is(await users.update(tx, 51, { name: 'ghost' }), null);
  });
  const sqlBefore = s.queries.length;
  assert.is(await users.getByPk(s.hs, 51), null);
  assert.is(s.queries.length, sqlBefore, 'the removal was cached (a hit on the absence)');
}));

test('tx cannot be used after the transaction has ended', timed(30_000, async () => {
  let kept: Parameters<Parameters<typeof s.hs.transaction>[0]>[0] | undefined;
  await s.hs.transaction(async (tx) => {
    kept = tx;
  });
  if (kept === undefined) throw new Error('no tx');
  const error = await users.save(kept, user(40)).then(() => undefined, (e: unknown) => e);
  assert.match(String(error), /transaction has ended/);
  assert.is((await h.admin.sql.unsafe(`select count(*)::int as n from "${h.schema}".users where id = 40`))[0]?.n, 0);
}));

