// `hotstorage verify` on a single Redis: a clean cache is clean; every kind of damage done by hand is found and
// counted exactly; --repair fixes it (a second run is clean and reads see Postgres again); --sample bounds the work;
// a cache kept busy by a live application, correct all along, is reported clean.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkTable } from '../../cli/operate/verify/check.js';
import { repairTable } from '../../cli/operate/verify/repair.js';
import { contextState } from '../../runtime/src/storage/context.js';
import { timed } from '../helpers/timeout.js';
import { damageUsers, fillCache, usersRuntime } from './verify-corruption.js';
import { openOperateWorld, type AppStorage, type OperateWorld } from './world.js';

interface Report {
  tables: { schema: string; name: string; checked: number; equal: number; stale: number; orphanedPointers: number; missingIndex: number; repaired?: { rowsInvalidated: number; pointersDeleted: number; listsInvalidated: number } }[];
}

let world: OperateWorld;
let app: AppStorage;
const USERS = 120; // users 1..119 are cached; 119..199 exist in Postgres only
test.before(async () => {
  world = await openOperateWorld('op_verify');
  await world.seedUsers(1, 200);
  await world.seedMembers(40);
  // Cached absences live long enough to be verified in every test.
  app = await world.storage({ tombstoneTtlMs: 600_000 });
  await fillCache(world, app.hs, { users: USERS, absent: [900, 901] });
});
test.after(async () => {
  await world?.close();
});

async function verify(args: readonly string[]): Promise<{ code: number | null; report: Report; stderr: string }> {
  const run = await world.cli(['verify', ...args, '--json']);
  if (run.code === 2) throw new Error(`verify failed: ${run.stderr}`);
  return { code: run.code, report: JSON.parse(run.stdout) as Report, stderr: run.stderr };
}

const tableNamed = (report: Report, name: string) => {
  const found = report.tables.find((t) => t.name === name);
  if (found === undefined) throw new Error(`no ${name} in ${JSON.stringify(report)}`);
  return found;
};

test('a clean cache: exit 0, every cached row and absence checked and equal', timed(60_000, async () => {
  const { code, report } = await verify(['--all']);
  assert.is(code, 0);
  const users = tableNamed(report, 'users');
  assert.equal({ checked: users.checked, equal: users.equal, stale: users.stale, orphanedPointers: users.orphanedPointers, missingIndex: users.missingIndex },
    { checked: USERS - 1 + 2, equal: USERS - 1 + 2, stale: 0, orphanedPointers: 0, missingIndex: 0 });
  assert.is(tableNamed(report, 'members').checked, 40);
  const text = await world.cli(['verify', '--all']);
  assert.is(text.code, 0);
  assert.match(text.stdout, /All 161 cached rows in 2 tables agree with Postgres\.\n$/);
}));

test('--sample N checks at most N rows per table', timed(60_000, async () => {
  const { code, report } = await verify(['--sample', '25']);
  assert.is(code, 0);
  assert.is(tableNamed(report, 'users').checked, 25);
  assert.is(tableNamed(report, 'members').checked, 25);
  const small = await verify(['members', '--sample', '1000']);
  assert.equal(small.report.tables.map((t) => [t.name, t.checked]), [['members', 40]]);
  const wrong = await world.cli(['verify', '--sample', '0']);
  assert.equal([wrong.code, wrong.stderr], [2, 'hotstorage: --sample must be a positive whole number of rows, got "0".\nRun `hotstorage --help` for usage.\n']);
}));

test('damage done by hand is counted exactly; --repair fixes it; a second verify is clean', timed(90_000, async () => {
  const rt = await usersRuntime(world, app.hs);
  const k = 3;
  // Cached absences are short-lived: count those still there.
  const absences = await app.redis.exists(rt.rowKeys({ id: 900 }).row, rt.rowKeys({ id: 901 }).row);
  const damage = await damageUsers({ world, redis: app.redis, rt, k, uncached: 150 });
  const found = await verify(['--all']);
  assert.is(found.code, 1);
  const users = tableNamed(found.report, 'users');
  assert.equal({ stale: users.stale, orphanedPointers: users.orphanedPointers, missingIndex: users.missingIndex, checked: users.checked },
    { stale: damage.stale, orphanedPointers: damage.orphanedPointers, missingIndex: damage.missingIndex, checked: USERS - 1 + absences + damage.addedRows });
  assert.is(divergence(tableNamed(found.report, 'members')), 0, 'members were not touched');
  const text = await world.cli(['verify', 'users', '--all']);
  assert.is(text.code, 1);
  assert.match(text.stdout, /Found 12 stale rows and 3 missing index entries in 1 table; run with --repair to invalidate them\. 3 orphaned pointers \(hints every lookup re-checks, not a divergence\): --repair deletes them\.\n$/);

  const repaired = await verify(['--all', '--repair']);
  assert.is(repaired.code, 1, 'a repair run still reports what it found');
  assert.equal(tableNamed(repaired.report, 'users').repaired, { rowsInvalidated: damage.stale + damage.missingIndex, pointersDeleted: damage.orphanedPointers, listsInvalidated: 0 });
  const after = await verify(['--all']);
  assert.is(after.code, 0);
  for (const t of after.report.tables) assert.is(divergence(t), 0, t.name);
  // The repaired rows read Postgres's values again (and refill); the deleted ones are gone.
  assert.is((await world.hot.users.getBy(app.hs, ['id'], { id: 1 }))?.name, 'user 1');
  assert.is(await world.hot.users.getBy(app.hs, ['id'], { id: 4 }), null);
  assert.is((await world.hot.users.getBy(app.hs, ['id'], { id: 154 }))?.name, 'user 154');
  assert.is((await world.hot.users.getBy(app.hs, ['email'], { email: 'u7@example.com' }))?.id, 7);
  assert.is(await world.hot.users.getBy(app.hs, ['email'], { email: 'ghost10@example.com' }), null);
  assert.is((await verify(['--all'])).code, 0, 'the refilled cache is clean');
}));

