// Invariants 1 and 3 under load: ≥8 workers, each with its own Redis and Postgres connections, run random saves,
// updates (unique changes, swaps in transactions), removes, evictions and reads over a small hot set. At quiescence every cached
// row equals its Postgres row or is absent, and every getter answers what Postgres holds. The same run with the lease
// guard switched off must detect divergence, so this test is known to catch the races the guard prevents.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { timed } from '../helpers/timeout.js';
import { openHarness, type Harness } from './harness.js';
import { ROUNDS, runRandomized, WORKERS } from './randomized-run.js';

let h: Harness;

test.before(async () => {
  h = await openHarness('random');
});
test.after(async () => {
  await h.close();
});

test(`${WORKERS} concurrent workers: at quiescence every cached row equals Postgres and every getter finds the right row`, timed(120_000, async () => {
  const { diverged, stats } = await runRandomized(h, true, 1000);
  assert.equal(diverged, Array.from({ length: ROUNDS }, () => []));
  assert.ok(stats.writes > 0 && stats.hits > 0, JSON.stringify(stats));
  assert.ok(stats.fillsRefused + stats.invalidations > 0, `the run exercised the guard: ${JSON.stringify(stats)}`);
}));

test('the same run with the lease guard switched off leaves stale rows: the check above can fail', timed(120_000, async () => {
  const { diverged } = await runRandomized(h, false, 1000);
  const rounds = diverged.filter((d) => d.length > 0).length;
  assert.ok(rounds >= ROUNDS / 2, `divergence detected in only ${rounds} of ${ROUNDS} rounds without the guard`);
}));

test.run();
