// The randomized concurrency run with the near-cache on in several processes (issue 16): PROCESSES child processes
// (test/near/random-child.ts), each a storage of its own with the near-cache on, run random reads of a small hot set
// (by primary key, by each unique key, several at once, message lists) and writes of the rows each owns, for a few
// seconds. Every row has one writing process, which raises its `version` (a message's is in its body) at each write, so
// its commits are in version order and "older" is defined across processes. Checked:
// - no stale read (test/near/staleness.ts): a read that began at t shows a version at least as new as the newest whose
//   write returned before t − bound, the bound runtime/README.md ("Near-cache", "Staleness bound") promises:
//   2 × heartbeatMs; in the writing process itself, before t (read-your-writes);
// - at quiescence (each child's invalidations drained: the parent writes a row the child holds, and the child waits for
//   that invalidation, which comes after every earlier one), every row, unique-key lookup and list each child serves
//   (from memory where it holds them) equals Postgres.
// Shown to fail with a guard off: UNSAFE_NEAR=ignoreInvalidations (the near-cache keeps rows Redis says changed) gives
// stale reads and diverged rows; UNSAFE_NEAR=keepOnWrite gives stale reads in the writing process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { timed } from '../helpers/timeout.js';
import { openHarness, type Harness } from '../runtime/harness.js';
import { users } from '../runtime/hot/index.js';
import {
  CHATS, MESSAGE_IDS, PROCESSES, USER_IDS, messageAt, now, seedChatOf, sentinelOf, userAt,
  type ChildStats, type FromChild, type ReadRecord, type ServedRow, type ToChild, type WriteRecord,
} from './multiprocess-plan.js';
import { checkStaleness } from './staleness.js';

const RUN_MS = Number(process.env.NEAR_RUN_MS ?? 6000);
/**
 * The default, given explicitly so that the bound follows it. (250 ms, a bound of 500 ms, held too, but a read 190 ms
 * behind was seen while the machine ran other tests: a process without the CPU does not read its socket.)
 */
const HEARTBEAT_MS = 1000;
/** runtime/README.md, "Near-cache": what is promised whatever the invalidation stream does is two heartbeats. */
const BOUND_MS = 2 * HEARTBEAT_MS;
const SEED = Number(process.env.NEAR_SEED ?? 16);

let h: Harness;
const children: ChildProcess[] = [];

/** The next message of `type` from a child (its exit first is an error). */
function next<T extends FromChild['type']>(child: ChildProcess, type: T): Promise<Extract<FromChild, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`a child process exited with ${code} while the test waited for '${type}'`));
    const onMessage = (message: FromChild) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as Extract<FromChild, { type: T }>);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

const tell = (child: ChildProcess, message: ToChild): void => void child.send(message);

test.before(async () => {
  h = await openHarness('nearmulti');
});
test.after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill();
  await h.close();
});

async function seed(): Promise<number> {
  const q = `"${h.schema}"`;
  for (const id of [...USER_IDS, ...Array.from({ length: PROCESSES }, (_, i) => sentinelOf(i))]) {
    const u = userAt(id, 0);
    await h.admin.sql.unsafe(`insert into ${q}.users (id, email, tenant_id, slug, name, version) values ($1, $2, $3, $4, $5, $6)`, [u.id, u.email, u.tenantId, u.slug, u.name, u.version]);
  }
  for (const id of MESSAGE_IDS) {
    const m = messageAt(id, 0, seedChatOf(id));
    await h.admin.sql.unsafe(`insert into ${q}.messages (id, chat_id, author_id, body) values ($1, $2, null, $3)`, [m.id, m.chatId, m.body]);
  }
  return now();
}

/** Each child's answers against Postgres: what differs. */
async function divergences(child: number, served: readonly ServedRow[]): Promise<string[]> {
  const q = `"${h.schema}"`;
  const userRows = (await h.admin.sql.unsafe(`select id, email, tenant_id, slug, name, version from ${q}.users`)) as unknown as { id: number; email: string; tenant_id: number; slug: string; name: string; version: number }[];
  const messageRows = (await h.admin.sql.unsafe(`select id, chat_id, author_id, body from ${q}.messages order by id`)) as unknown as { id: number; chat_id: number; author_id: number | null; body: string }[];
  const user = new Map(userRows.map((r) => [r.id, { id: r.id, email: r.email, tenantId: r.tenant_id, slug: r.slug, name: r.name, version: r.version }] as const));
  const messages = messageRows.map((r) => ({ id: r.id, chatId: r.chat_id, authorId: r.author_id, body: r.body }));
  const expected = new Map<string, unknown>();
  for (const id of USER_IDS) {
    for (const what of ['getByPk', 'getByEmail', 'getByTenantIdAndSlug']) expected.set(`users.${what}(${id})`, user.get(id) ?? null);
    expected.set(`users.getManyByPk[${id}]`, user.get(id) ?? null);
  }
  for (const id of MESSAGE_IDS) expected.set(`messages.getByPk(${id})`, messages.find((m) => m.id === id) ?? null);
  for (const chatId of CHATS) expected.set(`messages.listByChatId(${chatId})`, messages.filter((m) => m.chatId === chatId));
  const found: string[] = [];
  for (const { what, value } of served) {
    const want = expected.has(what) ? expected.get(what) : 'not asked';
    // Over IPC as JSON: the rows compared as plain objects.
    if (!isDeepStrictEqual(value, JSON.parse(JSON.stringify(want)))) {
      found.push(`process ${child} ${what}: ${JSON.stringify(value)}, Postgres ${JSON.stringify(want)}`);
    }
  }
  if (served.length !== expected.size) found.push(`process ${child} answered ${served.length} lookups of ${expected.size}`);
  return found;
}

