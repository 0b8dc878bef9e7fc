// The randomized concurrency invariant test (test/runtime/randomized-run.ts, the same code the single-Redis suite runs)
// against a real cluster of three masters: eight workers with their own Cluster clients, seams placing rival writes
// inside fill windows, evictions; at quiescence every cached row on every node equals Postgres and every getter answers
// what Postgres holds. With the lease guard off, the same run must diverge on the cluster too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.js';
import { timed } from '../helpers/timeout.js';
import { openHarness, type Harness } from '../runtime/harness.js';
import { ROUNDS, runRandomized, WORKERS } from '../runtime/randomized-run.js';

let h: Harness;
let cluster: RedisCluster;

test.before(async () => {
  cluster = await startRedisCluster();
  h = await openHarness('random_cluster', { kind: 'cluster', nodes: cluster.nodes });
});
test.after(async () => {
  await h.close();
  await cluster.destroy();
});

test(`${WORKERS} concurrent workers on a cluster: at quiescence every cached row equals Postgres and every getter finds the right row`, timed(120_000, async () => {
  const { diverged, stats } = await runRandomized(h, true, 1000);
  assert.equal(diverged, Array.from({ length: ROUNDS }, () => []));
  assert.ok(stats.writes > 0 && stats.hits > 0, JSON.stringify(stats));
  assert.ok(stats.fillsRefused + stats.invalidations > 0, `the run exercised the guard: ${JSON.stringify(stats)}`);
}));

test('the same run on a cluster with the lease guard switched off leaves stale rows: the check above can fail there too', timed(120_000, async () => {
  const { diverged } = await runRandomized(h, false, 1000);
  const rounds = diverged.filter((d) => d.length > 0).length;
  assert.ok(rounds >= ROUNDS / 2, `divergence detected in only ${rounds} of ${ROUNDS} rounds without the guard`);
}));

test.run();
