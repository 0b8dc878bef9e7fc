// The key layout without an index set: a row's pointers are known from the row itself. A writer gets the cached row
// back with its lease and its apply removes the pointers the commit does not keep (all of them when it leaves the
// invalid marker); the listener's invalidation reads the cached row first and removes its pointers with it. Pointers
// are removed only while they still name the row. Each test reads the keys themselves, not only lookups (a stale
// pointer is harmless to a lookup: it is re-checked), so each fails if the removal it pins is taken out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextState } from '../../runtime/src/storage/context.js';
import { INVALID } from '../../runtime/src/codecs/markers.js';
import { invalidateRowKeys } from '../../runtime/src/protocol/invalidate.js';
import type { TableRuntime } from '../../runtime/src/table/table-runtime.js';
import { timed } from '../helpers/timeout.js';
import { openHarness, SHARED_REDIS, type Harness, type Storage } from './harness.js';
import * as db from './db/schema.js';
import { users } from './hot/index.js';

let h: Harness;
let s: Storage;
let rt: TableRuntime;
let nextId = 1;

test.before(async () => {
  h = await openHarness('pointers', SHARED_REDIS);
  s = await h.storage();
  rt = await contextState(s.hs).core.openRuntime(db.users, { primaryKey: ['id'], uniqueKeys: [['email'], ['tenantId', 'slug']], identity: ['id'] });
});
test.after(async () => {
  await h.close();
});

function user(id: number, over: Partial<{ email: string; tenantId: number; slug: string; name: string; version: number }> = {}) {
  return { id, email: `u${id}@example.com`, tenantId: 1, slug: `s${id}`, name: `user ${id}`, version: 0, ...over };
}

/** The tag a pointer holds (null: no pointer). Keys are read one by one: a KEYS walk is slow on a busy shared Redis. */
const pointer = (key: string) => h.redis.get(key);

const emailPointer = (email: string) => rt.keyspace.pointer(['email'], [email]);
const slugPointer = (tenantId: number, slug: string) => rt.keyspace.pointer(['tenant_id', 'slug'], [String(tenantId), slug]);

test('a row costs its row key and one key per pointer: no index set, no set of all rows', timed(20_000, async () => {
  const id = nextId++;
  await users.save(s.hs, user(id));
  const keys = Object.keys(await h.dump()).filter((key) => key.includes(`{${id}}`) || key.endsWith(`=u${id}%40example%2Ecom`) || key.endsWith(`=s${id}`));
  assert.equal(keys.sort(), [emailPointer(`u${id}@example.com`), slugPointer(1, `s${id}`), rt.rowKeys({ id }).row].sort());
}));

test('an update that changes a unique value removes the old pointer and keeps the unchanged one', timed(10_000, async () => {
  const id = nextId++;
  await users.save(s.hs, user(id, { email: `old${id}@x.io` }));
  await users.update(s.hs, id, { email: `new${id}@x.io` });
  assert.is(await pointer(emailPointer(`old${id}@x.io`)), null, 'the old email pointer is gone');
  assert.is(await pointer(emailPointer(`new${id}@x.io`)), String(id));
  assert.is(await pointer(slugPointer(1, `s${id}`)), String(id));
  assert.is(await users.getByEmail(s.hs, `old${id}@x.io`), null);
  assert.is((await users.getByEmail(s.hs, `new${id}@x.io`))?.id, id);
}));

test('a remove removes every pointer of the row; a move of the primary key removes the old row\'s', timed(10_000, async () => {
  const gone = nextId++;
  await users.save(s.hs, user(gone));
  await users.remove(s.hs, gone);
  const moved = nextId++;
  const target = nextId++;
  await users.save(s.hs, user(moved));
  await users.update(s.hs, moved, { id: target } as never); // the generated type leaves the primary key out; the runtime moves the row
  assert.is(await pointer(emailPointer(`u${gone}@example.com`)), null);
  assert.is(await pointer(slugPointer(1, `s${gone}`)), null);
  assert.is(await pointer(emailPointer(`u${moved}@example.com`)), String(target), 'the moved row\'s values point at its new key');
  assert.is(await pointer(slugPointer(1, `s${moved}`)), String(target));
}));

test('a pointer that already names another row is left alone when the old row gives its value up', timed(10_000, async () => {
  const a = nextId++;
  const b = nextId++;
  await users.save(s.hs, user(a, { email: `shared${a}@x.io` }));
  await users.save(s.hs, user(b));
  // As when b took the value in a write whose apply ran before a's: the pointer of a's cached row now names b.
  await h.redis.set(emailPointer(`shared${a}@x.io`), String(b));
  await users.update(s.hs, a, { email: `other${a}@x.io` });
  assert.is(await pointer(emailPointer(`shared${a}@x.io`)), String(b));
  assert.is(await pointer(emailPointer(`other${a}@x.io`)), String(a));
}));

test('a writer that leaves the invalid marker removes the pointers of the row it replaced', timed(10_000, async () => {
  const id = nextId++;
  await users.save(s.hs, user(id, { email: `slow${id}@x.io` }));
  // The writer's lease expires during its commit: its apply leaves the invalid marker, which carries no values, so
  // the pointers of the row cached before are removed now or never.
  const slow = await h.storage({ leaseTtlMs: 40, hooks: { beforeCommit: () => new Promise((resolve) => setTimeout(resolve, 120)) } });
  await users.update(slow.hs, id, { name: 'slow' });
  assert.is(await h.redis.get(rt.rowKeys({ id }).row), INVALID);
  assert.is(await pointer(emailPointer(`slow${id}@x.io`)), null);
  assert.is(await pointer(slugPointer(1, `s${id}`)), null);
  assert.is(await users.getByEmail(s.hs, `slow${id}@x.io`).then((row) => row?.name), 'slow', 'read from Postgres meanwhile');
}));

test('an invalidation (listener, verify --repair) removes the pointers of the row it deletes, not another row\'s', timed(10_000, async () => {
  const a = nextId++;
  const b = nextId++;
  await users.save(s.hs, user(a, { email: `inv${a}@x.io` }));
  await users.save(s.hs, user(b));
  // Another row already holds the composite value the cached row a still points from (an out-of-band change).
  await h.redis.set(slugPointer(1, `s${a}`), String(b));
  const core = contextState(s.hs).core;
  const [result] = await invalidateRowKeys(core, [{ rt, keys: rt.rowKeys({ id: a }), origin: '' }]);
  assert.is(result, 'invalidated');
  assert.is(await h.redis.exists(rt.rowKeys({ id: a }).row), 0);
  assert.is(await pointer(emailPointer(`inv${a}@x.io`)), null);
  assert.is(await pointer(slugPointer(1, `s${a}`)), String(b), 'a pointer naming another row stays');
}));

test.run();
