// The ratios of issue 5 measured in pairs. Each timed case is also run on its own (bench/run.ts: three rounds,
// median round), but on this shared machine two cases measured seconds apart differ by more than the margins the
// targets test: hs.getByPk's three rounds at c=64 spanned 53,000–80,000 ops/s in one run, and the ratio of the two
// cases' medians moved from 0.94 to 1.38 between runs of the same code. Here both sides of a ratio run back to back in
// blocks of half a second, alternating which goes first, and the figure is the median over pairs of the time-per-op ratio, so
// drift of the machine hits both sides alike (as in stats-overhead.ts and bench/compare.ts). The unpaired ratio stays
// in the target (`unpaired`) for comparison.
import type { Case, ValueCase } from './cases.js';
import { measure } from './measure.js';
import { median, round } from './numbers.js';
import { RATIOS, pairedName, ratioOf, type RatioTarget } from './targets.js';

const PAIRS = 7;
const WARMUP_MS = 200;
const BLOCK_MS = 500;

/**
 * One value case per ratio target whose two cases are both among `cases`, except cases with set-up around them (the
 * triggers' install and drop, the eviction before hs.missFill): those are measured unpaired only.
 */
export function pairedCases(cases: readonly Case[]): ValueCase[] {
  const timed = (name: string) =>
    cases.find((c) => c.name === name && c.kind === 'timed' && c.skipped === undefined && c.before === undefined && c.after === undefined);
  // A CPU target reads the CPU ratio of its pair (the detail's cpuRatioMedian): one pair per a/b/concurrency.
  return RATIOS.filter((t) => t.metric !== 'cpu').flatMap((t): ValueCase[] => {
    const a = timed(t.a);
    const b = timed(t.b);
    if (a === undefined || b === undefined || a.kind !== 'timed' || b.kind !== 'timed') return [];
    return [{ kind: 'value', name: pairedName(t), unit: 'ratio', run: () => measurePairs(t, a.op, b.op) }];
  });
}

async function measurePairs(t: RatioTarget, a: (n: number) => Promise<unknown>, b: (n: number) => Promise<unknown>) {
  const phase = { warmupMs: WARMUP_MS, durationMs: BLOCK_MS };
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const order = pair % 2 === 0 ? [a, b] : [b, a];
    const first = await measure(order[0] ?? a, t.concurrency, phase, () => {});
    const second = await measure(order[1] ?? b, t.concurrency, phase, () => {});
    const [ma, mb] = pair % 2 === 0 ? [first, second] : [second, first];
    ratios.push(ratioOf(t.metric, ma, mb)); // as the unpaired targets read it
    cpuRatios.push(ma.cpuUsPerOp / mb.cpuUsPerOp);
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);
  return {
    value: at(0.5),
    detail: { pairs: PAIRS, blockMs: BLOCK_MS, concurrency: t.concurrency, lowestPair: at(0), highestPair: at(1), cpuRatioMedian: round(median(cpuRatios)) },
  };
}

