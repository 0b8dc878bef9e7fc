// `hotstorage verify` on lists: cached lists equal to Postgres are clean; a list left stale by a write the cache never
// saw (raw SQL, no change feed) is found and counted, `--repair` deletes it (its lease overridden first), and the next
// read lists what Postgres holds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { timed } from '../helpers/timeout.js';
import { openOperateWorld, type AppStorage, type OperateWorld } from './world.js';

interface Report {
  tables: { name: string; listsChecked: number; staleLists: number; repaired?: { listsInvalidated: number } }[];
}

let world: OperateWorld;
let app: AppStorage;

test.before(async () => {
  world = await openOperateWorld('op_verify_lists');
  await world.seedMembers(40); // tenants 0..9, four members each
  app = await world.storage();
});
test.after(async () => {
  await world?.close();
});

async function verify(args: readonly string[]): Promise<{ code: number | null; members: Report['tables'][number] }> {
  const run = await world.cli(['verify', '--all', '--json', ...args]);
  if (run.code === 2) throw new Error(`verify failed: ${run.stderr}`);
  const members = (JSON.parse(run.stdout) as Report).tables.find((t) => t.name === 'members');
  if (members === undefined) throw new Error(run.stdout);
  return { code: run.code, members };
}

const slugsOf = async (tenantId: number) => (await world.hot.members.listBy(app.hs, ['tenantId'], { tenantId })).map((m) => m.slug).sort();

test('cached lists are checked; a stale one is found, repaired, and read right again', timed(90_000, async () => {
  for (let tenantId = 0; tenantId < 10; tenantId++) assert.is((await slugsOf(tenantId)).length, 4);
  const clean = await verify([]);
  assert.is(clean.code, 0);
  assert.equal({ checked: clean.members.listsChecked, stale: clean.members.staleLists }, { checked: 10, stale: 0 });

  await world.admin.sql.unsafe(`insert into "${world.schema}".members (id, tenant_id, slug) values (gen_random_uuid(), 3, 'raw')`);
  assert.is((await slugsOf(3)).length, 4, 'the cached list does not know the raw insert');
  const found = await verify([]);
  assert.is(found.code, 1);
  assert.is(found.members.staleLists, 1);

  const repaired = await verify(['--repair']);
  assert.is(repaired.members.repaired?.listsInvalidated, 1);
  assert.ok((await slugsOf(3)).includes('raw'), 'the next read lists what Postgres holds');
  const after = await verify([]);
  assert.equal({ code: after.code, stale: after.members.staleLists }, { code: 0, stale: 0 });
}));

test('warm --lists fills every list of a table through the list leases; verify then checks them all', timed(90_000, async () => {
  const keys = async () => (await world.admin.redis.keys(`${world.prefix}members@*:list:*`)).filter((key) => key.endsWith('}'));
  for (const key of await keys()) await world.admin.redis.del(key);
  assert.is((await keys()).length, 0);
  const run = await world.cli(['warm', 'members', '--lists']);
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stderr, /read 10 lists/);
  assert.is((await keys()).length, 10);
  const after = await verify([]);
  assert.equal({ code: after.code, checked: after.members.listsChecked, stale: after.members.staleLists }, { code: 0, checked: 10, stale: 0 });
}));

test.run();
