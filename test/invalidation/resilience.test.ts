// The outbox is the durable part: a listener whose connection is killed, or that is stopped for a while, catches up
// and leaves no stale read. And the lease override in invalidate-row is what stops a reader that read the old row
// before the commit from filling it after the invalidation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import type { HotStorage, Listener } from '@hotstorage/runtime';
import { startRedisServer } from '../helpers/redis-server.js';
import { timed } from '../helpers/timeout.js';
import { disagreement, emailOf, eventually, openWorld, range, warm, type World } from './world.js';

// postgres.js 3.4.9 can throw from a setImmediate when a backend dies while a small write is still buffered
// (`nextWrite` on a null socket: porsager/postgres#1154 and #1208, open upstream), which no caller can catch. This suite
// kills backends on purpose, so it survives exactly that driver defect, counts it, and dies on anything else.
let driverDefects = 0;
process.on('uncaughtException', (error) => {
  if (error instanceof TypeError && error.message.includes("reading 'write'") && /postgres[\\/]src[\\/]connection\.js/.test(error.stack ?? '')) {
    driverDefects += 1;
    console.log(`  postgres.js nextWrite defect after a killed backend (${driverDefects}); upstream porsager/postgres#1208`);
    return;
  }
  console.error(error);
  process.exit(1);
});

let world: World;
let hs: HotStorage;
let listener: Listener;

const items = () => `"${world.schema}".items`;
const outboxSize = async () => Number((await world.admin.sql.unsafe<{ n: string }[]>(`select count(*)::text as n from "${world.feed}".outbox`))[0]?.n);

async function seed(ids: readonly number[]): Promise<void> {
  await world.admin.sql.unsafe(`insert into ${items()} (id, email, name) select g, 'u' || g || '@example.com', 'n' || g from unnest($1::int[]) g`, [ids as number[]]);
}

async function agrees(ids: readonly number[], what: string): Promise<void> {
  let last: string | undefined;
  await eventually(async () => (last = await disagreement(world, hs, ids, ids.map(emailOf))) === undefined, `${what}: ${last ?? ''}`, 30_000);
}

/** Backends of the listener: its LISTEN connection (channel = the outbox schema) and any drain under way. */
async function killListenerBackends(): Promise<number> {
  const rows = await world.admin.sql.unsafe<{ killed: boolean }[]>(
    `select pg_terminate_backend(pid) as killed from pg_stat_activity
     where pid <> pg_backend_pid() and (lower(query) = $1 or query like $2)`,
    [`listen "${world.feed}"`, `%delete from "${world.feed}".outbox%`],
  );
  return rows.filter((r) => r.killed).length;
}

test.before(async () => {
  world = await openWorld('inval_resil');
  ({ hs } = await world.storage());
  listener = await hs.listen({ pollIntervalMs: 200 });
});

test.after(async () => {
  await listener.stop();
  await world.close();
});

test('the listener\'s backend killed in the middle of a bulk update: no stale read afterwards', timed(90_000, async () => {
  const ids = range(1, 5000);
  await seed(ids);
  await warm(world, hs, ids, ids.map(emailOf));
  let killed = 0;
  // 5000 rows in statements of 250 (under the trigger's row limit: every key is recorded), killing mid-way.
  for (let from = 1; from <= 5000; from += 250) {
    await world.admin.sql.unsafe(`update ${items()} set name = name || '*' where id between $1 and $2`, [from, from + 249]);
    if (from === 2251) killed = await killListenerBackends();
  }
  assert.ok(killed >= 1, 'the LISTEN backend was found and terminated');
  await agrees(ids, 'after the kill');
  await eventually(async () => (await outboxSize()) === 0, 'the outbox is drained');
}));

test('the listener stopped during writes and started again: it catches up, no stale read', timed(90_000, async () => {
  const ids = range(10_001, 12_000);
  await seed(ids);
  await warm(world, hs, ids, ids.map(emailOf));
  const writes = (async () => {
    for (let from = 10_001; from <= 12_000; from += 100) {
      await world.admin.sql.unsafe(`update ${items()} set name = name || '#' where id between $1 and $2`, [from, from + 99]);
    }
  })();
  await listener.stop();
  await writes;
  await warm(world, hs, ids, ids.map(emailOf));
  assert.ok((await disagreement(world, hs, ids, ids.map(emailOf))) !== undefined, 'stale while no listener runs');
  listener = await hs.listen({ pollIntervalMs: 200 });
  await agrees(ids, 'after the restart');
}));

/**
 * A reader leases a missing row and reads it from Postgres (old value); then a raw update commits and the listener
 * invalidates; then the reader fills. With the override its fill is refused; without it the old row stays cached.
 */
async function staleFillSurvives(overrideLease: boolean, id: number): Promise<boolean> {
  await seed([id]);
  let readDone!: () => void;
  const read = new Promise<void>((resolve) => (readDone = resolve));
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const reader = await world.storage({
    hooks: {
      async afterDbRead(step) {
        if (step.row?.['id'] !== id) return;
        readDone();
        await gate;
      },
    },
  });
  await listener.stop();
  // The invalidating storage is the one with the seam: without it, its invalidations do not override the lease.
  const invalidating = await world.storage({ unsafeSkipLeaseOverride: !overrideLease });
  const only = await invalidating.hs.listen({ pollIntervalMs: 60_000 });
  try {
    const pending = world.hot.items.getBy(reader.hs, ['id'], { id });
    await read;
    await world.admin.sql.unsafe(`update ${items()} set name = 'new' where id = $1`, [id]);
    await eventually(async () => {
      await only.drain();
      return (await outboxSize()) === 0;
    }, 'the invalidation is done');
    open();
    assert.is((await pending)?.name, `n${id}`, 'the reader answered what it read');
    return (await world.hot.items.getBy(hs, ['id'], { id }))?.name !== 'new';
  } finally {
    await only.stop();
    listener = await hs.listen({ pollIntervalMs: 200 });
  }
}

test('the lease override matters: without it a reader that read before the commit fills the old row after the invalidation', timed(30_000, async () => {
  assert.ok(await staleFillSurvives(false, 20_001), 'without the override the stale fill survives');
  assert.not.ok(await staleFillSurvives(true, 20_002), 'with the override the fill is refused');
}));

test('Redis down while draining: the drain rolls back, the entry stays, and is applied once Redis is back', timed(60_000, async () => {
  const server = await startRedisServer({ persist: true });
  const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined); // refused connections while the server is down are the point of this test
  try {
    const own = await world.storage({ redis: client, commandTimeoutMs: 300 });
    await seed([30_001]);
    assert.is((await world.hot.items.getBy(own.hs, ['id'], { id: 30_001 }))?.name, 'n30001');
    await listener.stop(); // this test's entries are drained by the listener on the storage below only
    const errors: unknown[] = [];
    const drainer = await own.hs.listen({ pollIntervalMs: 100, onError: (error) => errors.push(error) });
    await server.stop();
    await world.admin.sql.unsafe(`update ${items()} set name = 'while down' where id = 30001`);
    await eventually(async () => errors.length >= 2, 'drains fail while Redis is down');
    assert.is(await outboxSize(), 1, 'the entry stays');
    await server.start();
    await eventually(async () => (await outboxSize()) === 0, 'drained once Redis is back');
    assert.is((await world.hot.items.getBy(own.hs, ['id'], { id: 30_001 }))?.name, 'while down', 'the row cached before the outage is gone');
    await drainer.stop();
  } finally {
    client.disconnect();
    await server.destroy();
    listener = await hs.listen({ pollIntervalMs: 200 });
  }
}));

test.run();
