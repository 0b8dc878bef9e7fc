// Interrupting a warm (Ctrl-C) stops it after the current batch with the table's checkpoint saved, exit 2 and the
// command to continue; `warm --resume` then reads only the rest of the table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkpointKey, decodeCheckpoint } from '../../cli/operate/warm/checkpoint.js';
import { timed } from '../helpers/timeout.js';
import { compareCache, runtimeOf, SPECS, warmWhileRunning } from './warm-cache.js';
import { type AppStorage, openOperateWorld, type OperateWorld } from './world.js';

let world: OperateWorld;
let app: AppStorage;
test.before(async () => {
  world = await openOperateWorld('op_warm_resume');
  app = await world.storage();
  await world.seedUsers(0, 3000);
});
test.after(async () => {
  await world?.close();
});

test('Ctrl-C stops after the current batch with a checkpoint (exit 2); --resume reads only the rest and caches every row', timed(90_000, async () => {
  const rt = await runtimeOf(app, world.tables.users, SPECS.users);
  const stopped = await warmWhileRunning(world, ['users', '--batch', '50', '--rate', '500', '--json'], (pid) => {
    process.kill(pid, 'SIGINT');
  });
  assert.is(stopped.code, 2, stopped.stderr);
  assert.match(stopped.stderr, 'hotstorage: stopped after the current batch; what was done is checkpointed.\n');
  assert.match(stopped.stderr, 'hotstorage: to continue, run `hotstorage warm users --resume`.\n');
  const first = JSON.parse(stopped.stdout) as { interrupted: boolean; tables: { completed: boolean; rowsRead: number; filled: number }[] };
  assert.is(first.interrupted, true);
  const part = first.tables[0];
  assert.ok(part !== undefined && !part.completed && part.rowsRead > 0 && part.rowsRead < 3000, `stopped part way (${part?.rowsRead} rows)`);
  assert.is(part.rowsRead % 50, 0, 'whole batches only');

  const text = await world.admin.redis.get(checkpointKey(rt));
  assert.ok(text !== null, 'checkpoint saved');
  const checkpoint = decodeCheckpoint(rt, text);
  assert.equal(checkpoint, { after: { id: part.rowsRead - 1 }, done: part.rowsRead });
  const ttl = await world.admin.redis.ttl(checkpointKey(rt));
  assert.ok(ttl > 3600 && ttl <= 86_400, `checkpoint expires in a day (${ttl} s)`);

  const resumed = await world.cli(['warm', 'users', '--resume', '--json']);
  assert.is(resumed.code, 0, resumed.stderr);
  const rest = (JSON.parse(resumed.stdout) as { tables: { completed: boolean; rowsRead: number; filled: number; alreadyCached: number; done: number }[] }).tables[0];
  assert.equal(rest && [rest.completed, rest.rowsRead, rest.filled, rest.alreadyCached, rest.done], [true, 3000 - part.rowsRead, 3000 - part.rowsRead, 0, 3000],
    'the part done before is neither read nor touched again');
  assert.is(await world.admin.redis.exists(checkpointKey(rt)), 0, 'a completed table deletes its checkpoint');
  const cache = await compareCache(app, world.admin.redis, world.tables.users, rt);
  assert.equal([cache.rows, cache.equal, cache.stale], [3000, 3000, []]);
}));

test('without --resume a warm starts from the beginning, whatever checkpoint is there', timed(60_000, async () => {
  const rt = await runtimeOf(app, world.tables.users, SPECS.users);
  await world.admin.redis.set(checkpointKey(rt), JSON.stringify({ after: [2500], done: 2501 }), 'EX', 600);
  const run = await world.cli(['warm', 'users', '--json']);
  assert.is(run.code, 0, run.stderr);
  const t = (JSON.parse(run.stdout) as { tables: { rowsRead: number; alreadyCached: number }[] }).tables[0];
  assert.equal(t && [t.rowsRead, t.alreadyCached], [3000, 3000]);
  assert.is(await world.admin.redis.exists(checkpointKey(rt)), 0);
}));

test.run();
