// Table epochs: when the listener cannot name the rows (a statement over the trigger's row limit, TRUNCATE, an outbox
// grown past its bound while no listener ran), it bumps the table's epoch; every process reads epochs again on a
// bounded interval and never serves a row tagged with an older epoch than the one it knows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rowCodecFor } from '../../runtime/src/codecs/row-codec.js';
import { epochCodec, splitEpoch } from '../../runtime/src/codecs/epoch-tag.js';
import { newCell } from '../../runtime/src/storage/epochs.js';
import type { HotStorage, Listener } from '@hotstorage/runtime';
import { timed } from '../helpers/timeout.js';
import { disagreement, emailOf, eventually, openWorld, range, warm, type World } from './world.js';

let world: World;
let hs: HotStorage;
let listener: Listener;

const items = () => `"${world.schema}".items`;
const outboxSize = async () => Number((await world.admin.sql.unsafe<{ n: string }[]>(`select count(*)::text as n from "${world.feed}".outbox`))[0]?.n);

async function seed(ids: readonly number[]): Promise<void> {
  await world.admin.sql.unsafe(`insert into ${items()} (id, email, name) select g, 'u' || g || '@example.com', 'n' || g from unnest($1::int[]) g`, [ids as number[]]);
}

async function agrees(storage: HotStorage, ids: readonly number[], what: string): Promise<void> {
  let last: string | undefined;
  await eventually(async () => (last = await disagreement(world, storage, ids, ids.map(emailOf))) === undefined, `${what}: ${last ?? ''}`, 20_000);
}

test.before(async () => {
  world = await openWorld('inval_epoch', { bulkLimit: 100 });
  ({ hs } = await world.storage());
  listener = await hs.listen({ pollIntervalMs: 100, outboxLimit: 50 });
});

test.after(async () => {
  await listener.stop();
  await world.close();
});

test('a row carries the epoch it was written under; an older epoch is never decoded once a newer one is known', () => {
  const cell = newCell();
  cell.ready = true;
  const codec = epochCodec(rowCodecFor(world.tables.items), cell);
  const row = { id: 1, email: 'a@example.com', name: 'a' };
  const atZero = codec.encode(row);
  assert.equal(splitEpoch(atZero).epoch, 0);
  assert.equal(codec.decode(atZero), row);
  cell.current = 3;
  const atThree = codec.encode(row);
  assert.is(splitEpoch(atThree).epoch, 3);
  assert.is(codec.decode(atZero), undefined, 'filled before the bump: not served');
  assert.equal(codec.decode(atThree), row);
  cell.ready = false;
  assert.is(codec.decode(atThree), undefined, 'nothing is trusted before the epoch was read');
});

test('a cached absence carries its epoch too: one of an older epoch is not served', () => {
  const cell = newCell();
  cell.ready = true;
  const codec = epochCodec(rowCodecFor(world.tables.items), cell);
  const atZero = codec.absent();
  assert.ok(codec.isAbsent(atZero));
  assert.is(codec.decode(atZero), undefined, 'an absence is not a row');
  cell.current = 2;
  assert.not.ok(codec.isAbsent(atZero), 'cached before the bump: the row may exist now');
  const atTwo = codec.absent();
  assert.is(splitEpoch(atTwo).epoch, 2);
  assert.ok(codec.isAbsent(atTwo));
  cell.ready = false;
  assert.not.ok(codec.isAbsent(atTwo), 'nothing is trusted before the epoch was read');
});

test('an outbox grown past its bound while no listener ran: the table is bumped, every getter agrees', timed(60_000, async () => {
  const ids = range(1, 80);
  await seed(ids);
  await warm(world, hs, ids, ids.map(emailOf));
  await listener.stop();
  for (const id of ids) await world.admin.sql.unsafe(`update ${items()} set name = 'late' where id = $1`, [id]);
  assert.ok((await outboxSize()) > 50);
  const bumps = hs.stats().epochBumps;
  listener = await hs.listen({ pollIntervalMs: 100, outboxLimit: 50 });
  await listener.drain();
  await agrees(hs, ids, 'after the outbox bound');
  assert.is(hs.stats().epochBumps, bumps + 1);
  assert.is(await outboxSize(), 0);
}));

