// The targets of issue 5, computed from one run's results (pure). Ratios compare time per operation, i.e. the
// inverse of throughput over the same wall time (at concurrency 1 that is the mean latency), except where the issue
// says latency (p50) or throughput.
import { round } from './numbers.js';

export interface TimedResult {
  readonly name: string;
  readonly concurrency: number;
  readonly opsPerSec: number;
  readonly p50us: number;
  readonly p99us: number;
  readonly ops: number;
  /** This process's CPU time per operation (user + system), median round. */
  readonly cpuUsPerOp: number;
  /** Throughput of each round (the reported figures are the median round's). */
  readonly roundsOpsPerSec: readonly number[];
}

export interface ValueResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface SkippedResult {
  readonly name: string;
  readonly concurrency?: number;
  readonly skipped: string;
}

export type CaseResult = TimedResult | ValueResult | SkippedResult;

export interface Target {
  readonly name: string;
  /** null when a case it needs was skipped or failed (then `reason` says why and `met` is false). */
  readonly value: number | null;
  readonly limit: number;
  readonly comparison: '<=' | '>=' | '=' | '<';
  readonly met: boolean;
  readonly reason?: string;
  /** A figure shown for information (bench/lib/cluster-cases.ts): no limit, so `met` is always true. */
  readonly informational?: boolean;
  /** A ratio measured in pairs (bench/lib/paired.ts): the ratio of the two cases' own median rounds, for comparison. */
  readonly unpaired?: number;
}

/** `cpu`: this process's CPU time per operation, a / b (on a shared machine steadier than wall time). */
type Metric = 'time' | 'throughput' | 'p50' | 'cpu';

export interface RatioTarget {
  readonly metric: Metric;
  readonly a: string;
  readonly b: string;
  readonly concurrency: number;
  readonly comparison: '<=' | '>=';
  readonly limit: number;
}

export const RATIOS: readonly RatioTarget[] = [
  ...[1, 64].flatMap((concurrency): RatioTarget[] => [
    { metric: 'time', a: 'hs.getByPk', b: 'redis.get', concurrency, comparison: '<=', limit: 1.1 },
    { metric: 'time', a: 'hs.getByUnique', b: 'redis.get', concurrency, comparison: '<=', limit: 1.25 },
    { metric: 'time', a: 'hs.getByComposite', b: 'redis.get', concurrency, comparison: '<=', limit: 1.25 },
    { metric: 'time', a: 'hs.getManyByPk100', b: 'redis.mget100', concurrency, comparison: '<=', limit: 1.2 },
  ]),
  { metric: 'time', a: 'hs.listByFk', b: 'redis.get+mget20', concurrency: 1, comparison: '<=', limit: 1.3 },
  { metric: 'time', a: 'drizzle.selectWhereFk', b: 'hs.listByFk', concurrency: 1, comparison: '>=', limit: 3 },
  { metric: 'time', a: 'hs.getManyByUnique100', b: 'redis.mget100', concurrency: 1, comparison: '<=', limit: 1.3 },
  { metric: 'time', a: 'drizzle.selectByPk', b: 'hs.getByPk', concurrency: 1, comparison: '>=', limit: 3 },
  { metric: 'throughput', a: 'hs.getByPk', b: 'drizzle.preparedByPk', concurrency: 64, comparison: '>=', limit: 2.5 },
  { metric: 'time', a: 'drizzle.inArray100', b: 'hs.getManyByPk100', concurrency: 1, comparison: '>=', limit: 3 },
  { metric: 'p50', a: 'hs.save', b: 'drizzle.upsert', concurrency: 1, comparison: '<=', limit: 1.5 },
  { metric: 'p50', a: 'drizzle.updateWithTriggers', b: 'drizzle.upsert', concurrency: 1, comparison: '<=', limit: 1.3 },
  // The near-cache (issue 16): 20x the floor's throughput per core, a twentieth of its client CPU, within 3x of a bare LRU.
  ...[1, 64].flatMap((concurrency): RatioTarget[] => [
    { metric: 'throughput', a: 'hs.getByPk.near', b: 'redis.get', concurrency, comparison: '>=', limit: 20 },
    { metric: 'cpu', a: 'hs.getByPk.near', b: 'redis.get', concurrency, comparison: '<=', limit: 0.05 },
    { metric: 'time', a: 'hs.getByPk.near', b: 'lru.get', concurrency, comparison: '<=', limit: 3 },
  ]),
  // Issue 15's list target, met by the in-process tier when the list and its rows are held.
  { metric: 'time', a: 'drizzle.selectWhereFk', b: 'hs.listByFk.near', concurrency: 1, comparison: '>=', limit: 3 },
];

/** The value case of a ratio measured in pairs (bench/lib/paired.ts); a CPU target shares its a/b pair's. */
export function pairedName(t: RatioTarget): string {
  return `paired.${t.a}/${t.b}@${t.concurrency}`;
}

