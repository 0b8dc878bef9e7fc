// Commands that arrive late and keys that vanish. A command hotstorage gave up on may still reach Redis afterwards (a
// paused server, a congested network, ioredis re-sending unanswered commands after a reconnect), and a Redis under
// memory pressure may evict any key: a lease, a row, the invalid marker. Each test places one such event at
// the exact step where it would make an older row look current, and shows the row stays correct.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { rowCodecFor } from '../../runtime/src/codecs/row-codec.js';
import { ALL_SCRIPTS, invalidateRow } from '../../runtime/src/redis/scripts.js';
import { timed } from '../helpers/timeout.js';
import { startRelay } from '../helpers/relay.js';
import { audit, dumpPrefix, openWorld, until, user, type World } from './world.js';

let world: World;
let nextId = 1;

test.before(async () => {
  world = await openWorld('late');
});
test.after(async () => {
  await world.close();
});

async function rowKeyOf(id: number): Promise<string> {
  const keys = await world.admin.redis.keys(`${world.prefix}users@*:{${id}}`);
  const [key] = keys;
  assert.ok(key !== undefined && keys.length === 1, `one row key for ${id}: ${keys.join(', ')}`);
  return key;
}

async function insertRaw(id: number, name: string): Promise<void> {
  const u = user(id, { name });
  await world.admin.sql.unsafe(`insert into "${world.schema}".users (id, email, tenant_id, slug, name, version) values ($1, $2, $3, $4, $5, $6)`, [
    u.id, u.email, u.tenantId, u.slug, u.name, u.version,
  ]);
}

const encoded = (row: ReturnType<typeof user>) => rowCodecFor(world.tables.users).encode(row);

test('nothing is queued while the client is disconnected: a restarted Redis receives no command sent during its outage', timed(30_000, async () => {
  const id = nextId++;
  // ioredis defaults: an offline queue and 20 reconnect attempts per command. hotstorage must not use them.
  const s = await world.storage({ commandTimeoutMs: 300, repairIntervalMs: 60_000 });
  await world.users.save(s.hs, user(id));
  await world.server.stop();
  let elapsed: number;
  try {
    await until(async () => s.redis.status !== 'ready', 'the client to see the outage');
    const started = Date.now();
    assert.is((await world.users.getBy(s.hs, ['id'], { id }))?.name, `user ${id}`);
    assert.is((await world.users.save(s.hs, user(id, { name: 'during' }))).name, 'during');
    assert.is((await world.users.getBy(s.hs, ['email'], { email: `u${id}@example.com` }))?.name, 'during');
    elapsed = Date.now() - started;
  } finally {
    await world.server.start();
  }
  assert.ok(elapsed < 300, `no call waited for a command timeout (${elapsed} ms for three calls): nothing was sent`);
  await until(async () => s.redis.status === 'ready', 'the client to reconnect');
  await s.redis.ping(); // answered after anything the client had queued
  // The reconnection repairs the row written during the outage (invalidate-row); no call made during it got through.
  const sentDuringOutage = ALL_SCRIPTS.filter((script) => script !== invalidateRow);
  const loaded = await world.admin.redis.script('EXISTS', ...sentDuringOutage.map((script) => createHash('sha1').update(script.lua).digest('hex')));
  assert.equal(loaded, sentDuringOutage.map(() => 0), 'no script but the repair reached the restarted server');
  assert.is(await s.hs.flushRepairs(), 0);
  assert.is((await world.users.getBy(s.hs, ['id'], { id }))?.name, 'during');
}));

