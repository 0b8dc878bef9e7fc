// The change feed is detected per table (issue 14.4): a table is under it when its capture triggers are installed,
// calling this storage's outbox schema, and the outbox exists; an outbox alone (another application's, or one left
// behind) changes nothing. A table whose capture function reads a column the table lacks (a wrong casing) is refused
// at startup with one sentence naming it and the column, before any write can fail (14.1).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { defineTable, FeedMismatchError, type HotStorageEvent } from '@hotstorage/runtime';
import { createHotStorage, type TestStorageOptions } from '@hotstorage/runtime/testing';
import { MODEL_VERSION, type Model } from '../../generator/model.js';
import { COLUMNS_MARK, planTable, triggersSql } from '../../generator/triggers.js';
import { openDatabase, testDriver } from '../helpers/drivers.js';
import { connectPostgres, connectRedis, deletePrefix, REDIS_URL, suiteName } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';
import { ddl, makeTables, modelOf } from './world.js';

const schema = suiteName('feed_detect');
const feed = `${schema}_feed`;
const prefix = `${schema}:`;
const admin = connectPostgres();
let redis: Redis;
const tables = makeTables(schema);
const hot = {
  items: defineTable(tables.items, { primaryKey: ['id'], uniqueKeys: [['email']], identity: ['id'] }),
  bigs: defineTable(tables.bigs, { primaryKey: ['id'], uniqueKeys: [], identity: ['id'] }),
  names: defineTable(tables.names, { primaryKey: ['name'], uniqueKeys: [], identity: ['name'] }),
};
const closers: (() => Promise<unknown>)[] = [];

/** The model of some of the world's tables, as `hotstorage inspect` would give it. */
const modelWith = (...names: string[]): Model => ({ version: MODEL_VERSION, tables: modelOf(schema).tables.filter((t) => names.includes(t.name)) });

test.before(async () => {
  redis = await connectRedis();
  await admin.unsafe(ddl(schema));
  // The feed for items only; bigs and names have none. The outbox exists.
  await admin.unsafe(triggersSql(modelWith('items'), { outboxSchema: feed }));
});

test.after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await admin.unsafe(`drop schema if exists "${schema}" cascade; drop schema if exists "${feed}" cascade`);
  await deletePrefix(redis, prefix);
  redis.disconnect();
  await admin.end({ timeout: 1 });
});

/** A storage over the process's driver; `queries` gets every statement its driver sends. */
async function open(options: Partial<TestStorageOptions> = {}) {
  const queries: string[] = [];
  const database = openDatabase(testDriver(), { queries });
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  closers.push(async () => {
    client.disconnect();
    await database.end();
  });
  const events: HotStorageEvent[] = [];
  const hs = await createHotStorage({ db: database.db, redis: client, prefix, outboxSchema: feed, statsFlushMs: 0, onEvent: (e) => events.push(e), ...options });
  closers.push(() => hs.close());
  return { hs, queries, events };
}

const feedEvents = (events: readonly HotStorageEvent[]) => events.filter((e) => e.type.startsWith('changeFeed')).map((e) => `${e.type} ${e.table}`);

/** The statements one save sends (their first words): 1 without the feed; with it, a transaction naming its writer. */
async function saveStatements(queries: string[], save: () => Promise<unknown>): Promise<string[]> {
  const before = queries.length;
  await save();
  return queries.slice(before).map((q) => (/^\s*(\w+(?:\s+\w+)?)/.exec(q.toLowerCase())?.[1] ?? q));
}

test('each table is detected on its own: items has its capture triggers, bigs has none though the outbox exists', timed(20_000, async () => {
  const { hs, queries, events } = await open({ tables: [hot.items, hot.bigs] });
  assert.equal(hs.changeFeed(), [
    { table: `${schema}.items`, changeFeed: true, triggers: 'installed' },
    { table: `${schema}.bigs`, changeFeed: false, triggers: 'absent' },
  ]);
  assert.equal(feedEvents(events), [`changeFeedOn ${schema}.items`, `changeFeedOff ${schema}.bigs`]);
  assert.is(hs.stats().tablesWithFeed, 1);
  assert.is(hs.stats().tablesWithoutFeed, 1);
  const plain = await saveStatements(queries, () => hot.bigs.save(hs, { id: 1n, v: 'x' }));
  assert.equal(plain, ['insert into'], 'a table without the feed: one statement, no transaction, no origin');
  const marked = await saveStatements(queries, () => hot.items.save(hs, { id: 1, email: 'a@example.com', name: 'a' }));
  assert.equal(marked, ['begin', 'select set_config', 'insert into', 'commit'], 'the feed\'s table: a transaction that names its writer');
}));

test('an outbox and triggers of another outbox schema do not put a table under this storage\'s feed', timed(20_000, async () => {
  // Another application's feed on names, into its own outbox schema.
  const other = `${schema}_other`;
  await admin.unsafe(triggersSql(modelWith('names'), { outboxSchema: other }));
  closers.push(() => admin.unsafe(`drop schema if exists "${other}" cascade`));
  const { hs, queries } = await open({ tables: [hot.names] });
  assert.equal(hs.changeFeed(), [{ table: `${schema}.names`, changeFeed: false, triggers: 'absent' }]);
  assert.equal(await saveStatements(queries, () => hot.names.save(hs, { name: 'n', v: 'x' })), ['insert into']);
}));

