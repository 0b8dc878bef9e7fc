// Losing a master of a real three-master cluster (no replicas: its slots are down) in the middle of a workload of four
// workers: calls keep answering what Postgres holds (reads of its slots fall back within the command timeout, writes
// commit), rows in the other masters' slots are still served from Redis, and once the node is restarted with its data
// (same port, nodes.conf and append-only file), every row written meanwhile is repaired or invalid: none is stale.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { onNode, startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { timed } from '../helpers/timeout.js';
import { openHarness, type Harness, type Storage } from '../runtime/harness.js';
import { users } from '../runtime/hot/index.js';
import { until } from '../faults/world.js';
import { auditCluster, clusterLayout, keySlot, postgresUsers, startClusterWorkload, usersKeyspace } from './world.js';

const WORKERS = 4;
const COMMAND_TIMEOUT_MS = 300;
/** The hang guard: no call may wait much longer than the command timeout (a write waits for Redis at most twice). */
const GUARD_MS = COMMAND_TIMEOUT_MS * 5;

let h: Harness;
let cluster: RedisCluster;

test.before(async () => {
  // The other masters keep serving their slots while one is down (by default a cluster with uncovered slots refuses all).
  cluster = await startRedisCluster({ persist: true, args: ['--cluster-require-full-coverage', 'no', '--cluster-node-timeout', '2000'] });
  h = await openHarness('master_loss', { kind: 'cluster', nodes: cluster.nodes });
});
test.after(async () => {
  await h.close();
  await cluster.destroy();
});

/** The CLUSTER NODES line `from` reports for the node on `port`. */
async function nodesLine(from: { host: string; port: number }, port: number): Promise<string> {
  return onNode(from, async (redis) => String(await redis.call('CLUSTER', 'NODES')).split('\n').find((line) => line.includes(`:${port}@`)) ?? '');
}

async function timedCall<T>(body: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await body();
  return { result, ms: performance.now() - started };
}