test('a cache update given up on that Redis runs after the repair (NOSCRIPT: ioredis sends the script again, behind later commands) never writes its row over a newer commit', timed(30_000, async () => {
  const id = nextId++;
  const relay = await startRelay(world.server.port);
  try {
    let holdAfterCommit = false;
    const s = await world.storage(
      {
        commandTimeoutMs: 300,
        repairIntervalMs: 60_000,
        leaseTtlMs: 20_000, // the late writer's lease still stands when its update arrives
        hooks: {
          afterCommit: async () => {
            if (!holdAfterCommit) return;
            holdAfterCommit = false;
            // Redis forgets its scripts (SCRIPT FLUSH, a restart behind a proxy, a failover): the next EVALSHA of each
            // fails with NOSCRIPT, and ioredis sends the script again as EVAL once that error arrives, behind whatever
            // was sent meanwhile. And the cache update of this commit, with all that follows, stays in the network.
            await world.admin.redis.script('FLUSH');
            relay.hold();
          },
        },
      },
      { port: relay.port },
    );
    await world.users.save(s.hs, user(id, { name: 'v0' })); // each write script has been sent on this connection
    const key = await rowKeyOf(id);
    holdAfterCommit = true;
    assert.is((await world.users.save(s.hs, user(id, { name: 'older' }))).name, 'older'); // its update timed out: queued
    const [olderWriter = ''] = await world.admin.redis.zrange(`${key}:writers`, '0', '-1');
    assert.ok(olderWriter.startsWith('w:'), "the older writer's lease was confirmed before its commit");
    assert.is((await world.users.save(s.hs, user(id, { name: 'newer' }))).name, 'newer'); // its lease timed out: queued
    relay.release(); // Redis runs older's update (NOSCRIPT), newer's lease (NOSCRIPT), the repair; then the EVALs
    await until(async () => (await s.hs.flushRepairs()) === 0, 'the repair');
    await until(async () => (await world.admin.redis.zscore(`${key}:writers`, olderWriter)) === null, "the older writer's update to run");
    const [inDb] = await world.admin.sql.unsafe(`select name from "${world.schema}".users where id = $1`, [id]);
    assert.is(inDb?.name, 'newer');
    assert.is.not(await world.admin.redis.get(key), encoded(user(id, { name: 'older' })), 'the older row is not in the cache');
    assert.is((await world.users.getBy(s.hs, ['id'], { id }))?.name, 'newer');
    await audit(world, s, [id]);
  } finally {
    await relay.close();
  }
}));

test('a writer whose lease reaches Redis only after its commit (held in the network) never writes its row over a newer one', timed(30_000, async () => {
  const id = nextId++;
  const relay = await startRelay(world.server.port);
  try {
    const direct = await world.storage();
    await world.users.save(direct.hs, user(id, { name: 'v0' }));
    const key = await rowKeyOf(id);
    let armed = true;
    const late = await world.storage(
      {
        commandTimeoutMs: 200,
        repairIntervalMs: 60_000,
        hooks: {
          // Our commit is done; our lease request is still held in the network. Another process now writes a newer
          // row and finishes; then the network delivers our lease request, which Redis grants (nobody is in flight).
          afterCommit: async () => {
            if (!armed) return;
            armed = false;
            await world.users.save(direct.hs, user(id, { name: 'newer' }));
            relay.release();
            await until(async () => (await world.admin.redis.zcard(`${key}:writers`)) > 0, 'the late lease to reach Redis');
          },
        },
      },
      { port: relay.port },
    );
    relay.hold();
    const saved = await world.users.save(late.hs, user(id, { name: 'older' }));
    assert.is(saved.name, 'older');
    const [inDb] = await world.admin.sql.unsafe(`select name from "${world.schema}".users where id = $1`, [id]);
    assert.is(inDb?.name, 'newer', 'the newer write committed last');
    assert.is.not(await world.admin.redis.get(key), encoded(user(id, { name: 'older' })), 'the older row is not in the cache');
    assert.is((await world.users.getBy(direct.hs, ['id'], { id }))?.name, 'newer');
    await audit(world, direct, [id]);
    assert.is(late.hs.stats().repairsQueued, 1, 'the unconfirmed row went to the repair queue');
    assert.is(await late.hs.flushRepairs(), 0);
    assert.is(await world.admin.redis.get(key), null, 'the repair deleted the row: the next read refills it');
  } finally {
    await relay.close();
  }
}));

