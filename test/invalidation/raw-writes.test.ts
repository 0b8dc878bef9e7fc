// Writes that bypass hotstorage (raw SQL from another connection) reach the cache through the outbox: after each,
// within a bounded wait, every getter (by pk and by the unique email) returns what Postgres holds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HotStorage, Listener } from '@hotstorage/runtime';
import { timed } from '../helpers/timeout.js';
import { disagreement, emailOf, eventually, openWorld, range, warm, type World } from './world.js';

let world: World;
let hs: HotStorage;
let listener: Listener;

const items = () => `"${world.schema}".items`;

async function seed(ids: readonly number[]): Promise<void> {
  await world.admin.sql.unsafe(`insert into ${items()} (id, email, name) select g, 'u' || g || '@example.com', 'n' || g from unnest($1::int[]) g`, [ids as number[]]);
}

async function agrees(ids: readonly number[], emails: readonly string[], what: string): Promise<void> {
  let last: string | undefined;
  await eventually(async () => (last = await disagreement(world, hs, ids, emails)) === undefined, `${what}: ${last ?? ''}`, 20_000);
}

/** The cache must be wrong before the listener acts, or the test could not fail: at least one cached getter is stale. */
async function staleNow(ids: readonly number[], emails: readonly string[]): Promise<boolean> {
  return (await disagreement(world, hs, ids, emails)) !== undefined;
}

test.before(async () => {
  world = await openWorld('inval_raw');
  ({ hs } = await world.storage());
  listener = await hs.listen({ pollIntervalMs: 200 });
});

test.after(async () => {
  await listener.stop();
  await world.close();
});

test('a raw UPDATE of one row is seen by every getter', timed(30_000, async () => {
  await seed([1, 2]);
  await warm(world, hs, [1, 2], [emailOf(1), emailOf(2)]);
  await listener.stop();
  await world.admin.sql.unsafe(`update ${items()} set name = 'changed' where id = 1`);
  assert.ok(await staleNow([1], [emailOf(1)]), 'with no listener the cached row is stale');
  listener = await hs.listen({ pollIntervalMs: 200 });
  await agrees([1, 2], [emailOf(1), emailOf(2)], 'after a raw update');
  assert.ok(hs.stats().outboxInvalidations >= 1);
}));

test('bulk UPDATE and DELETE of 10,000 rows (over the trigger row limit: table epoch) are seen by every getter', timed(120_000, async () => {
  const ids = range(10_001, 20_000);
  const emails = ids.map(emailOf);
  await seed(ids);
  await warm(world, hs, ids, emails);
  const bumps = hs.stats().epochBumps;
  await world.admin.sql.unsafe(`update ${items()} set name = name || '!' where id between 10001 and 20000`);
  await agrees(ids, emails, 'after a bulk update');
  assert.ok(hs.stats().epochBumps > bumps, 'the bulk statement bumped the epoch');
  await warm(world, hs, ids, emails);
  await world.admin.sql.unsafe(`delete from ${items()} where id between 10001 and 20000`);
  await agrees(ids, emails, 'after a bulk delete');
}));

test('a bulk UPDATE under the row limit invalidates row by row', timed(60_000, async () => {
  const ids = range(30_001, 30_500);
  const emails = ids.map(emailOf);
  await seed(ids);
  await warm(world, hs, ids, emails);
  const before = hs.stats();
  await world.admin.sql.unsafe(`update ${items()} set name = name || '?' where id between 30001 and 30500`);
  await agrees(ids, emails, 'after an update of 500 rows');
  const after = hs.stats();
  assert.is(after.epochBumps, before.epochBumps, 'no epoch bump');
  assert.ok(after.outboxInvalidations - before.outboxInvalidations >= 500);
}));

test('TRUNCATE is seen by every getter', timed(30_000, async () => {
  const ids = range(40_001, 40_050);
  await world.admin.sql.unsafe(`truncate ${items()}`);
  await seed(ids);
  await warm(world, hs, ids, ids.map(emailOf));
  await world.admin.sql.unsafe(`truncate ${items()}`);
  await agrees(ids, ids.map(emailOf), 'after truncate');
}));

test('INSERT ... ON CONFLICT (updated rows and rows cached as absent) is seen by every getter', timed(30_000, async () => {
  const ids = range(50_001, 50_010);
  await seed(ids.slice(0, 5));
  await warm(world, hs, ids, ids.map(emailOf)); // 50006..50010 cached as absent
  await world.admin.sql.unsafe(
    `insert into ${items()} (id, email, name) select g, 'u' || g || '@example.com', 'upserted' from generate_series(50001, 50010) g
     on conflict (id) do update set name = excluded.name`,
  );
  await agrees(ids, ids.map(emailOf), 'after insert on conflict');
}));

test('a transaction on a second connection: a commit is seen, a rollback changes nothing', timed(30_000, async () => {
  const ids = [60_001, 60_002];
  await seed(ids);
  await warm(world, hs, ids, ids.map(emailOf));
  await world.admin.sql.begin(async (tx) => {
    await tx.unsafe(`update ${items()} set name = 'committed' where id = 60001`);
    await tx.unsafe(`delete from ${items()} where id = 60002`);
  });
  await agrees(ids, ids.map(emailOf), 'after a committed transaction');
  await warm(world, hs, ids, ids.map(emailOf));
  const before = hs.stats().outboxInvalidations;
  await world.admin.sql
    .begin(async (tx) => {
      await tx.unsafe(`update ${items()} set name = 'rolled back' where id = 60001`);
      throw new Error('roll back');
    })
    .catch(() => undefined);
  await listener.drain();
  assert.is(hs.stats().outboxInvalidations, before, 'a rolled-back write leaves no entry');
  assert.is(await disagreement(world, hs, ids, ids.map(emailOf)), undefined);
}));

test('a unique column changed by raw SQL: the old value finds nothing, the new one finds the row', timed(30_000, async () => {
  await seed([70_001]);
  await warm(world, hs, [70_001], [emailOf(70_001), 'moved@example.com']);
  await world.admin.sql.unsafe(`update ${items()} set email = 'moved@example.com' where id = 70001`);
  await agrees([70_001], [emailOf(70_001), 'moved@example.com'], 'after a unique change');
}));

test('unique values swapped between two rows by raw SQL: each value finds its new row', timed(30_000, async () => {
  const ids = [80_001, 80_002];
  const emails = ids.map(emailOf);
  await seed(ids);
  await warm(world, hs, ids, emails);
  await world.admin.sql.begin(async (tx) => {
    await tx.unsafe(`update ${items()} set email = 'swap-tmp' where id = 80001`);
    await tx.unsafe(`update ${items()} set email = $1 where id = 80002`, [emailOf(80_001)]);
    await tx.unsafe(`update ${items()} set email = $1 where id = 80001`, [emailOf(80_002)]);
  });
  await agrees(ids, [...emails, 'swap-tmp'], 'after a swap');
}));

test('a primary key changed by raw SQL: the old identity finds nothing, the new one and the email find the row', timed(30_000, async () => {
  await seed([90_001]);
  await warm(world, hs, [90_001, 90_002], [emailOf(90_001)]);
  await world.admin.sql.unsafe(`update ${items()} set id = 90002 where id = 90001`);
  await agrees([90_001, 90_002], [emailOf(90_001)], 'after a pk change');
}));

test.run();
