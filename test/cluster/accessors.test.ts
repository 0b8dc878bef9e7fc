// The end-to-end accessor suites of test/runtime (protocol, transactions, races, lists: the same code the single-Redis files
// run) on a real Redis Cluster of three masters, started once for this file and shared by its suites, then one
// cluster-only check: a row's keys share one slot and its pointers are elsewhere.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { timed } from '../helpers/timeout.js';
import { openHarness, type Harness, type RedisTarget, type Storage } from '../runtime/harness.js';
import { users } from '../runtime/hot/index.js';
import { protocolSuite } from '../runtime/protocol-suite.js';
import { listsSuite } from '../runtime/lists-suite.js';
import { racesSuite } from '../runtime/races-suite.js';
import { transactionsSuite } from '../runtime/transactions-suite.js';

let cluster: RedisCluster | undefined;
let starting: Promise<RedisTarget> | undefined;

/** The cluster, started by the first suite that asks (uvu runs this file's suites one after another). */
const onCluster = (): Promise<RedisTarget> =>
  (starting ??= startRedisCluster().then((started) => {
    cluster = started;
    return { kind: 'cluster', nodes: started.nodes };
  }));

protocolSuite(onCluster).run();
transactionsSuite(onCluster).run();
racesSuite(onCluster).run();
listsSuite(onCluster).run();

const slots = suite('cluster slots');
let h: Harness;
let s: Storage;

slots.before(async () => {
  h = await openHarness('cluster_slots', await onCluster());
  s = await h.storage();
});
slots.after(async () => {
  await h.close();
  await cluster?.destroy(); // the last suite of the file
});

async function slotOf(key: string): Promise<number> {
  return Number(await h.redis.call('CLUSTER', 'KEYSLOT', key));
}

slots('a row, its lease and its writer sets share one slot; its pointers are elsewhere', timed(20_000, async () => {
  await users.save(s.hs, { id: 1, email: 'u1@example.com', tenantId: 1, slug: 's1', name: 'user 1', version: 0 });
  const [rowKey] = await h.keys(`${h.prefix}*:{1}`);
  assert.ok(rowKey, 'the row is cached');
  const slot = await slotOf(rowKey);
  for (const suffix of [':lease', ':writers', ':contended', ':applied']) assert.is(await slotOf(`${rowKey}${suffix}`), slot);
  const pointers = (await h.keys(`${h.prefix}*`)).filter((key) => /:email=|:tenant_id=/.test(key) && !key.endsWith(':lease'));
  assert.is(pointers.length, 2);
  const elsewhere = await Promise.all(pointers.map(async (key) => (await slotOf(key)) !== slot));
  assert.equal(elsewhere, [true, true], 'pointers hash on their own values, not on the row\'s tag');
}));

slots.run();