const METRIC_WORDS: Record<Metric, string> = { time: 'time per op', throughput: 'throughput', p50: 'p50 latency', cpu: 'client CPU per op' };

export function isTimed(result: CaseResult): result is TimedResult {
  return 'opsPerSec' in result;
}

export function isValue(result: CaseResult): result is ValueResult {
  return 'value' in result;
}

export function computeTargets(results: readonly CaseResult[]): Target[] {
  const timed = (name: string, concurrency: number) =>
    results.find((r) => r.name === name && ('concurrency' in r ? r.concurrency === concurrency : true));
  const value = (name: string) => results.find((r) => r.name === name);
  const targets: Target[] = [];

  for (const t of RATIOS) {
    const name = `${t.a} / ${t.b}: ${METRIC_WORDS[t.metric]}, c=${t.concurrency}`;
    const a = timed(t.a, t.concurrency);
    const b = timed(t.b, t.concurrency);
    if (a === undefined || b === undefined || !isTimed(a) || !isTimed(b)) {
      targets.push(unavailable(name, t.limit, t.comparison, [a, b], [t.a, t.b]));
      continue;
    }
    const ratio = ratioOf(t.metric, a, b);
    // Measured in pairs when the run did (bench/lib/paired.ts says why); the unpaired ratio is kept beside it.
    const paired = value(pairedName(t));
    const pairedRatio = paired === undefined || !isValue(paired) ? undefined : t.metric === 'cpu' ? paired.detail?.['cpuRatioMedian'] : paired.value;
    if (typeof pairedRatio === 'number') targets.push({ ...compare(name, pairedRatio, t.limit, t.comparison), unpaired: round(ratio) });
    else targets.push(compare(name, ratio, t.limit, t.comparison));
  }

  const single = (name: string, limit: number, comparison: Target['comparison'], compute: () => number | undefined, needs: readonly string[]) => {
    const found = needs.map(value);
    if (found.every((r) => r !== undefined && isValue(r))) {
      const v = compute();
      if (v !== undefined) return targets.push(compare(name, v, limit, comparison));
    }
    targets.push(unavailable(name, limit, comparison, found, needs));
  };
  const v = (name: string) => {
    const r = value(name);
    return r !== undefined && isValue(r) ? r.value : Number.NaN;
  };
  single('stampede.queries', 1, '=', () => v('stampede.queries'), ['stampede.queries']);
  single('hitRatio.afterSaves', 0.99, '>=', () => v('hitRatio.afterSaves'), ['hitRatio.afterSaves']);
  single('memory.bytesPerRow / memory.jsonBytesPerRow', 2, '<=', () => v('memory.bytesPerRow') / v('memory.jsonBytesPerRow'), ['memory.bytesPerRow', 'memory.jsonBytesPerRow']);
  single('generator.generate200 (s)', 3, '<', () => v('generator.generate200'), ['generator.generate200']);
  single('generator.check200 (s)', 3, '<', () => v('generator.check200'), ['generator.check200']);
  // The near-cache's staleness bound against the change feed's: a write elsewhere reaches this process's memory sooner
  // than an out-of-band write reaches Redis through the listener.
  single('near.invalidationMs p99 / listener.invalidationMs p99', 1, '<', () => v('near.invalidationMs') / v('listener.invalidationMs'), ['near.invalidationMs', 'listener.invalidationMs']);
  return targets;
}

/** a / b as the metric reads: time per op and CPU per op of a over b's, throughput and p50 as they are. */
export function ratioOf(metric: Metric, a: Pick<TimedResult, 'opsPerSec' | 'p50us' | 'cpuUsPerOp'>, b: Pick<TimedResult, 'opsPerSec' | 'p50us' | 'cpuUsPerOp'>): number {
  if (metric === 'throughput') return a.opsPerSec / b.opsPerSec;
  if (metric === 'p50') return a.p50us / b.p50us;
  if (metric === 'cpu') return a.cpuUsPerOp / b.cpuUsPerOp;
  return b.opsPerSec / a.opsPerSec;
}

function compare(name: string, value: number, limit: number, comparison: Target['comparison']): Target {
  const rounded = round(value);
  const met =
    comparison === '<=' ? value <= limit : comparison === '>=' ? value >= limit : comparison === '<' ? value < limit : value === limit;
  return { name, value: rounded, limit, comparison, met };
}

function unavailable(
  name: string,
  limit: number,
  comparison: Target['comparison'],
  found: readonly (CaseResult | undefined)[],
  needs: readonly string[],
): Target {
  const reasons = found.map((r, i) => (r === undefined ? `${needs[i]} did not run` : 'skipped' in r ? `${r.name} skipped: ${r.skipped}` : undefined));
  const reason = [...new Set(reasons.filter((r): r is string => r !== undefined))].join('; ') || 'not measured';
  return { name, value: null, limit, comparison, met: false, reason };
}