test('a table used without being in `tables` is detected at its first use, in one statement', timed(20_000, async () => {
  const { hs, queries } = await open();
  assert.equal(hs.changeFeed(), []);
  const before = queries.length;
  assert.is(await hot.items.getBy(hs, ['id'], { id: 424242 }), null);
  const sent = queries.slice(before);
  assert.is(sent.filter((q) => q.includes('pg_trigger')).length, 1, 'one detection statement');
  assert.equal(hs.changeFeed(), [{ table: `${schema}.items`, changeFeed: true, triggers: 'installed' }]);
  await hot.items.getBy(hs, ['id'], { id: 424242 });
  assert.is(queries.slice(before).filter((q) => q.includes('pg_trigger')).length, 1, 'not again');
}));

test('a table missing some of its capture triggers is under the feed (what they record must be drained), reported incomplete', timed(20_000, async () => {
  await admin.unsafe(`drop trigger hotstorage_truncate on "${schema}".items`);
  try {
    const { hs } = await open({ tables: [hot.items] });
    assert.equal(hs.changeFeed(), [{ table: `${schema}.items`, changeFeed: true, triggers: 'incomplete', detail: 'missing trigger hotstorage_truncate' }]);
  } finally {
    await admin.unsafe(triggersSql(modelWith('items'), { outboxSchema: feed }));
  }
}));

test('capture triggers whose outbox is gone are refused at startup: every write to the table would fail', timed(20_000, async () => {
  await admin.unsafe(`alter table "${feed}".outbox rename to outbox_gone`);
  try {
    const error = await open({ tables: [hot.items] }).then(() => undefined, (e: unknown) => e);
    assert.instance(error, FeedMismatchError);
    assert.match((error as Error).message, `table ${schema}.items: its change-feed triggers write to ${feed}.outbox, which does not exist`);
  } finally {
    await admin.unsafe(`alter table "${feed}".outbox_gone rename to outbox`);
  }
}));

test('a capture function reading a column the table lacks (a wrong casing) is refused before any write can fail', timed(20_000, async () => {
  // The model a wrong casing gives: the unique column named email_address, while the table's column is email.
  const wrong = modelWith('items');
  const table = wrong.tables[0];
  if (table === undefined) throw new Error('no items');
  const casing = { ...wrong, tables: [{ ...table, columns: table.columns.map((c) => (c.key === 'email' ? { ...c, name: 'email_address' } : c)) }] };
  await admin.unsafe(`insert into "${schema}".items values (77, 'raw@example.com', 'raw')`);
  await admin.unsafe(triggersSql(casing, { outboxSchema: feed })); // plpgsql does not check column names at install
  try {
    // What the check prevents: writes to the table now fail inside Postgres (an update reads the unique columns).
    const raw = await admin.unsafe(`update "${schema}".items set name = 'changed' where id = 77`).then(() => undefined, (e: unknown) => e);
    assert.match(String((raw as Error).message), /email_address/);
    const error = await open({ tables: [hot.items] }).then(() => undefined, (e: unknown) => e);
    assert.instance(error, FeedMismatchError);
    const message = (error as Error).message;
    assert.match(message, `table ${schema}.items: its change-feed function ${feed}.`);
    assert.match(message, 'reads column "email_address", which the table does not have, so every write to the table would fail in Postgres');
    assert.is(message.split('. ').length, 1, `one sentence: ${message}`);
    // A table first used without being in `tables`: its first call is refused, before its statement is sent.
    const { hs, queries } = await open();
    const before = queries.length;
    const save = await hot.items.save(hs, { id: 77, email: 'raw@example.com', name: 'changed' }).then(() => undefined, (e: unknown) => e);
    assert.instance(save, FeedMismatchError);
    assert.not.ok(queries.slice(before).some((q) => /^\s*insert/i.test(q)), 'no statement of the save was sent');
  } finally {
    await admin.unsafe(triggersSql(modelWith('items'), { outboxSchema: feed }));
  }
}));

test('every column a generated capture function reads is in its columns mark', () => {
  for (const table of modelOf(schema).tables) {
    const plan = planTable(table, { outboxSchema: feed });
    const mark = new RegExp(`-- ${COLUMNS_MARK} (.*)`).exec(plan.functionSql)?.[1];
    assert.ok(mark, `${table.name}: a columns mark`);
    const listed = JSON.parse(mark) as string[];
    const read = [...plan.functionSql.matchAll(/\b[on]\."((?:[^"]|"")+)"/g)].map((m) => (m[1] ?? '').replace(/""/g, '"'));
    assert.ok(read.length > 0);
    for (const column of read) assert.ok(listed.includes(column), `${table.name}: ${column} is read but not listed in ${mark}`);
  }
});

test.run();
