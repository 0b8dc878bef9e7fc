// Postgres failing under a write or a read. A failed write changes nothing in Redis but its own lease, which it
// releases (every key under the prefix is compared before and after), and the caller gets the driver's own error,
// not a wrapper: postgres.js's PostgresError with Postgres's code, or its connection error. A reader holding a lease
// whose query fails marks the lease failed, so others stop waiting for it, and gets the original error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { timed } from '../helpers/timeout.js';
import { dumpPrefix, openWorld, until, user, type World } from './world.js';

let world: World;
let nextId = 1;

test.before(async () => {
  world = await openWorld('pgfaults');
});
test.after(async () => {
  await world.close();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => assert.unreachable('expected the call to fail'), (error: unknown) => error);
}

function assertPostgresError(error: unknown, code: string): void {
  assert.instance(error, postgres.PostgresError, `the driver's own error, got ${String(error)}`);
  assert.is((error as { code?: unknown }).code, code);
}

/** A session of the admin's holding a lock until `release`. */
async function holdLock(statement: string): Promise<{ release(): Promise<void> }> {
  const conn = await world.admin.sql.reserve();
  await conn.unsafe('begin');
  await conn.unsafe(statement);
  return {
    async release() {
      await conn.unsafe('rollback');
      conn.release();
    },
  };
}

/** Backends of the suite's database waiting on a lock for a statement touching the suite's users table. */
async function blockedBackend(): Promise<number | undefined> {
  const rows = await world.admin.sql.unsafe(
    `select pid from pg_stat_activity where wait_event_type = 'Lock' and query like $1 and pid <> pg_backend_pid()`,
    [`%"${world.schema}"."users"%`],
  );
  const pid: unknown = rows[0]?.pid;
  return typeof pid === 'number' ? pid : undefined;
}

test('a save violating a unique constraint: PostgresError 23505, unwrapped; Redis unchanged except the released lease', timed(15_000, async () => {
  const s = await world.storage();
  const a = nextId++;
  const b = nextId++;
  await world.users.save(s.hs, user(a));
  await world.users.save(s.hs, user(b));
  const before = await dumpPrefix(world.admin.redis, world.prefix);
  const error = await rejection(world.users.save(s.hs, user(b, { email: `u${a}@example.com` })));
  assertPostgresError(error, '23505');
  assert.equal(await dumpPrefix(world.admin.redis, world.prefix), before);
  const error2 = await rejection(world.users.update(s.hs, { id: a }, { email: `u${b}@example.com` }));
  assertPostgresError(error2, '23505');
  assert.equal(await dumpPrefix(world.admin.redis, world.prefix), before);
  assert.is((await world.users.getBy(s.hs, ['email'], { email: `u${a}@example.com` }))?.id, a);
}));

test('a write whose backend is terminated (pg_terminate_backend) mid-statement: the driver\'s connection error, unwrapped; Redis unchanged', timed(15_000, async () => {
  const s = await world.storage();
  const id = nextId++;
  await world.users.save(s.hs, user(id));
  const before = await dumpPrefix(world.admin.redis, world.prefix);
  const lock = await holdLock(`select 1 from "${world.schema}".users where id = ${id} for update`);
  try {
    const write = rejection(world.users.save(s.hs, user(id, { name: 'lost' })));
    let pid: number | undefined;
    await until(async () => (pid = await blockedBackend()) !== undefined, 'the write to wait on the row lock');
    await world.admin.sql`select pg_terminate_backend(${pid ?? 0})`;
    const error = await write;
    assert.instance(error, Error);
    assert.is.not((error as Error).name, 'DrizzleQueryError');
    // postgres.js reports Postgres's FATAL 57P01 when it reads it before the socket closes, else its own CONNECTION_CLOSED.
    assert.ok(['CONNECTION_CLOSED', '57P01'].includes(String((error as { code?: unknown }).code)), `code ${String((error as { code?: unknown }).code)}`);
  } finally {
    await lock.release();
  }
  assert.equal(await dumpPrefix(world.admin.redis, world.prefix), before);
  assert.is((await world.users.getBy(s.hs, ['id'], { id }))?.name, `user ${id}`);
}));

test('a serializable transaction that fails with a serialization failure: PostgresError 40001, unwrapped; Redis unchanged', timed(15_000, async () => {
  const s = await world.storage();
  const a = nextId++;
  const b = nextId++;
  await world.users.save(s.hs, user(a, { tenantId: 9 }));
  await world.users.save(s.hs, user(b, { tenantId: 9 }));
  const before = await dumpPrefix(world.admin.redis, world.prefix);
  const q = `"${world.schema}".users`;
  const error = await rejection(
    s.hs.transaction(async (tx) => {
      await tx.db.execute(sql.raw('set transaction isolation level serializable'));
      await tx.db.execute(sql.raw(`select sum(version) from ${q} where tenant_id = 9`));
      // A concurrent serializable transaction reads the same rows, writes one of them and commits first.
      await world.admin.sql.begin('isolation level serializable', async (other) => {
        await other.unsafe(`select sum(version) from ${q} where tenant_id = 9`);
        await other.unsafe(`update ${q} set version = version + 1 where id = ${a}`);
      });
      await world.users.update(tx, { id: b }, { version: 100 });
    }),
  );
  assertPostgresError(error, '40001');
  assert.equal(await dumpPrefix(world.admin.redis, world.prefix), before);
  assert.is((await world.users.getBy(s.hs, ['id'], { id: b }))?.version, 0);
}));

test('a statement cancelled by statement_timeout: PostgresError 57014, unwrapped; Redis unchanged', timed(15_000, async () => {
  const s = await world.storage();
  const id = nextId++;
  await world.users.save(s.hs, user(id));
  const before = await dumpPrefix(world.admin.redis, world.prefix);
  const lock = await holdLock(`select 1 from "${world.schema}".users where id = ${id} for update`);
  try {
    const error = await rejection(
      s.hs.transaction(async (tx) => {
        await tx.db.execute(sql.raw('set local statement_timeout = 100'));
        await world.users.update(tx, { id }, { name: 'too slow' });
      }),
    );
    assertPostgresError(error, '57014');
  } finally {
    await lock.release();
  }
  assert.equal(await dumpPrefix(world.admin.redis, world.prefix), before);
}));

test('a reader whose query fails while it holds the lease marks the lease failed and gets the original error', timed(15_000, async () => {
  const id = nextId++;
  let lock: { release(): Promise<void> } | undefined;
  let leaseKey = '';
  // The reader's own connection cancels statements after 200 ms; the table is locked once the reader holds the lease.
  const s = await world.storage(
    {
      hooks: {
        afterLease: async ({ key }) => {
          leaseKey = `${key}:lease`;
          lock = await holdLock(`lock table "${world.schema}".users in access exclusive mode`);
        },
      },
    },
    {},
    undefined,
    { statement_timeout: '200' },
  );
  try {
    const error = await rejection(world.users.getBy(s.hs, ['id'], { id }));
    assertPostgresError(error, '57014');
    assert.is(await world.admin.redis.get(leaseKey), 'f', 'the lease is marked failed (and keeps its ttl)');
    assert.ok((await world.admin.redis.pttl(leaseKey)) > 0);
  } finally {
    await lock?.release();
  }
  // Another reader does not wait for the failed holder: it reads Postgres at once.
  const other = await world.storage();
  assert.is(await world.users.getBy(other.hs, ['id'], { id }), null);
  assert.is(other.hs.stats().leaseWaits, 1);
  assert.is(other.hs.stats().fills, 0);
}));

test.run();
