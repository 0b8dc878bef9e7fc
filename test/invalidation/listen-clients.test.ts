// hs.listen() over the clients an application may have: the listener's LISTEN runs on a connection it keeps for
// itself (never a pool's random one, never the application's own single client), given as `sql` (a postgres.js
// client, a node-postgres Pool or a connected Client) or made from the storage's drizzle client.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import type { ListenOptions } from '@hotstorage/runtime';
import { createHotStorage } from '@hotstorage/runtime/testing';
import { DATABASE_URL, REDIS_URL } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';
import { eventually, openWorld, type World } from './world.js';

let world: World;
const closers: (() => Promise<unknown>)[] = [];

test.before(async () => {
  world = await openWorld('inval_clients', { driver: 'node-postgres' });
  await world.admin.sql.unsafe(`insert into "${world.schema}".items values (1, 'one@example.com', 'v0')`);
});

test.after(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await world.close();
});

/** A storage over drizzle(client) (a pg Client or Pool), with the world's tables and outbox. */
async function storageOver(client: pg.Client | pg.Pool) {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  closers.push(async () => redis.disconnect());
  const hs = await createHotStorage({ db: drizzlePg(client), redis, prefix: world.prefix, outboxSchema: world.feed, tables: Object.values(world.hot), statsFlushMs: 0 });
  closers.push(() => hs.close());
  return hs;
}

async function connectedClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  closers.push(() => client.end());
  return client;
}

const channels = async (client: pg.Client) => (await client.query<{ channel: string }>('select pg_listening_channels() as channel')).rows.map((r) => r.channel);

/** A raw write reaches a cached row through the listener: the row read afterwards is the new one. */
async function rawWriteIsSeen(hs: Awaited<ReturnType<typeof storageOver>>, name: string): Promise<void> {
  await world.hot.items.getBy(hs, ['id'], { id: 1 }); // cached
  await world.admin.sql.unsafe(`update "${world.schema}".items set name = $1 where id = 1`, [name]);
  await eventually(async () => (await world.hot.items.getBy(hs, ['id'], { id: 1 }))?.name === name, `the raw write ${name} is seen`);
}

test('the ListenClient type takes a postgres.js client, a pg Pool and a pg Client', () => {
  // Compiled by tsc with the rest of the suite: each assignment is checked against the structural type.
  const options: ListenOptions[] = [
    { sql: postgres(DATABASE_URL, { max: 1 }) },
    { sql: new pg.Pool({ connectionString: DATABASE_URL }) },
    { sql: new pg.Client({ connectionString: DATABASE_URL }) },
  ];
  assert.is(options.length, 3);
  void (options[0]?.sql as postgres.Sql).end();
  void (options[1]?.sql as pg.Pool).end();
});

test('an application on one pg Client: the listener opens its own connection and never LISTENs on the application\'s', timed(30_000, async () => {
  const app = await connectedClient();
  const hs = await storageOver(app);
  const listener = await hs.listen({ pollIntervalMs: 60_000 }); // the wake-up, not the poll, must do it
  closers.push(() => listener.stop());
  await rawWriteIsSeen(hs, 'seen through the listener\'s own client');
  assert.equal(await channels(app), [], 'the application\'s connection is not listening');
  assert.is((await app.query('select 1 as one')).rows[0]?.one, 1, 'and still serves the application');
  await listener.stop();
}));

test('a connected pg Client given as `sql` carries LISTEN and the drains, and is left open and unlistened at stop', timed(30_000, async () => {
  const app = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  closers.push(() => app.end());
  const hs = await storageOver(app);
  const dedicated = await connectedClient();
  const listener = await hs.listen({ sql: dedicated, pollIntervalMs: 60_000 });
  assert.equal(await channels(dedicated), [world.feed], 'LISTEN on the given client');
  await rawWriteIsSeen(hs, 'seen through the given client');
  await listener.stop();
  assert.equal(await channels(dedicated), [], 'UNLISTEN at stop; the client stays the caller\'s, open');
}));

test('a postgres.js client given as `sql` to a storage over node-postgres', timed(30_000, async () => {
  const app = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  closers.push(() => app.end());
  const hs = await storageOver(app);
  const direct = postgres(DATABASE_URL, { max: 2, onnotice: () => {} });
  closers.push(() => direct.end({ timeout: 1 }));
  const listener = await hs.listen({ sql: direct, pollIntervalMs: 60_000 });
  closers.push(() => listener.stop());
  await rawWriteIsSeen(hs, 'seen through postgres.js');
  await listener.stop();
}));

test.run();
