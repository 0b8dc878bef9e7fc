// The Redis Cluster cases of issue 6: the hot reads of the single-Redis cases (same rows, same operation numbering)
// through a storage on a throwaway 3-master cluster (`.cluster`), and hs.getByPk on a 1-master cluster (`.cluster1`)
// for the throughput with 1 and 3 masters. A 1-master cluster rather than the single Redis: both sides then take the
// same client path (ioredis Cluster, slot routing, per-key MGET), so the figure isolates the number of masters.
// Their ratios to the single-Redis figures of the same run are informational targets: no limit, never "not met".
import * as hot from '../hot/index.js';
import { idOf, type TimedCase, type ValueCase } from './cases.js';
import type { ClusterStorage } from './cluster-world.js';
import { isTimed, type CaseResult, type Target } from './targets.js';
import { rowOf } from './world.js';

const { benchRows: rows } = hot;

export const CLUSTER_CASES = ['hs.getByPk.cluster', 'hs.getByUnique.cluster', 'hs.getManyByPk100.cluster', 'hs.getByPk.cluster1', 'roundTrips.cluster'] as const;

/** How many masters each selected case needs (none selected: no cluster is started). */
export function mastersNeeded(selected: (name: string) => boolean): (1 | 3)[] {
  const names = CLUSTER_CASES.filter(selected);
  return [...new Set(names.map((name): 1 | 3 => (name.endsWith('.cluster1') ? 1 : 3)))];
}

export function clusterCases(clusters: readonly ClusterStorage[]): TimedCase[] {
  const three = clusters.find((c) => c.masters === 3)?.hs;
  const one = clusters.find((c) => c.masters === 1)?.hs;
  const cases: TimedCase[] = [];
  if (three !== undefined) {
    cases.push(
      { kind: 'timed', name: 'hs.getByPk.cluster', op: (n) => rows.getByPk(three, idOf(n)) },
      { kind: 'timed', name: 'hs.getByUnique.cluster', op: (n) => rows.getByEmail(three, rowOf(idOf(n)).email) },
      { kind: 'timed', name: 'hs.getManyByPk100.cluster', op: (n) => rows.getManyByPk(three, Array.from({ length: 100 }, (_, j) => idOf(n * 100 + j))) },
    );
  }
  if (one !== undefined) cases.push({ kind: 'timed', name: 'hs.getByPk.cluster1', op: (n) => rows.getByPk(one, idOf(n)) });
  return cases;
}

const LOOKUPS = 1000;

/**
 * What a lookup costs on the 3-master cluster, counted by hotstorage itself (stats().redisRoundTrips, one per bounded
 * round trip; on a cluster the commands of one round trip may go to several nodes in parallel): per hit by primary
 * key, by unique key (GET of the pointer on its node, then GET of the row on the row's node), and per getManyByPk of
 * 100 rows spread over the masters.
 */
export function clusterValueCases(clusters: readonly ClusterStorage[]): ValueCase[] {
  const three = clusters.find((c) => c.masters === 3)?.hs;
  if (three === undefined) return [];
  const perLookup = async (lookup: (n: number) => Promise<unknown>) => {
    const before = three.stats();
    for (let n = 0; n < LOOKUPS; n++) await lookup(n);
    const after = three.stats();
    if (after.misses !== before.misses) throw new Error('roundTrips.cluster: a lookup missed (the warm-up should have filled every row)');
    return (after.redisRoundTrips - before.redisRoundTrips) / LOOKUPS;
  };
  return [{
    kind: 'value',
    name: 'roundTrips.cluster',
    unit: 'round trips per hit by unique key',
    run: async () => {
      const byUnique = await perLookup((n) => rows.getByEmail(three, rowOf(idOf(n)).email));
      const byPk = await perLookup((n) => rows.getByPk(three, idOf(n)));
      const many100 = await perLookup((n) => rows.getManyByPk(three, Array.from({ length: 100 }, (_, j) => idOf(n * 100 + j))));
      return { value: byUnique, detail: { byUnique, byPk, getManyByPk100: many100, lookups: LOOKUPS, masters: 3 } };
    },
  }];
}

interface ClusterRatio {
  readonly name: string;
  readonly a: string;
  readonly b: string;
  readonly concurrency: number;
  readonly metric: 'time' | 'throughput';
}

const RATIOS: readonly ClusterRatio[] = [
  ...[1, 64].flatMap((concurrency) =>
    ['hs.getByPk', 'hs.getByUnique', 'hs.getManyByPk100'].map((single): ClusterRatio => ({
      name: `${single}.cluster / ${single}: time per op, c=${concurrency} (informational)`,
      a: `${single}.cluster`,
      b: single,
      concurrency,
      metric: 'time',
    })),
  ),
  { name: 'hs.getByPk.cluster / hs.getByPk.cluster1: throughput, 3 vs 1 masters, c=64 (informational)', a: 'hs.getByPk.cluster', b: 'hs.getByPk.cluster1', concurrency: 64, metric: 'throughput' },
];

/** Informational targets (met is always true; `informational` says so): present only when both cases ran. */
export function clusterTargets(results: readonly CaseResult[]): Target[] {
  const timed = (name: string, concurrency: number) => results.find((r) => r.name === name && isTimed(r) && r.concurrency === concurrency);
  return RATIOS.flatMap((t): Target[] => {
    const a = timed(t.a, t.concurrency);
    const b = timed(t.b, t.concurrency);
    if (a === undefined || b === undefined || !isTimed(a) || !isTimed(b)) return [];
    const ratio = t.metric === 'time' ? b.opsPerSec / a.opsPerSec : a.opsPerSec / b.opsPerSec;
    return [{ name: t.name, value: Math.round(ratio * 1000) / 1000, limit: 0, comparison: '>=', met: true, informational: true }];
  });
}
