// The race a warm must lose: the application writes a row between the warm's Postgres read and its fill. The warm
// fills through the miss protocol (lease taken before the read, fill only while the lease stands), so the write's
// lease override makes the warm's older copy lose and the application's row stays in Redis. The second test runs the
// same interleaving with the lease guard switched off, to show the hook really lands in that window.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { contextState } from '../../runtime/src/storage/context.js';
import { createHotStorage, type ProtocolHooks, type TestSeams } from '@hotstorage/runtime/testing';
import { warmTable } from '../../cli/operate/warm/engine.js';
import { UNLIMITED } from '../../cli/operate/warm/rate-limit.js';
import { WarmTally } from '../../cli/operate/warm/tally.js';
import { timed } from '../helpers/timeout.js';
import { openInProcess } from './warm-cache.js';
import { type AppStorage, openOperateWorld, type OperateWorld } from './world.js';

let world: OperateWorld;
let app: AppStorage;
test.before(async () => {
  world = await openOperateWorld('op_warm_race');
  app = await world.storage();
  await world.seedUsers(0, 50);
});
test.after(async () => {
  await world?.close();
});

/** Warms users in-process; when the warm has read user `id` from Postgres and is about to fill it, the app updates it. */
async function warmWithWriteInTheWindow(id: number, newName: string, options: { unsafeDisableLeaseGuard?: boolean }) {
  const tally = new WarmTally();
  let rowKey = '';
  let interleaved = 0;
  const hooks: ProtocolHooks = {
    async afterDbRead(step) {
      if (step.key !== rowKey) return;
      interleaved += 1;
      // The application's write commits and updates Redis while the warm holds its copy of the old row.
      await world.hot.users.update(app.hs, { id }, { name: newName, version: 2 });
    },
  };
  const seams: TestSeams = { hooks, ...options };
  const { op } = await openInProcess(world, {
    names: ['users'],
    storage: { onEvent: tally.listen },
    createStorage: (storageOptions) => createHotStorage({ ...storageOptions, ...seams }),
  });
  try {
    const users = op.tables[0];
    if (users === undefined) throw new Error('users not selected');
    rowKey = users.rt.rowKeys({ id }).row;
    await world.admin.redis.del(rowKey);
    const result = await warmTable(contextState(op.hs), users.rt, { batch: 20, resume: false, limiter: UNLIMITED, signal: new AbortController().signal }, () => {});
    const cached = await world.admin.redis.get(rowKey);
    return { result, interleaved, tally: tally.of(users.rt.info.display), cached: cached === null ? undefined : users.rt.codec.decode(cached) };
  } finally {
    await op.close();
  }
}

test("an application write between the warm's Postgres read and its fill wins: the cache holds the application's row", timed(60_000, async () => {
  const { result, interleaved, tally, cached } = await warmWithWriteInTheWindow(17, 'written by the app', {});
  assert.is(interleaved, 1, 'the write landed inside the window');
  assert.equal([result.completed, result.rowsRead], [true, 50]);
  assert.equal(cached, { id: 17, email: 'u17@example.com', name: 'written by the app', version: 2 });
  assert.equal([tally.filled, tally.leftAlone], [49, 1], "the warm's fill of that row was refused");
}));

test('the same interleaving with the lease guard off overwrites the application row with the older copy (the race is real)', timed(60_000, async () => {
  const { interleaved, cached } = await warmWithWriteInTheWindow(23, 'lost to a plain fill', { unsafeDisableLeaseGuard: true });
  assert.is(interleaved, 1);
  assert.equal(cached, { id: 23, email: 'u23@example.com', name: 'user 23', version: 1 }, 'without leases the stale copy lands');
  const [row] = await app.sql.unsafe<{ name: string }[]>(`select name from "${world.schema}".users where id = 23`);
  assert.is(row?.name, 'lost to a plain fill', 'while Postgres holds the application write');
}));

test.run();
