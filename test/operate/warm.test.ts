// hotstorage warm: every row of every table reaches Redis through the miss protocol, in keyset batches; rows
// already cached are left alone; a warm racing the application's writes leaves no stale row; --rate holds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { integer, pgSchema, primaryKey, text } from 'drizzle-orm/pg-core';
import { contextState } from '../../runtime/src/storage/context.js';
import { checkpointKey, decodeCheckpoint } from '../../cli/operate/warm/checkpoint.js';
import { warmTable } from '../../cli/operate/warm/engine.js';
import { readIdentityBatch } from '../../cli/operate/warm/keyset.js';
import { UNLIMITED } from '../../cli/operate/warm/rate-limit.js';
import { timed } from '../helpers/timeout.js';
import { compareCache, openInProcess, runtimeOf, servedRows, SPECS } from './warm-cache.js';
import { type AppStorage, openOperateWorld, type OperateWorld } from './world.js';

interface Summary {
  tables: { name: string; completed: boolean; rowsRead: number; filled: number; alreadyCached: number; leftAlone: number; redisErrors: number; seconds: number }[];
  interrupted: boolean;
}

let world: OperateWorld;
let app: AppStorage;
test.before(async () => {
  world = await openOperateWorld('op_warm');
  // Under a loaded machine a request's 250 ms could time out and count a miss that says nothing about the warm.
  app = await world.storage({ commandTimeoutMs: 5000 });
  await world.seedUsers(0, 2500);
  await world.seedMembers(1500);
});
test.after(async () => {
  await world?.close();
});

async function warmJson(args: readonly string[]): Promise<Summary> {
  const run = await world.cli(['warm', ...args, '--json']);
  assert.is(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Summary;
}

test('warm fills every row of both tables; every getter then hits and equals Postgres', timed(90_000, async () => {
  const summary = await warmJson(['--batch', '400']);
  assert.equal(summary.tables.map((t) => [t.name, t.completed, t.rowsRead, t.filled, t.alreadyCached, t.leftAlone]), [
    ['members', true, 1500, 1500, 0, 0],
    ['users', true, 2500, 2500, 0, 0],
  ]);
  const users = await app.sql.unsafe<{ id: number; email: string; name: string; version: number }[]>(`select * from "${world.schema}".users order by id`);
  const members = await app.sql.unsafe<{ id: string; tenant_id: number; slug: string; note: string | null }[]>(`select * from "${world.schema}".members order by id`);
  const before = app.hs.stats();
  for (const u of users) {
    const expected = { id: u.id, email: u.email, name: u.name, version: u.version };
    assert.equal(await world.hot.users.getBy(app.hs, ['id'], { id: u.id }), expected);
    assert.equal(await world.hot.users.getBy(app.hs, ['email'], { email: u.email }), expected);
  }
  for (const m of members) {
    const expected = { id: m.id, tenantId: m.tenant_id, slug: m.slug, note: m.note };
    assert.equal(await world.hot.members.getBy(app.hs, ['id'], { id: m.id }), expected);
    assert.equal(await world.hot.members.getBy(app.hs, ['tenantId', 'slug'], { tenantId: m.tenant_id, slug: m.slug }), expected);
  }
  const after = app.hs.stats();
  const diff = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]]).filter(([, v]) => v !== 0));
  assert.is(after.misses - before.misses, 0, `no getter missed: ${JSON.stringify(diff)}`);
  assert.is(after.dbQueries - before.dbQueries, 0, 'no getter read Postgres');
  assert.is(after.hits - before.hits, 2 * (users.length + members.length));
}));

test('a second warm leaves cached rows as they are: every row counts as already cached, none is filled', timed(60_000, async () => {
  await world.hot.users.getBy(app.hs, ['id'], { id: 3 }); // cached by the application, not the warm: still left alone
  const summary = await warmJson(['users', '--batch', '1000']);
  assert.equal(summary.tables.map((t) => [t.name, t.rowsRead, t.filled, t.alreadyCached]), [['users', 2500, 0, 2500]]);
}));

test('keyset pagination walks a composite identity in order, each row once, and warms it', timed(60_000, async () => {
  const pairs = pgSchema(world.schema).table('pairs', { a: integer('a').notNull(), b: text('b').notNull(), v: integer('v').notNull() }, (t) => [primaryKey({ columns: [t.a, t.b] })]);
  await app.sql.unsafe(`create table "${world.schema}".pairs (a integer not null, b text not null, v integer not null, primary key (a, b));
    insert into "${world.schema}".pairs select g % 7, 'b' || (g / 7), g from generate_series(0, 699) g;`);
  const { op } = await openInProcess(world, { names: ['users'] });
  try {
    const rt = await op.core.openRuntime(pairs, { primaryKey: ['a', 'b'], uniqueKeys: [], identity: ['a', 'b'] });
    const seen: string[] = [];
    let after: Record<string, unknown> | undefined;
    for (;;) {
      const batch = await readIdentityBatch(op.core.db, rt, after, 64);
      if (batch.length === 0) break;
      seen.push(...batch.map((v) => `${String(v.a)}/${String(v.b)}`));
      after = batch.at(-1);
    }
    const expected = (await app.sql.unsafe<{ a: number; b: string }[]>(`select a, b from "${world.schema}".pairs order by a, b`)).map((r) => `${r.a}/${r.b}`);
    assert.is(seen.length, 700);
    assert.equal(seen, expected, 'in identity order, no row skipped or repeated across batch boundaries');
    const result = await warmTable(contextState(op.hs), rt, { batch: 64, resume: false, limiter: UNLIMITED, signal: new AbortController().signal }, () => {});
    assert.equal([result.completed, result.rowsRead], [true, 700]);
    const cache = await compareCache(app, world.admin.redis, pairs, rt);
    assert.equal([cache.rows, cache.equal, cache.stale], [700, 700, []]);
  } finally {
    await op.close();
  }
}));

