// Issue 13, 2: Redis is killed and restarts empty. Process 1's client is still reconnecting (its own backoff) when
// process 2, connected again, reads a row from Postgres; process 1 commits a new version of that row meanwhile, and
// process 2 fills the row it read before that commit. Without a confirmed lease process 1 cannot stop that fill, which
// then stands until its repair lands. The standby connection (runtime/src/storage/standby-connection.ts) tries every
// `repairIntervalMs` whatever the application's client does: once connected it carries the writer's lease (the fill
// is refused: no window), and before that the repair (a window of one connection set-up, instead of the application
// client's reconnection delay). Two storages with clients of their own on a redis-server of the suite's own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { timed } from '../helpers/timeout.js';
import { openWorld, until, user, type World } from './world.js';

let world: World;
let nextId = 1;

test.before(async () => {
  world = await openWorld('reconnwriter'); // not persistent: a restart comes back empty
});
test.after(async () => {
  await world.close();
});

/** Process 1's client reconnects this long after each failed attempt (ioredis's default backs off up to 2 s). */
const SLOW_RECONNECT_MS = 5000;
/** The window the repair connection must keep to: its interval (100 ms by default) plus a round trip, with room for a loaded machine. */
const BOUND_MS = 1000;

test('a writer still reconnecting after a restart repairs through its own connection: the row another process filled before its commit stands at most about repairIntervalMs', timed(40_000, async () => {
  const id = nextId++;
  await world.admin.sql.unsafe(`insert into "${world.schema}".users (id, email, tenant_id, slug, name) values ($1, $2, 1, $3, 'before')`, [id, `u${id}@example.com`, `s${id}`]);
  const writer = await world.storage({ commandTimeoutMs: 300 }, { retryStrategy: () => SLOW_RECONNECT_MS });
  let committedAt = 0;
  let armed = false;
  const reader = await world.storage(
    {
      hooks: {
        // The reader holds the row's lease and has read 'before' from Postgres: now the writer commits 'after'.
        afterDbRead: async () => {
          if (!armed) return;
          armed = false;
          assert.is.not(writer.redis.status, 'ready', 'the writer is still reconnecting');
          assert.is((await world.users.save(writer.hs, user(id, { name: 'after' }))).name, 'after');
          committedAt = performance.now();
        },
      },
    },
    { retryStrategy: () => 20 },
  );

  await world.server.kill();
  await until(async () => writer.redis.status !== 'ready' && reader.redis.status !== 'ready', 'both clients to see Redis gone');
  await world.server.start();
  await until(async () => reader.redis.status === 'ready', 'the reader to reconnect');

  armed = true;
  assert.is((await world.users.getBy(reader.hs, ['id'], { id }))?.name, 'before', 'its answer was right when it read');
  assert.ok(committedAt > 0, 'the writer committed while the reader held its read');
  assert.is(writer.hs.stats().repairsQueued, 1, 'the commit could not reach Redis: its row went to the repair queue');

  // How long the reader keeps serving the pre-commit row once the commit has returned.
  let fresh = 0;
  const deadline = committedAt + SLOW_RECONNECT_MS + 3000;
  while (performance.now() < deadline) {
    if ((await world.users.getBy(reader.hs, ['id'], { id }))?.name === 'after') {
      fresh = performance.now();
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const staleMs = fresh === 0 ? Number.POSITIVE_INFINITY : fresh - committedAt;
  if (process.env.HS_FAULTS_VERBOSE) console.log(JSON.stringify({ staleMs: Math.round(staleMs), writerClient: writer.redis.status }));
  assert.ok(staleMs < BOUND_MS, `the reader served the pre-commit row for ${Math.round(staleMs)} ms after the commit returned`);
  assert.is.not(writer.redis.status, 'ready', 'the repair did not wait for the application\'s client');
  assert.is(writer.hs.stats().repairs, 1);
  assert.is(writer.hs.stats().repairsPending, 0);
  await until(async () => writer.redis.status === 'ready', 'the writer\'s own client to reconnect', SLOW_RECONNECT_MS + 5000);
  assert.is((await world.users.getBy(writer.hs, ['id'], { id }))?.name, 'after');
}));

test('a writer whose standby connection is up while its own client still reconnects takes its lease through it: the fill of the pre-commit row is refused', timed(40_000, async () => {
  const id = nextId++;
  const during = nextId++;
  await world.admin.sql.unsafe(`insert into "${world.schema}".users (id, email, tenant_id, slug, name) values ($1, $2, 1, $3, 'before')`, [id, `u${id}@example.com`, `s${id}`]);
  const writer = await world.storage({ commandTimeoutMs: 300 }, { retryStrategy: () => SLOW_RECONNECT_MS });
  let armed = false;
  let committed = false;
  const reader = await world.storage(
    {
      hooks: {
        afterDbRead: async () => {
          if (!armed) return;
          armed = false;
          assert.is.not(writer.redis.status, 'ready', 'the writer is still reconnecting');
          assert.is((await world.users.save(writer.hs, user(id, { name: 'after' }))).name, 'after');
          committed = true;
        },
      },
    },
    { retryStrategy: () => 20 },
  );

  await world.server.kill();
  await until(async () => writer.redis.status !== 'ready' && reader.redis.status !== 'ready', 'both clients to see Redis gone');
  // A write during the outage: it goes to the repair queue, and the standby connection starts trying.
  await world.users.save(writer.hs, user(during));
  await world.server.start();
  await until(async () => reader.redis.status === 'ready' && writer.hs.stats().repairsPending === 0, 'the reader to reconnect and the writer to repair');
  assert.is.not(writer.redis.status, 'ready', 'repaired while the writer\'s own client still reconnects');
  const before = writer.hs.stats();

  armed = true;
  assert.is((await world.users.getBy(reader.hs, ['id'], { id }))?.name, 'before', 'its answer was right when it read');
  assert.ok(committed);
  assert.is((await world.users.getBy(reader.hs, ['id'], { id }))?.name, 'after', 'the first read after the commit sees it');
  assert.is(reader.hs.stats().fillsRefused, 1, 'the fill of the pre-commit row was refused');
  const after = writer.hs.stats();
  assert.is(after.repairsQueued, before.repairsQueued, 'the commit needed no repair: its lease was confirmed');
  assert.is(after.writes, before.writes + 1, 'and its row reached the cache');
  assert.is.not(writer.redis.status, 'ready');
}));

test('the standby connection closes once idle, even when the application disconnected its client without hs.close(): it never keeps a shutting-down process connecting', timed(30_000, async () => {
  const writer = await world.storage({ commandTimeoutMs: 300 }, { retryStrategy: () => SLOW_RECONNECT_MS, connectionName: 'standby-end' });
  const named = async () => (await world.admin.redis.call('CLIENT', 'LIST')) as string;
  await world.server.kill();
  await until(async () => writer.redis.status !== 'ready', 'the writer to see Redis gone');
  await world.users.save(writer.hs, user(nextId++)); // queued for repair: the standby connection opens and keeps trying
  writer.redis.disconnect(); // the application shuts down without hs.close()
  await world.server.start();
  await until(async () => world.admin.redis.status === 'ready', 'the admin client to reconnect');
  // The standby connects (it is needed: a repair waits), repairs, and then nothing needs it: it closes after 2 s idle.
  await until(async () => writer.hs.stats().repairsPending === 0, 'the repair through the standby connection');
  assert.match(await named(), /name=standby-end/, 'the standby connection carried it');
  await until(async () => !/name=standby-end/.test(await named()), 'the idle standby connection to close', 5000);
}));

test.run();
