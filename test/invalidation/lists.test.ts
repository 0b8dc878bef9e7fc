// Lists under writes that bypass hotstorage: the capture triggers record the old and new values of listed columns,
// and the listener invalidates the lists a row left and joined. Raw INSERT / UPDATE (a move between parents) /
// DELETE, a bulk UPDATE over the trigger's row limit (one epoch bump) and TRUNCATE: within a bounded wait every list
// read equals Postgres. Each list is checked stale before the listener may act, so the test could fail.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HotStorage, Listener } from '@hotstorage/runtime';
import { timed } from '../helpers/timeout.js';
import { eventually, openWorld, type World } from './world.js';

let world: World;
let hs: HotStorage;
let listener: Listener | undefined;

const posts = () => `"${world.schema}".posts`;

test.before(async () => {
  world = await openWorld('inval_lists', { bulkLimit: 3 });
  ({ hs } = await world.storage());
});

test.after(async () => {
  await listener?.stop();
  await world.close();
});

async function inPostgres(chatId: number): Promise<number[]> {
  const rows = await world.admin.sql.unsafe<{ id: number }[]>(`select id from ${posts()} where chat_id = $1 order by id`, [chatId]);
  return rows.map((r) => r.id);
}

async function cached(chatId: number): Promise<number[]> {
  return (await world.hot.posts.listBy(hs, ['chatId'], { chatId })).map((row) => row.id);
}

/** Lists of these chats read through the cache until they equal Postgres. */
async function agree(chats: readonly number[], what: string): Promise<void> {
  let last = '';
  await eventually(async () => {
    for (const chatId of chats) {
      const [got, want] = [await cached(chatId), await inPostgres(chatId)];
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        last = `chat ${chatId}: cache ${JSON.stringify(got)}, Postgres ${JSON.stringify(want)}`;
        return false;
      }
    }
    return true;
  }, `${what}: ${last}`, 20_000);
}

/** With the listener stopped the raw write leaves these lists stale: the test can fail. */
async function staleAfter(statement: string, chats: readonly number[]): Promise<void> {
  await listener?.stop();
  listener = undefined;
  for (const chatId of chats) await cached(chatId); // cached now
  await world.admin.sql.unsafe(statement);
  let stale = false;
  for (const chatId of chats) if (JSON.stringify(await cached(chatId)) !== JSON.stringify(await inPostgres(chatId))) stale = true;
  assert.ok(stale, `before the listener runs, ${statement} leaves a cached list stale`);
  listener = await hs.listen({ pollIntervalMs: 200 });
}

test('seed', timed(20_000, async () => {
  await world.admin.sql.unsafe(`insert into ${posts()} (id, chat_id, v) values (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c')`);
  await agree([1, 2], 'seeded');
}));

test('a raw INSERT joins its list', timed(30_000, async () => {
  await staleAfter(`insert into ${posts()} (id, chat_id, v) values (4, 1, 'd')`, [1]);
  await agree([1, 2], 'insert');
}));

test('a raw UPDATE moving a row between parents leaves the old list and joins the new one', timed(30_000, async () => {
  await staleAfter(`update ${posts()} set chat_id = 2 where id = 1`, [1, 2]);
  await agree([1, 2], 'move');
  assert.equal(await cached(1), [2, 4]);
  assert.equal(await cached(2), [1, 3]);
}));

test('a raw UPDATE of the identity moves the member', timed(30_000, async () => {
  await staleAfter(`update ${posts()} set id = 40 where id = 4`, [1]);
  await agree([1, 2], 'identity change');
}));

test('a raw DELETE leaves its list', timed(30_000, async () => {
  await staleAfter(`delete from ${posts()} where id = 2`, [1]);
  await agree([1, 2], 'delete');
}));

test('a bulk UPDATE over the row limit (one epoch bump) moves every member', timed(30_000, async () => {
  await world.admin.sql.unsafe(`insert into ${posts()} (id, chat_id, v) select g, 5, 'bulk' from generate_series(100, 109) g`);
  await agree([5, 6], 'seeded bulk');
  await staleAfter(`update ${posts()} set chat_id = 6 where chat_id = 5`, [5, 6]);
  await agree([5, 6], 'bulk update');
  assert.equal((await cached(6)).length, 10);
}));

test('TRUNCATE empties every list', timed(30_000, async () => {
  await staleAfter(`truncate ${posts()}`, [1, 2, 6]);
  await agree([1, 2, 6], 'truncate');
  assert.equal(await cached(6), []);
}));

test.run();