test('entries of tables this process does not cache never make it bump its own tables', timed(60_000, async () => {
  const ids = range(501, 510);
  await seed(ids);
  await warm(world, hs, ids, ids.map(emailOf));
  // Another application's backlog, more than the bound, older than our entries.
  await world.admin.sql.unsafe(
    `insert into "${world.feed}".outbox (table_schema, table_name, kind, pk) select 'elsewhere', 'other', 'update', array[g::text] from generate_series(1, 80) g`,
  );
  const bumps = hs.stats().epochBumps;
  await world.admin.sql.unsafe(`update ${items()} set name = 'one' where id = 501`);
  await listener.drain();
  await agrees(hs, ids, 'after one update behind a foreign backlog');
  assert.is(hs.stats().epochBumps, bumps, 'no bump: the backlog is not ours');
  assert.is(await outboxSize(), 80, 'the foreign entries are left for their own listener');
  await world.admin.sql.unsafe(`delete from "${world.feed}".outbox where table_schema = 'elsewhere'`);
}));

test('another process that caches rows sees a bulk statement within its epoch refresh interval', timed(60_000, async () => {
  const other = await world.storage({ epochRefreshMs: 100 });
  const ids = range(1001, 1300);
  await seed(ids);
  await warm(world, other.hs, ids, ids.map(emailOf));
  const bumps = hs.stats().epochBumps;
  await world.admin.sql.unsafe(`update ${items()} set name = name || '+' where id between 1001 and 1300`);
  await eventually(async () => hs.stats().epochBumps > bumps, 'the listener bumps the epoch');
  await agrees(other.hs, ids, 'the other process');
}));

test('rows filled under an old epoch by a process not yet refreshed are not served by a refreshed one', timed(60_000, async () => {
  const slow = await world.storage({ epochRefreshMs: 600_000 });
  const ids = range(2001, 2200);
  await seed(ids);
  await warm(world, slow.hs, ids, ids.map(emailOf));
  await warm(world, hs, ids, ids.map(emailOf));
  const bumps = hs.stats().epochBumps;
  await world.admin.sql.unsafe(`update ${items()} set name = 'bulk' where id between 2001 and 2200`);
  await eventually(async () => hs.stats().epochBumps > bumps, 'the listener bumps the epoch');
  // The slow process still knows the old epoch: it may serve or refill rows under it (its bound is its refresh interval).
  await warm(world, slow.hs, ids, ids.map(emailOf));
  assert.is(await disagreement(world, hs, ids, ids.map(emailOf)), undefined, 'the refreshed process serves only rows of the new epoch');
}));

test('a cached absence filled before a bulk insert is not served once the epoch is bumped', timed(60_000, async () => {
  // Tombstones far longer than the wait below: only the epoch can end them in time.
  const other = await world.storage({ epochRefreshMs: 100, tombstoneTtlMs: 600_000 });
  const ids = range(4001, 4200);
  await warm(world, other.hs, ids, ids.map(emailOf));
  assert.ok(other.hs.stats().tombstoneHits > 0, 'the absences were cached and served');
  const bumps = hs.stats().epochBumps;
  await seed(ids); // one statement over the trigger's row limit: one epoch bump instead of 200 entries
  await eventually(async () => hs.stats().epochBumps > bumps, 'the listener bumps the epoch');
  let last: string | undefined;
  await eventually(async () => (last = await disagreement(world, other.hs, ids, ids.map(emailOf))) === undefined, `after the bulk insert: ${last ?? ''}`, 5_000);
}));

test('TRUNCATE bumps the epoch', timed(30_000, async () => {
  const ids = range(3001, 3010);
  await seed(ids);
  await warm(world, hs, ids, ids.map(emailOf));
  const bumps = hs.stats().epochBumps;
  await world.admin.sql.unsafe(`truncate ${items()}`);
  await agrees(hs, ids, 'after truncate');
  assert.ok(hs.stats().epochBumps > bumps);
}));

test.run();
