// Deterministic race tests, one per protocol branch. Seams in our own code (hooks between protocol steps, the
// injectable wait) place a rival client at the exact interleaving; each scenario also runs with the lease guard
// switched off to show that the same test detects the stale row the guard prevents.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { timed } from '../helpers/timeout.js';
import { openHarness, SHARED_REDIS, type Harness, type TargetSource } from './harness.js';
import { users } from './hot/index.js';

const test = suite('races');
let source: TargetSource = async () => SHARED_REDIS;
let h: Harness;
let nextId = 1;

/** The suite on a target: test/runtime/races.test.ts (one Redis), test/cluster/accessors.test.ts (a cluster). */
export function racesSuite(target: TargetSource) {
  source = target;
  return test;
}

test.before(async () => {
  h = await openHarness('races', await source());
});
test.after(async () => {
  await h.close();
});

function deferred<T = void>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function user(id: number, name: string) {
  return { id, email: `u${id}@example.com`, tenantId: 1, slug: `s${id}`, name, version: 0 };
}

/** The row key of user `id` (a pattern: the table tag is not known here). */
const rowKeyPattern = (id: number) => `${h.prefix}users@*:{${id}}`;

/** Evicts user `id`'s cached row, as maxmemory would: the next read misses. */
async function evictRow(id: number): Promise<void> {
  await h.redis.del(...(await h.keys(rowKeyPattern(id))));
}

async function cachedName(id: number): Promise<string | null | undefined> {
  const keys = await h.keys(rowKeyPattern(id));
  if (keys.length === 0 || keys[0] === undefined) return undefined;
  const value = await h.redis.get(keys[0]);
  if (value === null) return undefined;
  if (value.startsWith('~hotstorage:')) return value;
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? String(parsed[5]) : null;
}

/** (1) A reader reads Postgres, then a writer commits and updates the cache, then the reader tries to fill. */
async function readerBeforeCommit(guard: boolean) {
  const id = nextId++;
  const writer = await h.storage({ unsafeDisableLeaseGuard: !guard });
  await users.save(writer.hs, user(id, 'old'));
  await evictRow(id);
  let armed = true;
  const reader = await h.storage({
    unsafeDisableLeaseGuard: !guard,
    hooks: {
      afterDbRead: async () => {
        if (!armed) return;
        armed = false;
        await users.save(writer.hs, user(id, 'new')); // commits and writes the cache while the reader holds 'old'
      },
    },
  });
  const read = await users.getByPk(reader.hs, id);
  return { read: read?.name, cached: await cachedName(id), afterwards: (await users.getByPk(reader.hs, id))?.name, stats: reader.hs.stats() };
}

test('a reader that read Postgres before a concurrent commit cannot fill the old row', timed(15_000, async () => {
  const outcome = await readerBeforeCommit(true);
  assert.is(outcome.read, 'old', 'its own answer was right when it read');
  assert.is(outcome.cached, 'new');
  assert.is(outcome.afterwards, 'new');
  assert.is(outcome.stats.fillsRefused, 1);
  const unguarded = await readerBeforeCommit(false);
  assert.is(unguarded.cached, 'old', 'without the lease guard the same interleaving leaves the old row cached');
  assert.is(unguarded.afterwards, 'old');
}));

/**
 * (2) The writer's lease expires during a slow commit; a reader is granted a new lease and reads the pre-commit
 * row; the writer commits and finds its lease gone; the reader then tries to fill.
 */