test('a master killed mid-workload: fallback within the timeout, writes commit, other slots hit; on return nothing stale', timed(180_000, async () => {
  const options = { commandTimeoutMs: COMMAND_TIMEOUT_MS };
  const storages: Storage[] = [];
  for (let i = 0; i < WORKERS; i++) storages.push(await h.storage(options));
  const probe = await h.storage(options);
  const first = cluster.nodes[0] ?? { host: '127.0.0.1', port: 0 };
  const ks = usersKeyspace(h.prefix);
  const workload = await startClusterWorkload(storages, { idsPerWorker: 8, firstId: 2000 });

  // The victim: the master holding most of the workload's rows; probes: one row on it, one row elsewhere.
  const layout = await clusterLayout(first);
  const ownerOfId = new Map<number, number>();
  for (const id of workload.ids) ownerOfId.set(id, layout.ownerOf(await keySlot(first, ks.rowKeys([String(id)]).row)) ?? 0);
  const counts = new Map<number, number>();
  for (const port of ownerOfId.values()) counts.set(port, (counts.get(port) ?? 0) + 1);
  const victimPort = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  const victim = cluster.nodes.findIndex((n) => n.port === victimPort);
  const probeIds = { down: 2900, up: 2901 };
  for (let id = 2900; ; id++) {
    const port = layout.ownerOf(await keySlot(first, ks.rowKeys([String(id)]).row));
    if (port === victimPort && probeIds.down === 2900 && id !== 2900) probeIds.down = id;
    if (port !== victimPort && probeIds.up === 2901 && id !== 2901) probeIds.up = id;
    if (probeIds.down !== 2900 && probeIds.up !== 2901) break;
  }
  for (const id of [probeIds.down, probeIds.up]) await users.save(probe.hs, { id, email: `p${id}@x`, tenantId: 2, slug: `p${id}`, name: 'probe', version: 0 });
  // A key beside the probe row (same hash tag, so on the victim): shows the node comes back with its data, so the
  // probe row's pre-outage copy comes back too and must then be repaired, not served.
  const sentinel = `${ks.rowKeys([String(probeIds.down)]).row}:sentinel`;
  const victimClient = new Redis({ ...first, port: victimPort, maxRetriesPerRequest: 1 });
  victimClient.on('error', () => {});
  await victimClient.set(sentinel, 'persisted');
  victimClient.disconnect();
  await workload.advance(300);

  await cluster.kill(victim);
  const killedAt = workload.ops();
  const before = probe.hs.stats();
  // Reads of a row on the dead master answer from Postgres within the guard; a write of it commits.
  const down = await timedCall(() => users.getByPk(probe.hs, probeIds.down));
  assert.is(down.result?.name, 'probe');
  assert.ok(down.ms < GUARD_MS, `read of a row on the dead master took ${down.ms.toFixed(0)} ms`);
  const written = await timedCall(() => users.update(probe.hs, probeIds.down, { name: 'written while down' }));
  assert.is(written.result?.name, 'written while down');
  assert.ok(written.ms < GUARD_MS, `write of a row on the dead master took ${written.ms.toFixed(0)} ms`);
  // A row on a live master is still a hit: no SQL.
  const sqlBefore = probe.queries.length;
  const up = await timedCall(() => users.getByPk(probe.hs, probeIds.up));
  assert.is(up.result?.name, 'probe');
  assert.is(probe.queries.length, sqlBefore, 'a row on a live master is served from Redis');
  assert.ok(probe.hs.stats().hits > before.hits);
  await workload.advance(300);
  // Once the other masters have marked it failed (cluster-node-timeout), a live master's rows are still hits.
  const live = cluster.nodes.find((n) => n.port !== victimPort) ?? first;
  await until(async () => (await nodesLine(live, victimPort)).includes('fail'), 'the victim marked failed', 20_000);
  const sqlLater = probe.queries.length;
  assert.is((await users.getByPk(probe.hs, probeIds.up))?.name, 'probe');
  assert.is(probe.queries.length, sqlLater, 'a row on a live master is served from Redis after the failure is agreed');
  await workload.advance(300);
  const duringOutage = workload.ops() - killedAt;

  // Writes during the outage: the rows the workers touched stay in their repair queues until the node answers.
  const queued = storages.reduce((n, s) => n + s.hs.stats().repairsPending, 0) + probe.hs.stats().repairsPending;
  await cluster.restart(victim);
  await workload.advance(300);
  const report = await workload.stop();
  const deadline = Date.now() + 15_000;
  for (const s of [...storages, probe]) {
    while ((await s.hs.flushRepairs()) !== 0) {
      if (Date.now() > deadline) throw new Error('repair queues did not drain after the restart');
      await new Promise((resolve) => setTimeout(resolve, 50)); // polling the queue, not ordering a race
    }
  }
  const victimAgain = new Redis({ ...first, port: victimPort, maxRetriesPerRequest: 1 });
  victimAgain.on('error', () => {});
  const [sentinelBack, probeRowBack] = [await victimAgain.get(sentinel), await victimAgain.get(ks.rowKeys([String(probeIds.down)]).row)];
  victimAgain.disconnect();
  assert.is(sentinelBack, 'persisted', 'the node came back with its data');
  assert.is(probeRowBack, null, 'the row written while its master was down was invalidated (deleted), not left as its pre-outage copy');
  const audit = await auditCluster(h, probe, [...workload.ids, probeIds.down, probeIds.up]);
  const inDb = await postgresUsers(h);
  const stats = storages.map((s) => s.hs.stats());
  console.log(`master loss: killed ${victimPort} holding ${counts.get(victimPort)} of ${workload.ids.length} rows; ${report.ops} calls ` +
    `(${duringOutage} during the outage) ${JSON.stringify(report.byKind)}; slowest ${report.slowest} ${report.maxMs.toFixed(0)} ms ` +
    `(guard ${GUARD_MS}); probe read ${down.ms.toFixed(0)} ms, write ${written.ms.toFixed(0)} ms; repairs queued at restart ${queued}, ` +
    `repairs ${stats.reduce((n, s) => n + s.repairs, 0)}, redis errors ${stats.reduce((n, s) => n + s.redisErrors, 0)}; ` +
    `audit ${audit.rows} rows, ${audit.markers} markers, ${audit.pointers} pointers (${audit.stalePointers} stale hints)`);
  assert.equal(report.errors, [], 'no call failed');
  assert.equal(report.mismatches, [], 'every read and write answered the model');
  assert.ok(report.maxMs < GUARD_MS, `slowest call ${report.slowest} took ${report.maxMs.toFixed(0)} ms`);
  assert.equal(audit.problems, [], 'after the return, every cached row equals Postgres or is a marker');
  assert.is(inDb.get(probeIds.down)?.name, 'written while down');
  assert.ok(queued > 0, 'writes during the outage went to the repair queues');
}));

test.run();