test('warm while the application saves, updates and removes rows: afterwards every cached row equals Postgres', timed(120_000, async () => {
  await world.seedUsers(10_000, 16_000);
  const removed: number[] = [];
  let running = true;
  let writes = 0;
  const rt = await runtimeOf(app, world.tables.users, SPECS.users);
  // The rows worth racing are the ones the warm is about to read: just past its checkpoint.
  const frontier = async (): Promise<number> => {
    const text = await world.admin.redis.get(checkpointKey(rt));
    const id = text === null ? undefined : decodeCheckpoint(rt, text)?.after.id;
    return typeof id === 'number' ? id : 0;
  };
  // Writers go through hotstorage (they take the row's lease before committing).
  const writer = async (seed: number): Promise<void> => {
    let n = seed;
    while (running) {
      n = (Math.imul(n, 1103515245) + 12345) >>> 1;
      const id = (await frontier()) + 1 + (n % 400);
      const op = n % 3;
      if (op === 0) await world.hot.users.update(app.hs, { id }, { name: `renamed ${n}`, version: n % 1000 });
      else if (op === 1) await world.hot.users.save(app.hs, { id, email: `u${id}@example.com`, name: `saved ${n}`, version: 7 });
      else if (await world.hot.users.remove(app.hs, { id })) removed.push(id);
      writes += 1;
    }
  };
  const writers = [writer(1), writer(2), writer(3)];
  const run = await world.cli(['warm', 'users', '--batch', '200', '--rate', '4000', '--json']);
  running = false;
  await Promise.all(writers);
  assert.is(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as Summary;
  assert.ok(writes > 50, `the writers raced the warm (${writes} writes)`);
  const cache = await compareCache(app, world.admin.redis, world.tables.users, rt);
  assert.equal(cache.stale, [], 'no cached row differs from Postgres (invariant 1)');
  const stillDeleted = (await app.sql.unsafe<{ id: number }[]>(`select g as id from unnest($1::int[]) g where not exists (select 1 from "${world.schema}".users u where u.id = g)`, [removed])).map((r) => r.id);
  assert.equal(await servedRows(world.admin.redis, rt, stillDeleted.map((id) => rt.rowKeys({ id }).row)), [], 'no deleted row is cached');
  const table = summary.tables[0];
  assert.ok(table !== undefined && table.completed);
  console.log(`  ${writes} writes; warm filled ${table.filled}, found ${table.alreadyCached} cached, left ${table.leftAlone} alone`);
  assert.is(cache.equal + cache.absent, cache.rows);
  // And as an operator would prove it after a launch: `verify --all` finds nothing to say.
  const verify = await world.cli(['verify', 'users', '--all', '--json']);
  assert.is(verify.code, 0, verify.stdout + verify.stderr);
  const [report] = (JSON.parse(verify.stdout) as { tables: { checked: number; stale: number; orphanedPointers: number; missingIndex: number }[] }).tables;
  assert.ok(report !== undefined && report.checked > 0);
  assert.equal([report.stale, report.orphanedPointers, report.missingIndex], [0, 0, 0]);
}));

test('--rate holds the warm to about that many rows a second', timed(60_000, async () => {
  const summary = await warmJson(['members', '--rate', '1000', '--batch', '100']);
  // A second's worth of rows may go at once; the other 500 wait for their tokens.
  const t = summary.tables[0];
  assert.ok(t !== undefined && t.rowsRead === 1500 && t.seconds >= 0.45, `1500 rows at 1000/s took ${t?.seconds} s`);
}));

test('with output to a pipe: plain progress lines, no carriage returns or escape codes', timed(60_000, async () => {
  const run = await world.cli(['warm', 'users', '--batch', '500']);
  assert.is(run.code, 0, run.stderr);
  assert.not.match(run.stdout + run.stderr, /[\r\u001b]/);
  assert.match(run.stderr, new RegExp(`^${world.schema}\\.users: [\\d,]+ rows done, [\\d,]+ read in [\\d.]+ s \\([\\d,]+ rows/s\\)$`, 'm'));
  assert.match(run.stdout, /rows read\s*│\s*filled\s*│\s*already cached/);
}));

test('flags: --batch and --rate must be positive; one sentence echoing what was typed, exit 2', timed(30_000, async () => {
  const usage = 'Run `hotstorage --help` for usage.\n';
  const batch = await world.cli(['warm', '--batch', '0']);
  assert.equal([batch.code, batch.stderr], [2, `hotstorage: --batch must be a positive whole number of rows, got "0".\n${usage}`]);
  const rate = await world.cli(['warm', '--rate', '-5']);
  assert.equal([rate.code, rate.stderr], [2, `hotstorage: --rate must be a positive number of rows per second, got "-5".\n${usage}`]);
  const word = await world.cli(['warm', '--rate', 'abc']);
  assert.equal([word.code, word.stderr], [2, `hotstorage: --rate must be a positive number of rows per second, got "abc".\n${usage}`]);
}));

test.run();