test('--repair deletes an orphaned pointer only if it still holds the value verify saw', timed(60_000, async () => {
  const rt = await usersRuntime(world, app.hs);
  const core = contextState(app.hs).core;
  const user = { id: 30, email: 'u30@example.com', name: 'user 30', version: 1 };
  const tag = await app.redis.get(rt.pointersOf(user)[0] ?? '');
  assert.type(tag, 'string');
  const [kept, moved] = ['ghost-a@example.com', 'ghost-b@example.com'].map((email) => rt.pointersOf({ ...user, email })[0] ?? '');
  await app.redis.set(kept ?? '', tag ?? '');
  await app.redis.set(moved ?? '', tag ?? '');
  const findings = await checkTable({ core, redis: app.redis, rt, sample: undefined });
  assert.equal(findings.orphans.map((o) => o.key).sort(), [kept, moved].sort());
  // Between verify's look and its repair, the application points one of them elsewhere: that one must stay.
  await app.redis.set(moved ?? '', 'elsewhere');
  const repaired = await repairTable({ core, redis: app.redis, rt, findings });
  assert.is(repaired.pointersDeleted, 1);
  assert.is(await app.redis.get(kept ?? ''), null);
  assert.is(await app.redis.get(moved ?? ''), 'elsewhere');
  await app.redis.del(moved ?? '');
}));

test('orphaned pointers a writer leaves in normal operation are reported, not a divergence: exit 0; --repair deletes them', timed(60_000, async () => {
  const rt = await usersRuntime(world, app.hs);
  const id = 190;
  await world.hot.users.getBy(app.hs, ['email'], { email: `u${id}@example.com` }); // the row and its pointer cached
  // The row is evicted (maxmemory); its next writer cannot learn the old email's pointer from it, and leaves it.
  await app.redis.del(rt.rowKeys({ id }).row);
  await world.hot.users.update(app.hs, { id }, { email: `moved${id}@example.com` });
  await world.hot.users.getBy(app.hs, ['id'], { id });
  const left = rt.pointersOf({ id, email: `u${id}@example.com`, name: '', version: 1 })[0] ?? '';
  assert.type(await app.redis.get(left), 'string', 'the old pointer is still there');
  assert.is(await world.hot.users.getBy(app.hs, ['email'], { email: `u${id}@example.com` }), null, 'and no lookup follows it');

  const found = await verify(['users', '--all']);
  assert.is(found.code, 0, JSON.stringify(found.report));
  assert.equal([tableNamed(found.report, 'users').orphanedPointers, tableNamed(found.report, 'users').stale], [1, 0]);
  const text = await world.cli(['verify', 'users', '--all']);
  assert.is(text.code, 0);
  assert.match(text.stdout, /agree with Postgres\. 1 orphaned pointer \(a hint every lookup re-checks, not a divergence\): --repair deletes them\.\n$/);
  const repaired = await verify(['users', '--all', '--repair']);
  assert.is(repaired.code, 0);
  assert.equal(tableNamed(repaired.report, 'users').repaired, { rowsInvalidated: 0, pointersDeleted: 1, listsInvalidated: 0 });
  assert.is(await app.redis.get(left), null);
  assert.is(tableNamed((await verify(['users', '--all'])).report, 'users').orphanedPointers, 0);
  await world.hot.users.update(app.hs, { id }, { email: `u${id}@example.com` });
}));

test('a cache kept busy by a live application, correct all along, is clean', timed(120_000, async () => {
  const writers = await Promise.all([world.storage(), world.storage()]);
  let stop = false;
  let writes = 0;
  const loops = writers.flatMap((w, n) =>
    [0, 1, 2, 3].map(async (lane) => {
      for (let i = 0; !stop; i++) {
        const id = 20 + ((i * 8 + n * 4 + lane) % 90);
        // Reads refill what writes replace, so verify keeps meeting rows in flight between Postgres and Redis.
        await world.hot.users.update(w.hs, { id }, { version: i + 2, name: `busy ${n}.${lane}.${i}` });
        await world.hot.users.getBy(w.hs, ['id'], { id: 20 + ((i * 5 + lane) % 90) });
        writes += 1;
      }
    }),
  );
  try {
    for (let run = 0; run < 4; run++) {
      const { code, report } = await verify(['users', '--all']);
      assert.is(code, 0, `run ${run}: ${JSON.stringify(report)}`);
      assert.ok(tableNamed(report, 'users').checked > 100);
    }
  } finally {
    stop = true;
    await Promise.all(loops);
  }
  assert.ok(writes > 50, `the application kept writing (${writes} writes)`);
}));

function divergence(t: { stale: number; orphanedPointers: number; missingIndex: number }): number {
  return t.stale + t.orphanedPointers + t.missingIndex;
}

test.run();