async function writerLeaseExpired(guard: boolean) {
  const id = nextId++;
  const setup = await h.storage();
  await users.save(setup.hs, user(id, 'old'));
  await evictRow(id);
  const readerRead = deferred();
  const writerApplied = deferred();
  let armed = true;
  const reader = await h.storage({
    unsafeDisableLeaseGuard: !guard,
    hooks: {
      afterDbRead: async () => {
        if (!armed) return;
        armed = false;
        readerRead.resolve();
        await writerApplied.promise;
      },
    },
  });
  let readerCall: Promise<unknown> = Promise.resolve();
  const writer = await h.storage({
    unsafeDisableLeaseGuard: !guard,
    leaseTtlMs: 30,
    hooks: {
      beforeCommit: async ({ keys }) => {
        // The commit is slower than the lease: wait (bounded) until Redis has expired it.
        const deadline = Date.now() + 5000;
        while ((await h.redis.exists(...keys)) > 0) {
          if (Date.now() > deadline) throw new Error('the writer lease did not expire');
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        readerCall = users.getByPk(reader.hs, id);
        await readerRead.promise;
      },
      afterApply: () => writerApplied.resolve(),
    },
  });
  await users.save(writer.hs, user(id, 'new'));
  const read = (await readerCall) as { name: string } | null;
  const check = await h.storage();
  return { read: read?.name, cached: await cachedName(id), afterwards: (await users.getByPk(check.hs, id))?.name, writer: writer.hs.stats() };
}

test('a writer whose lease expired during a slow commit leaves the invalid marker: the late reader cannot fill the pre-commit row', timed(20_000, async () => {
  const outcome = await writerLeaseExpired(true);
  assert.is(outcome.read, 'old');
  assert.is(outcome.cached, '~hotstorage:invalid');
  assert.is(outcome.afterwards, 'new');
  assert.is(outcome.writer.invalidations, 1);
  const unguarded = await writerLeaseExpired(false);
  assert.is(unguarded.cached, 'old', 'without the lease guard the reader fills the pre-commit row over the committed one');
  assert.is(unguarded.afterwards, 'old');
}));

test('a unique-key reader whose row was rewritten and evicted before it took the row lease fills the new row, not the one it read', timed(15_000, async () => {
  const id = nextId++;
  const writer = await h.storage();
  await users.save(writer.hs, user(id, 'old'));
  await evictRow(id);
  let armed = true;
  const reader = await h.storage({
    hooks: {
      afterUniqueRead: async ({ key }) => {
        if (!armed) return;
        armed = false;
        await users.save(writer.hs, user(id, 'new'));
        await h.redis.del(key); // evicted (maxmemory) before the reader takes the lease
      },
    },
  });
  const read = await users.getByEmail(reader.hs, `u${id}@example.com`);
  assert.is(read?.name, 'old', 'its answer was right when it read');
  assert.is(await cachedName(id), 'new');
  assert.is((await users.getByEmail(reader.hs, `u${id}@example.com`))?.name, 'new');
}));

test('a lease holder whose query fails marks the lease failed: the waiter stops waiting at once and reads Postgres', timed(15_000, async () => {
  const id = nextId++;
  const setup = await h.storage();
  await users.save(setup.hs, user(id, 'there'));
  await evictRow(id);
  const holderLeased = deferred();
  const waiterWaiting = deferred();
  const holderFailed = deferred();
  const holder = await h.storage({
    hooks: {
      afterLease: async () => {
        holderLeased.resolve();
        await waiterWaiting.promise;
        await holder.endDatabase(); // the holder's own query now fails for real
      },
    },
  });
  let waits = 0;
  const waiter = await h.storage({
    leaseWaitTries: 50,
    wait: async () => {
      waits += 1;
      waiterWaiting.resolve();
      await holderFailed.promise;
    },
  });
  const holderCall = users.getByPk(holder.hs, id).then(
    () => assert.unreachable('the holder query should fail'),
    (error: unknown) => {
      holderFailed.resolve();
      return error;
    },
  );
  await holderLeased.promise;
  const row = await users.getByPk(waiter.hs, id);
  assert.instance(await holderCall, Error);
  assert.is(row?.name, 'there');
  assert.is(waits, 1, 'one wait, then the failed lease sent it to Postgres');
  const lease = await h.keys(`${rowKeyPattern(id)}:lease`);
  assert.is(await h.redis.get(lease[0] ?? ''), 'f');
  assert.is(await cachedName(id), undefined, 'nobody filled');
  assert.is(waiter.hs.stats().fills, 0);
}));

test('two writers in flight on one row cannot know which commits last: both end in the invalid marker', timed(15_000, async () => {
  const id = nextId++;
  const first = deferred();
  const second = await h.storage();
  let armed = true;
  const one = await h.storage({
    hooks: {
      beforeCommit: async () => {
        if (!armed) return;
        armed = false;
        // the second writer takes its lease, commits and updates the cache while the first is before its commit
        await users.save(second.hs, user(id, 'second'));
        first.resolve();
      },
    },
  });
  await users.save(one.hs, user(id, 'first')); // commits last: the database holds 'first'
  await first.promise;
  assert.is(await cachedName(id), '~hotstorage:invalid');
  assert.is((await users.getByPk(second.hs, id))?.name, 'first');
}));


/**
 * (Issue 13, 1) A transaction's remove or update matches no row and its body goes on; meanwhile another storage
 * inserts that row, commits and caches it (its whole write fits: no row lock stands in its way, and our leases are
 * only taken after the body). Our commit changed nothing: it must not cache the absence it saw over that row.
 */
async function noMatchInTransaction(kind: 'remove' | 'update') {
  const id = nextId++;
  const a = await h.storage();
  const b = await h.storage();
  const bodyWaits = deferred();
  const gate = deferred();
  const transaction = a.hs.transaction(async (tx) => {
    const result = kind === 'remove' ? await users.remove(tx, id) : await users.update(tx, id, { name: 'from a' });
    bodyWaits.resolve();
    await gate.promise;
    return result;
  });
  await bodyWaits.promise;
  await users.save(b.hs, user(id, 'from b'));
  const servedToB = (await users.getByPk(b.hs, id))?.name;
  gate.resolve();
  const result = await transaction;
  return {
    result,
    servedToB,
    cached: await cachedName(id),
    viaA: (await users.getByPk(a.hs, id))?.name ?? null,
    viaB: (await users.getByPk(b.hs, id))?.name ?? null,
  };
}

for (const kind of ['remove', 'update'] as const) {
  test(`a transaction whose ${kind} matched no row caches no absence over the row another storage inserted meanwhile`, timed(15_000, async () => {
    const outcome = await noMatchInTransaction(kind);
    assert.is(outcome.result, kind === 'remove' ? false : null, 'the statement matched no row');
    assert.is(outcome.servedToB, 'from b');
    assert.is(outcome.cached, 'from b', 'the row the other storage cached stands');
    assert.is(outcome.viaA, 'from b');
    assert.is(outcome.viaB, 'from b');
  }));
}
