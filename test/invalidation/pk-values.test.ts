// The trigger records identity values as ::text; the listener must turn them into the very keys reads use: each
// column's own Drizzle mapping, then the codec's keyPart. Integer, bigint, text with key separators, uuid, composite.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getTableColumns } from 'drizzle-orm';
import type { HotStorage, Listener } from '@hotstorage/runtime';
import { fromPkText } from '../../runtime/src/feed/outbox.js';
import { timed } from '../helpers/timeout.js';
import { eventually, openWorld, type World } from './world.js';

let world: World;
let hs: HotStorage;
let listener: Listener;

test.before(async () => {
  world = await openWorld('inval_pk');
  ({ hs } = await world.storage());
  listener = await hs.listen({ pollIntervalMs: 200 });
});

test.after(async () => {
  await listener.stop();
  await world.close();
});

test('pk text maps through the column: integer, bigint, uuid, text', () => {
  assert.is(fromPkText(getTableColumns(world.tables.items).id, '42'), 42);
  assert.is(fromPkText(getTableColumns(world.tables.bigs).id, '9007199254740993'), 9007199254740993n);
  assert.is(fromPkText(getTableColumns(world.tables.uids).id, '7d444840-9dc0-11d1-b245-5ffdce74fad2'), '7d444840-9dc0-11d1-b245-5ffdce74fad2');
  assert.is(fromPkText(getTableColumns(world.tables.names).name, 'a,b'), 'a,b');
});

async function cachedThenRaw(read: () => Promise<unknown>, rawSql: string, params: unknown[], expect: (row: unknown) => boolean, what: string) {
  await read();
  assert.not.ok(expect(await read()), `${what}: cached before the change`);
  await world.admin.sql.unsafe(rawSql, params as never[]);
  await eventually(async () => expect(await read()), what);
}

test('raw updates reach rows keyed by integer, bigint, uuid, text with separators, and composite text', timed(30_000, async () => {
  const s = `"${world.schema}"`;
  await world.admin.sql.unsafe(`insert into ${s}.items values (7, 'seven@example.com', 'x')`);
  await world.admin.sql.unsafe(`insert into ${s}.bigs values (9007199254740993, 'x')`);
  await world.admin.sql.unsafe(`insert into ${s}.uids values ('7d444840-9dc0-11d1-b245-5ffdce74fad2', 'x')`);
  const text = 'a,b:{c}=%.@ é';
  await world.admin.sql.unsafe(`insert into ${s}.names values ($1, 'x')`, [text]);
  await world.admin.sql.unsafe(`insert into ${s}.pairs values ('a,b', 'c', 'x'), ('a', 'b,c', 'x')`);
  const changed = (row: unknown) => (row as { v?: string; name?: string } | null)?.v === 'y' || (row as { name?: string } | null)?.name === 'y';
  await cachedThenRaw(() => world.hot.items.getBy(hs, ['id'], { id: 7 }), `update ${s}.items set name = 'y' where id = 7`, [], changed, 'integer');
  await cachedThenRaw(() => world.hot.bigs.getBy(hs, ['id'], { id: 9007199254740993n }), `update ${s}.bigs set v = 'y'`, [], changed, 'bigint');
  await cachedThenRaw(() => world.hot.uids.getBy(hs, ['id'], { id: '7d444840-9dc0-11d1-b245-5ffdce74fad2' }), `update ${s}.uids set v = 'y'`, [], changed, 'uuid');
  await cachedThenRaw(() => world.hot.names.getBy(hs, ['name'], { name: text }), `update ${s}.names set v = 'y' where name = $1`, [text], changed, 'text with separators');
  const other = () => world.hot.pairs.getBy(hs, ['a', 'b'], { a: 'a', b: 'b,c' });
  await other();
  await cachedThenRaw(() => world.hot.pairs.getBy(hs, ['a', 'b'], { a: 'a,b', b: 'c' }), `update ${s}.pairs set v = 'y' where a = 'a,b'`, [], changed, 'composite');
  assert.is((await other())?.v, 'x', 'the other composite row (the same texts joined differently) keeps its value');
}));

test.run();