for (const evicted of ['the invalid marker', 'the writer\'s lease and then its row'] as const) {
  test(`a reader that read Postgres before a commit never fills, even when ${evicted} is evicted before its fill`, timed(30_000, async () => {
    const id = nextId++;
    await insertRaw(id, 'before');
    let key = '';
    let readerRead: () => void = () => {};
    let letReaderFill: () => void = () => {};
    const readerAtFill = new Promise<void>((resolve) => (readerRead = resolve));
    const fillMayGo = new Promise<void>((resolve) => (letReaderFill = resolve));
    let read: Promise<unknown> = Promise.resolve();
    const reader = await world.storage({ hooks: { afterDbRead: async () => { readerRead(); await fillMayGo; } } });
    const writer = await world.storage({
      leaseTtlMs: evicted === 'the invalid marker' ? 200 : 5000,
      hooks: {
        beforeCommit: async ({ keys }) => {
          key = (keys[0] ?? '').replace(/:lease$/, '');
          if (evicted === 'the invalid marker') {
            // A slow commit: our lease expires, then a reader is granted one and reads the row we are replacing.
            await until(async () => (await world.admin.redis.exists(`${key}:lease`)) === 0, 'the writer lease to expire');
          } else {
            await world.admin.redis.del(`${key}:lease`); // evicted: a reader is granted a lease while we are in flight
          }
          read = world.users.getBy(reader.hs, ['id'], { id });
          await readerAtFill;
        },
        afterApply: async () => {
          if (evicted === 'the invalid marker') assert.is(await world.admin.redis.get(key), '~hotstorage:invalid');
          await world.admin.redis.del(key); // evicted before the reader's fill arrives
          letReaderFill();
        },
      },
    });
    await world.users.save(writer.hs, user(id, { name: 'after' }));
    assert.is(((await read) as { name?: string } | null)?.name, 'before', 'the reader answers what it read');
    assert.is.not(await world.admin.redis.get(key), encoded(user(id, { name: 'before' })), 'the pre-commit row was not filled');
    assert.is((await world.users.getBy(reader.hs, ['id'], { id }))?.name, 'after');
    await audit(world, reader, [id]);
  }));
}

test('an evicted row leaves its old pointers behind; a lookup by an old value never returns the row that left it', timed(20_000, async () => {
  const id = nextId++;
  const s = await world.storage();
  await world.users.save(s.hs, user(id, { email: `old${id}@x.io` }));
  assert.is((await world.users.getBy(s.hs, ['email'], { email: `old${id}@x.io` }))?.id, id);
  const key = await rowKeyOf(id);
  // The next writer learns the pointers to remove from the row cached when it takes its lease: none after an eviction.
  await world.admin.redis.del(key);
  await world.users.update(s.hs, { id }, { email: `new${id}@x.io` });
  const dump = await dumpPrefix(world.admin.redis, world.prefix);
  assert.ok(Object.keys(dump).some((k) => k.endsWith(`:email=old${id}%40x%2Eio`)), 'the old pointer is still there');
  assert.is(await world.users.getBy(s.hs, ['email'], { email: `old${id}@x.io` }), null);
  assert.is((await world.users.getBy(s.hs, ['email'], { email: `new${id}@x.io` }))?.id, id);
  const found = await audit(world, s, [id]);
  assert.is(found.stalePointers, 1, 'the old pointer remains until it expires: a hint, re-checked by every lookup');
}));