test(`${PROCESSES} processes with the near-cache on: no read older than 2 × heartbeatMs after a write it could have seen, and at quiescence every row each serves equals Postgres`, timed(50_000, async () => {
  const seededAt = await seed();
  const script = fileURLToPath(new URL('./random-child.ts', import.meta.url));
  for (let i = 0; i < PROCESSES; i++) {
    const child = fork(script, [h.schema, h.prefix, String(i), String(HEARTBEAT_MS), String(SEED)], { execArgv: ['--import', 'tsx'] });
    children.push(child);
  }
  await Promise.all(children.map((child) => next(child, 'ready')));

  // The workload: every child until the same moment, then its log.
  const until = now() + RUN_MS;
  const logs = children.map((child) => next(child, 'log'));
  for (const child of children) tell(child, { type: 'go', until });
  const received = await Promise.all(logs);
  const writes: WriteRecord[] = received.flatMap((log) => log.writes);
  const reads: ReadRecord[] = received.flatMap((log) => log.reads);

  // Quiescence: no write anywhere now. Each child holds its sentinel; the parent writes it; the child drains up to it.
  const checker = await h.storage();
  const found: string[] = [];
  let drained = 0;
  let finalNearHits = 0;
  for (const [i, child] of children.entries()) {
    const tracked = next(child, 'tracked');
    tell(child, { type: 'track' });
    await tracked;
    await users.save(checker.hs, userAt(sentinelOf(i), 1));
    const served = next(child, 'served');
    tell(child, { type: 'check' });
    const answer = await served;
    drained += answer.drained ? 1 : 0;
    finalNearHits += answer.nearHits;
    found.push(...(await divergences(i, answer.rows)));
  }
  for (const child of children) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    tell(child, { type: 'stop' });
    await exited;
  }

  const report = checkStaleness(writes, reads, {
    seededAt, startedAt: until - RUN_MS, boundMs: BOUND_MS, rows: [...USER_IDS.map((id) => ({ table: 'users' as const, id })), ...MESSAGE_IDS.map((id) => ({ table: 'messages' as const, id }))],
  });
  const stats = received.map((log) => log.stats).reduce<ChildStats>((sum, s) => ({
    nearHits: sum.nearHits + s.nearHits, nearMisses: sum.nearMisses + s.nearMisses, nearInvalidations: sum.nearInvalidations + s.nearInvalidations,
    nearFlushes: sum.nearFlushes + s.nearFlushes, writes: sum.writes + s.writes,
  }), { nearHits: 0, nearMisses: 0, nearInvalidations: 0, nearFlushes: 0, writes: 0 });
  console.log(`  ${PROCESSES} processes, ${(RUN_MS / 1000).toFixed(1)} s: ${report.reads} reads (${report.nearReads} from memory alone; ${report.observations} row observations), ${writes.length} writes; near hits ${stats.nearHits}, misses ${stats.nearMisses}, invalidations ${stats.nearInvalidations}, flushes ${stats.nearFlushes}`);
  console.log(`  lag: ${report.behind} observations behind the newest returned write, max ${report.maxLagMs.toFixed(1)} ms (from memory alone ${report.maxNearLagMs.toFixed(1)} ms, from Redis alone ${report.maxRedisLagMs.toFixed(1)} ms); bound ${BOUND_MS} ms; stale reads ${report.violations.length}`);
  if (report.mostBehind !== '') console.log(`    most behind: ${report.mostBehind}`);
  console.log(`  quiescence: ${drained}/${PROCESSES} processes drained to their sentinel; ${finalNearHits} of the final lookups from memory; diverged ${found.length}`);
  for (const line of [...report.violations.slice(0, 5), ...found.slice(0, 5)]) console.log(`    ${line}`);

  assert.is(report.violations.length, 0, `${report.violations.length} stale reads, e.g. ${report.violations[0]}`);
  assert.is(found.length, 0, `${found.length} diverged rows at quiescence, e.g. ${found[0]}`);
  assert.is(drained, PROCESSES, 'every child was told of the sentinel write (its invalidations drained)');
  assert.ok(stats.nearHits > 0 && writes.length > 0 && stats.nearInvalidations > 0, `the run exercised the near-cache: ${JSON.stringify(stats)}`);
}));

test.run();
