// Resharding under load on a real cluster of three masters: while four workers (each with its own client, each the
// only writer of its ids) read and write through the generated accessors, the slots holding the workload's rows are
// moved key by key (CLUSTER SETSLOT IMPORTING/MIGRATING + MIGRATE: clients meet ASK, then MOVED), then a bulk
// `redis-cli --cluster reshard` moves thousands of slots more. No call may throw (the cache only ever falls back),
// every read must answer the worker's model, and at quiescence every cached row equals Postgres or is a marker and
// every pointer leads to a row carrying its value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { timed } from '../helpers/timeout.js';
import { openHarness, type Harness, type Storage } from '../runtime/harness.js';
import { auditCluster, clusterLayout, keySlot, startClusterWorkload, usersKeyspace } from './world.js';

const WORKERS = 4;
const IDS_PER_WORKER = 8;

let h: Harness;
let cluster: RedisCluster;

test.before(async () => {
  cluster = await startRedisCluster();
  h = await openHarness('reshard', { kind: 'cluster', nodes: cluster.nodes });
});
test.after(async () => {
  await h.close();
  await cluster.destroy();
});

function node(port: number): Redis {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  return redis;
}

/** Moves one slot from `from` to `to` the way redis-cli does: mark it, MIGRATE its keys in batches, hand it over. */
async function moveSlot(slot: number, from: number, to: number, idOf: Map<number, string>): Promise<number> {
  const source = node(from);
  const target = node(to);
  const others = cluster.nodes.filter((n) => n.port !== from && n.port !== to).map((n) => node(n.port));
  try {
    await target.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', idOf.get(from) ?? '');
    await source.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', idOf.get(to) ?? '');
    let moved = 0;
    for (;;) {
      const keys = (await source.call('CLUSTER', 'GETKEYSINSLOT', slot, 10)) as string[];
      if (keys.length === 0) break;
      await source.call('MIGRATE', '127.0.0.1', to, '', 0, 5000, 'REPLACE', 'KEYS', ...keys);
      moved += keys.length;
    }
    for (const redis of [target, source, ...others]) await redis.call('CLUSTER', 'SETSLOT', slot, 'NODE', idOf.get(to) ?? '');
    return moved;
  } finally {
    for (const redis of [source, target, ...others]) redis.disconnect();
  }
}

test('slots holding the workload rows move between masters during load: no call fails, nothing stale, pointers right', timed(180_000, async () => {
  const storages: Storage[] = [];
  for (let i = 0; i < WORKERS; i++) storages.push(await h.storage());
  const checker = await h.storage();
  const first = cluster.nodes[0] ?? { host: '127.0.0.1', port: 0 };
  const ks = usersKeyspace(h.prefix);
  const workload = await startClusterWorkload(storages, { idsPerWorker: IDS_PER_WORKER, firstId: 1000 });

  // The slots of the workload's rows (row, index set, lease share one) and of their starting pointers.
  const layout = await clusterLayout(first);
  const slots = new Set<number>();
  for (const id of workload.ids) {
    slots.add(await keySlot(first, ks.rowKeys([String(id)]).row));
    slots.add(await keySlot(first, ks.pointer(['email'], [`u${id}@example.com`])));
  }
  const byOwner = new Map<number, number[]>();
  for (const slot of slots) {
    const owner = layout.ownerOf(slot) ?? 0;
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), slot]);
  }
  const [from, moving] = [...byOwner.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? [0, []];
  const to = cluster.nodes.map((n) => n.port).find((p) => p !== from) ?? 0;
  await workload.advance(200);

  // Phase 1: key by key, while the workload runs (calls meet ASK during each slot's migration, MOVED after).
  let keysMoved = 0;
  for (const slot of moving) {
    keysMoved += await moveSlot(slot, from, to, layout.idOf);
    await workload.advance(20);
  }
  const afterPhase1 = await clusterLayout(first);
  assert.ok(moving.every((slot) => afterPhase1.ownerOf(slot) === to), 'phase 1 moved every chosen slot');

  // Phase 2: a bulk reshard by redis-cli from the target back to the third master (thousands of slots, ours among them
  // when they fall in the range it picks; the counts below say how many did).
  const third = cluster.nodes.map((n) => n.port).find((p) => p !== from && p !== to) ?? 0;
  const slotsBefore = new Map([...slots].map((slot) => [slot, afterPhase1.ownerOf(slot)]));
  await promisify(execFile)('redis-cli', [
    '--cluster', 'reshard', `127.0.0.1:${to}`, '--cluster-from', afterPhase1.idOf.get(to) ?? '', '--cluster-to', afterPhase1.idOf.get(third) ?? '',
    '--cluster-slots', '6000', '--cluster-yes',
  ], { timeout: 120_000 });
  await workload.advance(200);
  const afterPhase2 = await clusterLayout(first);
  const movedInPhase2 = [...slots].filter((slot) => afterPhase2.ownerOf(slot) !== slotsBefore.get(slot)).length;

  const report = await workload.stop();
  for (const s of storages) assert.is(await s.hs.flushRepairs(), 0, 'the repair queue drained');
  const audit = await auditCluster(h, checker, workload.ids);
  console.log(`resharding: ${report.ops} calls ${JSON.stringify(report.byKind)}, phase 1 moved ${moving.length} slots (${keysMoved} keys) ${from}→${to}, ` +
    `phase 2 moved ${movedInPhase2} of the workload's ${slots.size} slots; audit ${audit.rows} rows, ${audit.markers} markers, ${audit.pointers} pointers (${audit.stalePointers} stale hints, each lookup right); ` +
    `slowest ${report.slowest} ${report.maxMs.toFixed(0)} ms; redis errors ${storages.reduce((n, s) => n + s.hs.stats().redisErrors, 0)}`);
  assert.equal(report.errors, [], 'no call failed');
  assert.equal(report.mismatches, [], 'every read and write answered the model');
  assert.equal(audit.problems, [], 'every cached row equals Postgres and every pointer leads to the right row');
  assert.ok(moving.length > 0 && keysMoved > 0, 'phase 1 moved keys of the workload');
  assert.ok(audit.rows > 0, 'the audit saw cached rows');
}));

test.run();