/** A promise with its resolver, for placing two writers' steps in a chosen order through the protocol's hooks. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire: () => void = () => {};
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

test('two overlapping writers whose contention mark (:contended) is evicted still leave the invalid marker, not the earlier commit', timed(30_000, async () => {
  const id = nextId++;
  const base = await world.storage();
  await world.users.save(base.hs, user(id, { name: 'v0' }));
  const key = await rowKeyOf(id);
  const secondLeased = signal();
  const secondMayCommit = signal();
  let second: Promise<unknown> = Promise.resolve();
  let armed = true;
  const w2 = await world.storage({ hooks: { beforeCommit: async () => { secondLeased.fire(); await secondMayCommit.promise; } } });
  const w1 = await world.storage({
    hooks: {
      beforeCommit: async () => {
        if (!armed) return;
        second = world.users.save(w2.hs, user(id, { name: 'second' }));
        await secondLeased.promise; // both in flight: each is marked contended
        await world.admin.redis.del(`${key}:contended`); // evicted
      },
      afterCommit: async () => {
        if (!armed) return;
        armed = false;
        secondMayCommit.fire(); // the second commits after us, and updates the cache before us
        await second;
      },
    },
  });
  await world.users.save(w1.hs, user(id, { name: 'first' }));
  const [inDb] = await world.admin.sql.unsafe(`select name from "${world.schema}".users where id = $1`, [id]);
  assert.is(inDb?.name, 'second');
  assert.is.not(await world.admin.redis.get(key), encoded(user(id, { name: 'first' })), 'the earlier commit is not cached');
  assert.is((await world.users.getBy(base.hs, ['id'], { id }))?.name, 'second');
  await audit(world, base, [id]);
}));

test('a writer whose in-flight record (:writers) is evicted makes the writer that started meanwhile leave the invalid marker too', timed(30_000, async () => {
  const id = nextId++;
  const base = await world.storage();
  await world.users.save(base.hs, user(id, { name: 'v0' }));
  const key = await rowKeyOf(id);
  const secondCommitted = signal();
  const secondMayApply = signal();
  let second: Promise<unknown> = Promise.resolve();
  let armed = true;
  const w2 = await world.storage({ hooks: { afterCommit: async () => { secondCommitted.fire(); await secondMayApply.promise; } } });
  const w1 = await world.storage({
    hooks: {
      beforeCommit: async () => {
        if (!armed) return;
        await world.admin.redis.del(`${key}:writers`); // evicted: the second writer will not see us
        second = world.users.save(w2.hs, user(id, { name: 'second' }));
        await secondCommitted.promise; // it commits before us, and updates the cache after us
      },
      afterApply: () => {
        if (!armed) return;
        armed = false;
        secondMayApply.fire();
      },
    },
  });
  await world.users.save(w1.hs, user(id, { name: 'first' }));
  await second;
  const [inDb] = await world.admin.sql.unsafe(`select name from "${world.schema}".users where id = $1`, [id]);
  assert.is(inDb?.name, 'first', 'the first writer committed last');
  assert.is.not(await world.admin.redis.get(key), encoded(user(id, { name: 'second' })), 'the earlier commit is not cached');
  assert.is((await world.users.getBy(base.hs, ['id'], { id }))?.name, 'first');
  await audit(world, base, [id]);
}));

test('a repair drops the reader\'s lease with the row: a read that predates the commit never fills the row the repair deleted', timed(30_000, async () => {
  const id = nextId++;
  await insertRaw(id, 'before');
  const relay = await startRelay(world.server.port);
  try {
    const readerRead = signal();
    const readerMayFill = signal();
    const reader = await world.storage({ hooks: { afterDbRead: async () => { readerRead.fire(); await readerMayFill.promise; } } });
    const writer = await world.storage({ commandTimeoutMs: 300, repairIntervalMs: 60_000 }, { port: relay.port });
    relay.down(); // Redis is gone for the writer only
    await until(async () => writer.redis.status !== 'ready', 'the writer to lose Redis');
    const read = world.users.getBy(reader.hs, ['id'], { id });
    await readerRead.promise; // the reader holds the row's lease and has read the row the writer replaces
    const [lease = ''] = await world.admin.redis.keys(`${world.prefix}users@*:{${id}}:lease`);
    const key = lease.replace(/:lease$/, '');
    assert.is((await world.users.save(writer.hs, user(id, { name: 'after' }))).name, 'after');
    relay.up();
    await until(async () => (await writer.hs.flushRepairs()) === 0, 'the writer\'s repair');
    assert.is(await world.admin.redis.get(key), null, 'the repair deleted the row');
    assert.is(await world.admin.redis.get(`${key}:lease`), null, "and the reader's lease");
    readerMayFill.fire();
    assert.is((await read)?.name, 'before');
    assert.is.not(await world.admin.redis.get(key), encoded(user(id, { name: 'before' })), 'the pre-commit row was not filled');
    assert.is((await world.users.getBy(reader.hs, ['id'], { id }))?.name, 'after');
    await audit(world, reader, [id]);
  } finally {
    await relay.close();
  }
}));

test.run();
