// The Redis Cluster cases of issue 6: the hot reads of the single-Redis cases (same rows, same operation numbering)
// through a storage on a throwaway 3-master cluster (`.cluster`), and hs.getByPk on a 1-master cluster (`.cluster1`)
// for the throughput with 1 and 3 masters. A 1-master cluster rather than the single Redis: both sides then take the
// same client path (ioredis Cluster, slot routing, per-key MGET), so the figure isolates the number of masters.
// Their ratios to the single-Redis figures of the same run are informational targets: no limit, never "not met".
import type { HotStorage } from '@hotstorage/runtime';
import * as hot from '../hot/index.js';
import { idOf, type TimedCase, type ValueCase } from './cases.js';
import type { ClusterStorage } from './cluster-world.js';
import type { Operation } from './measure.js';
import { round } from './numbers.js';
import { isTimed, type CaseResult, type Target } from './targets.js';
import { rowOf } from './world.js';

const { benchRows: rows } = hot;

export const CLUSTER_CASES = ['hs.getByPk.cluster', 'hs.getByUnique.cluster', 'hs.getManyByPk100.cluster', 'hs.getByPk.cluster1', 'roundTrips.cluster'] as const;

/** How many masters each selected case needs (none selected: no cluster is started). */
export function mastersNeeded(selected: (name: string) => boolean): (1 | 3)[] {
  const names = CLUSTER_CASES.filter(selected);
  return [...new Set(names.map((name): 1 | 3 => (name.endsWith('.cluster1') ? 1 : 3)))];
}

/** The timed cases; those whose cluster is missing are skipped with `failure`. */
export function clusterCases(clusters: readonly ClusterStorage[], failure = 'the cluster was not started'): TimedCase[] {
  const on = (masters: 1 | 3, name: string, op: (hs: HotStorage) => Operation): TimedCase => {
    const hs = clusters.find((c) => c.masters === masters)?.hs;
    return hs === undefined ? { kind: 'timed', name, op: async () => undefined, skipped: failure } : { kind: 'timed', name, op: op(hs) };
  };
  return [
    on(3, 'hs.getByPk.cluster', (hs) => (n) => rows.getByPk(hs, idOf(n))),
    on(3, 'hs.getByUnique.cluster', (hs) => (n) => rows.getByEmail(hs, rowOf(idOf(n)).email)),
    on(3, 'hs.getManyByPk100.cluster', (hs) => (n) => rows.getManyByPk(hs, Array.from({ length: 100 }, (_, j) => idOf(n * 100 + j)))),
    on(1, 'hs.getByPk.cluster1', (hs) => (n) => rows.getByPk(hs, idOf(n))),
  ];
}

const LOOKUPS = 1000;

/**
 * What a lookup costs on the 3-master cluster, counted by hotstorage itself (stats().redisRoundTrips, one per bounded
 * round trip; on a cluster the commands of one round trip may go to several nodes in parallel): per hit by primary
 * key, by unique key (GET of the pointer on its node, then GET of the row on the row's node), and per getManyByPk of
 * 100 rows spread over the masters.
 */
export function clusterValueCases(clusters: readonly ClusterStorage[], failure = 'the cluster was not started'): ValueCase[] {
  const three = clusters.find((c) => c.masters === 3)?.hs;
  if (three === undefined) return [{ kind: 'value', name: 'roundTrips.cluster', unit: 'round trips per hit by unique key', run: () => Promise.reject(new Error(failure)), skipped: failure }];
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
    return [{ name: t.name, value: round(ratio), limit: 0, comparison: '>=', met: true, informational: true }];
  });
}
