// The randomized run of test/runtime/randomized.test.ts (8 workers, each its own connections, random saves, updates,
// swaps in transactions, removes, evictions and reads, rivals placed in the fill windows) with the near-cache on in
// every worker: at quiescence of each worker's invalidation stream, every row and list it serves (from memory where it
// holds them) equals Postgres, as every cached row in Redis does. Cover, not proof: with the race guard off
// (`unsafeIgnoreRace`) this run still passes on loopback (a reply overtaken by its invalidation is rare here), so the
// race's proof is test/near/near.test.ts, which places it with a hook.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { timed } from '../helpers/timeout.js';
import { openHarness, type Harness } from '../runtime/harness.js';
import { ROUNDS, runRandomized, WORKERS } from '../runtime/randomized-run.js';

let h: Harness;

test.before(async () => {
  h = await openHarness('nearrandom');
});
test.after(async () => {
  await h.close();
});

test(`${WORKERS} concurrent workers with the near-cache on: at quiescence every row and list each serves equals Postgres`, timed(180_000, async () => {
  const { diverged, stats } = await runRandomized(h, true, 2000, true);
  assert.equal(diverged, Array.from({ length: ROUNDS }, () => []));
  assert.ok(stats.nearHits > 0 && stats.writes > 0, JSON.stringify(stats));
  console.log(`  ${JSON.stringify(stats)}`);
}));

test.run();
