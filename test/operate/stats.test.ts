// `hotstorage stats`: the counters of two application processes (one a separate Node process) summed exactly, the
// cached rows counted exactly from Redis, and --watch redrawn in place in a real pseudo-terminal until Ctrl-C.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HotStorageStats } from '@hotstorage/runtime';
import { REPO_ROOT } from '../helpers/project.js';
import { DATABASE_URL, REDIS_URL } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';
import { ABSENCE_KEPT_MS, EXPECTED, type JsonTable, PLAN_A, PLAN_B, planFigures, runPlan, statsJson, type Step } from './stats-plans.js';
import { openOperateWorld, type OperateWorld } from './world.js';

let world: OperateWorld;
test.before(async () => {
  world = await openOperateWorld('op_stats');
  await world.seedUsers(1, 101);
  await world.seedMembers(30);
});
test.after(async () => {
  await world?.close();
});

function runApp(plan: readonly Step[]): Promise<HotStorageStats> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'test/operate/stats-app.ts'), join(world.dir, 'schema.ts'), world.prefix, JSON.stringify(plan)],
      { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL, REDIS_URL }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as HotStorageStats) : reject(new Error(`the application process exited ${code}: ${err}`))));
  });
}

test('stats --json shows exactly the sums of two processes\' counters, and the exact cached rows', timed(90_000, async () => {
  const a = await runApp(PLAN_A);
  const b = await world.storage({ statsFlushMs: 600_000, tombstoneTtlMs: ABSENCE_KEPT_MS });
  await runPlan(world.hot, b.hs, PLAN_B);
  await b.hs.close();
  const bStats = b.hs.stats();

  const tables = await statsJson(world);
  assert.equal(tables.map((t) => t.name), ['members', 'users']);
  const [members, users] = tables as [JsonTable, JsonTable];
  assert.is(users.schema, world.schema);
  // The plans' known figures (see PLAN_A and PLAN_B).
  assert.equal(planFigures(users), EXPECTED.users);
  assert.equal(planFigures(members), EXPECTED.members);
  assert.is(users.hitRatio, 17 / 33);
  // Every counter is the two processes' sum (each process's hs.stats() covers both tables).
  for (const counter of ['hits', 'misses', 'fills', 'writes', 'tombstoneHits', 'leaseWaits', 'invalidations'] as const) {
    const shared = (users.counters[counter] ?? 0) + (members.counters[counter] ?? 0);
    assert.is(shared, a[counter] + bStats[counter], counter);
  }
  assert.equal({ users: users.cachedRows, usersMarkers: users.markers, members: members.cachedRows }, EXPECTED.rows);
  assert.ok(users.memoryBytes > 0 && members.memoryBytes > 0);

  const onlyUsers = await statsJson(world, ['users']);
  assert.equal(onlyUsers.map((t) => t.name), ['users']);

  const human = await world.cli(['stats']);
  assert.is(human.code, 0);
  assert.match(human.stdout, /hit ratio/);
  assert.match(human.stdout, new RegExp(`${world.schema}\\.users .*│ +16 │`));
  assert.match(human.stdout, /51\.5%/);
  assert.not.match(human.stdout, /\x1b\[/, 'no colour when not a terminal');
}));

test('--json with --watch, or an interval that is not positive, is one sentence and exit 2', timed(30_000, async () => {
  const both = await world.cli(['stats', '--json', '--watch']);
  assert.is(both.code, 2);
  assert.is(both.stderr, 'hotstorage: --json and --watch cannot be used together.\nRun `hotstorage --help` for usage.\n');
  const zero = await world.cli(['stats', '--watch', '--interval', '0']);
  assert.is(zero.code, 2);
  assert.match(zero.stderr, /^hotstorage: --interval must be a positive number of seconds, got "0"\.\n/);
}));

/** Runs `stats --watch` under `script` (a real pseudo-terminal), presses Ctrl-C after two refreshes. */
function watchInTerminal(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // A pseudo-terminal starts with no size; a user's has one.
    const command = `stty cols 160 rows 40; exec ${process.execPath} ${join(REPO_ROOT, 'bin/hotstorage.js')} stats --watch --interval 0.3`;
    const merged: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL, REDIS_URL, HOTSTORAGE_PREFIX: world.prefix, TERM: 'xterm', ...env };
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete merged[name];
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: world.dir, env: merged, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let pressed = false;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (!pressed && (output.match(/Ctrl-C to stop/g) ?? []).length >= 2) {
        pressed = true;
        child.stdin.write('\x03');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('stats --watch redraws in place in a terminal, shows the hit ratio, and Ctrl-C ends it with exit 0', timed(60_000, async () => {
  const plain = await watchInTerminal({ NO_COLOR: '1' });
  assert.is(plain.code, 0, plain.output);
  assert.match(plain.output, /\x1b\[2K\x1b\[1A/, 'the previous drawing is erased (erase line, cursor up)');
  assert.match(plain.output, /hit ratio/);
  assert.match(plain.output, /51\.5%/);
  assert.match(plain.output, /hits\/s/, 'rates since the previous refresh');
  assert.not.match(plain.output, /\x1b\[[0-9;]*m/, 'NO_COLOR: no colour codes');

  const coloured = await watchInTerminal({ NO_COLOR: undefined, FORCE_COLOR: undefined });
  assert.is(coloured.code, 0, coloured.output);
  assert.match(coloured.output, /\x1b\[1m/, 'colours on a terminal without NO_COLOR');
}));

test.run();
