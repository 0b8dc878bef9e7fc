// A focused loop of cache hits for the CPU profiler: `node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx
// bench/profile.ts CASE [SECONDS] [CONCURRENCY]`, then `node --import tsx bench/profile-summary.ts .tmp/prof/<file>`.
// CASE is one of the read cases of bench/run.ts (hs.getByPk, hs.getByUnique, hs.getManyByPk100, redis.get, …) or a
// write case that needs no triggers (hs.save, drizzle.upsert, hs.removeInsert).
// Set-up (seeding, warming the cache) happens before the loop; the profile covers it too, but the loop dominates.
import { readCases, writeCases } from './lib/cases.js';
import { measure } from './lib/measure.js';
import { nearReadCases, openNear, type NearWorld } from './lib/near-cases.js';
import { openWorld, ROWS } from './lib/world.js';
import * as hot from './hot/index.js';

const [name = 'hs.getByPk', seconds = '5', concurrency = '1'] = process.argv.slice(2);
const world = await openWorld();
let near: NearWorld | undefined;
try {
  const ids = Array.from({ length: ROWS }, (_, i) => i + 1);
  for (let from = 0; from < ROWS; from += 100) await hot.benchRows.getManyByPk(world.hs, ids.slice(from, from + 100));
  // The write cases that need no trigger SQL (hs.save, drizzle.upsert, hs.removeInsert) profile as well.
  // The near-cache's read cases (hs.getByPk.near, lru.get, …) open its storage only when asked for.
  near = name.endsWith('.near') || name === 'lru.get' ? await openNear(world) : undefined;
  const cases = [...readCases(world), ...(near === undefined ? [] : nearReadCases(world, near)), ...writeCases(world, 'not profiled')];
  const found = cases.find((c) => c.name === name && c.kind === 'timed' && c.skipped === undefined);
  if (found === undefined || found.kind !== 'timed') throw new Error(`no timed case named ${name}`);
  const m = await measure(found.op, Number(concurrency), { warmupMs: 500, durationMs: Number(seconds) * 1000 }, () => {});
  const stats = world.hs.stats();
  console.log(`${name} c=${concurrency}: ${Math.round(m.opsPerSec)} ops/s, ${m.cpuUsPerOp.toFixed(3)} µs CPU/op, p50 ${Math.round(m.p50us)} µs, p99 ${Math.round(m.p99us)} µs (hits ${stats.hits}, misses ${stats.misses})`);
} finally {
  await near?.close();
  await world.close();
}
