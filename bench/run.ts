// `npm run bench [-- --quick] [--json FILE] [--svg FILE] [--only REGEX]`: issue 5's benchmark. One process, the
// shared Postgres and Redis (a schema and a key prefix of its own, removed at the end), one 10,000-row table read and
// written through the generated accessors in bench/hot/, raw ioredis, Drizzle and postgres.js. Prints the results and
// the targets; writes the chart (SVG) and, with --json, every figure. Not a test: it asserts nothing, and its figures
// depend on the machine (see README, Benchmarks).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as generatorBench from './generator.js';
import { cacheCases, readCases, triggerSql, writeCases, type Case, type TimedCase } from './lib/cases.js';
import { clusterCases, clusterTargets, clusterValueCases, mastersNeeded } from './lib/cluster-cases.js';
import { openClusterStorages, type ClusterStorage } from './lib/cluster-world.js';
import { renderChart } from './lib/chart.js';
import { nearReadCases, nearValueCases, openNear, type NearWorld } from './lib/near-cases.js';
import { pairedCases } from './lib/paired.js';
import { measure, type Measurement } from './lib/measure.js';
import { median, round } from './lib/numbers.js';
import { progress } from './lib/progress.js';
import { formatResults, formatTargets } from './lib/report.js';
import { statsOverheadCases, statsOverheadTargets } from './lib/stats-overhead.js';
import { computeTargets, type CaseResult, type TimedResult } from './lib/targets.js';
import { openWorld, POOL_SIZE, POSTS_PER_THREAD, ROWS, THREADS, type World } from './lib/world.js';
import * as hot from './hot/index.js';

const REPO = resolve(import.meta.dirname, '..');
const CONCURRENCY = [1, 64] as const;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    svg: { type: 'string' },
    only: { type: 'string' },
  },
});

const settings = args.quick
  ? { rounds: 1, warmupMs: 200, durationMs: 500, generatorRuns: 1 }
  : { rounds: 3, warmupMs: 300, durationMs: 1500, generatorRuns: 3 };
const only = args.only === undefined ? undefined : new RegExp(args.only);
const selected = (name: string) => only === undefined || only.test(name);
const svgPath = resolve(args.svg ?? (args.quick ? join(REPO, '.tmp/bench-quick.svg') : join(REPO, 'bench/results/latest.svg')));

async function main(): Promise<void> {
  const started = new Date();
  const load = loadavg();
  const world = await openWorld();
  const stop = () => {
    void world.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // A closed pipe (`| head`) must not kill the run before it removes its schema and keys.
  process.stdout.on('error', () => {});
  const results: CaseResult[] = [];
  const clusters: ClusterStorage[] = [];
  let near: NearWorld | undefined;
  try {
    const machine = await describeMachine(world, load);
    await warmCache(world);
    const opened = await openClusterStorages(world, mastersNeeded(selected));
    clusters.push(...opened.clusters);
    const triggers = ['drizzle.updateWithTriggers', 'hitRatio.afterSaves', 'listener.invalidationMs'].some(selected) ? triggersOrReason(world) : 'not selected';
    // The near-cache's storage is opened (and every row read into it) only when one of its cases runs.
    near = ['hs.getByPk.near', 'hs.listByFk.near', 'lru.get', 'near.invalidationMs', 'listener.invalidationMs', 'near.hitRatio.zipf'].some(selected) ? await openNear(world) : undefined;
    const nearReads = near === undefined ? [] : nearReadCases(world, near);
    const nearValues = near === undefined ? [] : nearValueCases(world, near, triggers);
    const reads = [...readCases(world), ...nearReads, ...clusterCases(clusters, opened.failure)].filter((c) => selected(c.name));
    const writes = writeCases(world, triggers).filter((c) => selected(c.name));
    // Pairs are built from the selected cases (both sides of a ratio), not selected by their own names; they run after
    // the memory figure (their saves rewrite rows) and before the write cases.
    // The near-cache's value cases save rows the pairs read from memory: they run after the pairs.
    const values = [...[...cacheCases(world), ...statsOverheadCases(world), ...clusterValueCases(clusters, opened.failure)].filter((c) => selected(c.name)), ...pairedCases([...reads, ...writes]), ...nearValues.filter((c) => selected(c.name))];
    const generator = ['generator.generate200', 'generator.check200'].filter(selected);
    const show = progress();
    const steps = countSteps(reads) + countSteps(values) + countSteps(writes) + (generator.length > 0 ? 1 : 0);
    let step = 0;
    const next = (label: string) => show.step(label, ++step, steps);

    results.push(...(await runTimed(reads, next, show.tick)));
    for (const c of values) {
      next(c.name);
      results.push(await runValue(c));
    }
    results.push(...(await runTimed(writes, next, show.tick)));
    for (const c of writes) if (c.kind === 'value') {
      next(c.name);
      results.push(await runValue(c));
    }
    if (generator.length > 0) {
      next('generator: generate and --check on 200 tables');
      results.push(...runGenerator().filter((r) => selected(r.name)));
    }
    show.done();

    const targets = [...computeTargets(results), ...statsOverheadTargets(results), ...clusterTargets(results)];
    const order = (r: CaseResult) => [...reads, ...values, ...writes].findIndex((c) => c.name === r.name);
    const sorted = [...results].sort((a, b) => (order(a) === -1 ? 1e9 : order(a)) - (order(b) === -1 ? 1e9 : order(b)) || ('concurrency' in a && 'concurrency' in b ? (a.concurrency ?? 0) - (b.concurrency ?? 0) : 0));
    const endLoad = loadavg();
    const caption =
      `${machine.cpu}, ${machine.cores} cores · node ${machine.node} · Redis ${machine.redis} · PostgreSQL ${machine.postgres} · ` +
      `${ROWS.toLocaleString('en-US')} rows · ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${args.quick ? ' · --quick' : ''}`;
    console.log(`hotstorage bench: ${caption}`);
    console.log(`load average ${load.map((l) => l.toFixed(1)).join(' ')} at start, ${endLoad.map((l) => l.toFixed(1)).join(' ')} at end; ${settings.rounds} round(s) of ${settings.durationMs} ms per case and concurrency (median round), Postgres pool ${POOL_SIZE}\n`);
    console.log(formatResults(sorted));
    console.log(`\n${formatTargets(targets)}`);

    mkdirSync(dirname(svgPath), { recursive: true });
    writeFileSync(svgPath, renderChart(sorted, caption));
    console.log(`\nchart: ${svgPath}`);
    if (args.json !== undefined) {
      const file = resolve(args.json);
      mkdirSync(dirname(file), { recursive: true });
      const document = { machine: { ...machine, loadAverageStart: load, loadAverageEnd: endLoad, startedAt: started.toISOString() }, settings: { ...settings, quick: args.quick, rows: ROWS, postgresPool: POOL_SIZE, concurrency: CONCURRENCY }, cases: sorted.map(rounded), targets };
      writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
      console.log(`json: ${file}`);
    }
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    for (const cluster of clusters) await cluster.close();
    await near?.close();
    await world.close();
  }
}

function triggersOrReason(world: World): ReturnType<typeof triggerSql> {
  try {
    return triggerSql(world);
  } catch (error) {
    return `failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function countSteps(cases: readonly Case[]): number {
  return cases.reduce((n, c) => n + (c.kind === 'value' ? 1 : c.skipped ? 0 : CONCURRENCY.length * (c.maxOps === undefined ? settings.rounds : 1)), 0);
}

/** Timed cases in rounds: every case once per round (so slow drift of a shared machine hits all cases alike). */
async function runTimed(cases: readonly Case[], next: (label: string) => void, tick: Parameters<typeof measure>[3]): Promise<CaseResult[]> {
  const timed = cases.filter((c): c is TimedCase => c.kind === 'timed');
  const rounds = new Map<string, Measurement[]>();
  const failed = new Map<string, string>();
  for (let round = 0; round < settings.rounds; round++) {
    for (const c of timed) {
      if (c.skipped !== undefined || (c.maxOps !== undefined && round > 0)) continue;
      for (const concurrency of CONCURRENCY) {
        const id = `${c.name}@${concurrency}`;
        if (failed.has(id)) continue;
        next(`${c.name} c=${concurrency}${settings.rounds > 1 && c.maxOps === undefined ? ` round ${round + 1}/${settings.rounds}` : ''}`);
        try {
          await c.before?.();
          try {
            const m = await measure(c.op, concurrency, { warmupMs: settings.warmupMs, durationMs: settings.durationMs, ...(c.maxOps === undefined ? {} : { maxOps: c.maxOps }) }, tick);
            rounds.set(id, [...(rounds.get(id) ?? []), m]);
          } finally {
            await c.after?.();
          }
        } catch (error) {
          failed.set(id, `failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  }
  return timed.flatMap((c) =>
    CONCURRENCY.map((concurrency): CaseResult => {
      const id = `${c.name}@${concurrency}`;
      if (c.skipped !== undefined) return { name: c.name, concurrency, skipped: c.skipped };
      const reason = failed.get(id);
      if (reason !== undefined) return { name: c.name, concurrency, skipped: reason };
      const ms = rounds.get(id) ?? [];
      const median = [...ms].sort((a, b) => a.opsPerSec - b.opsPerSec)[Math.floor(ms.length / 2)];
      if (median === undefined) return { name: c.name, concurrency, skipped: 'not run' };
      return { name: c.name, concurrency, ...median, roundsOpsPerSec: ms.map((m) => m.opsPerSec) };
    }),
  );
}

async function runValue(c: Case): Promise<CaseResult> {
  if (c.kind !== 'value') throw new Error(`${c.name} is not a value case`);
  if (c.skipped !== undefined) return { name: c.name, skipped: c.skipped };
  try {
    const { value, detail } = await c.run();
    return { name: c.name, value, unit: c.unit, ...(detail === undefined ? {} : { detail }) };
  } catch (error) {
    return { name: c.name, skipped: `failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** `hotstorage generate` (empty output folder) and `generate --check` as CLI processes, on bench/generator.ts's project. */
function runGenerator(): CaseResult[] {
  const dir = generatorBench.syntheticProjectDir();
  try {
    generatorBench.writeSyntheticProject(dir);
    const fresh: generatorBench.Sample[] = [];
    const check: generatorBench.Sample[] = [];
    for (let i = 0; i < settings.generatorRuns; i++) {
      rmSync(join(dir, 'hot'), { recursive: true, force: true });
      fresh.push(generatorBench.run(dir, ['generate']));
      check.push(generatorBench.run(dir, ['generate', '--check']));
    }
    const tables = generatorBench.FILES * generatorBench.TABLES_PER_FILE;
    const figure = (name: string, samples: generatorBench.Sample[]): CaseResult => ({
      name,
      value: round(median(samples.map((s) => s.wall)), 3),
      unit: 's',
      detail: { tables, runs: samples.length, wallSeconds: samples.map((s) => round(s.wall, 3)), cpuSecondsMedian: round(median(samples.map((s) => s.cpu)), 3) },
    });
    return [figure('generator.generate200', fresh), figure('generator.check200', check)];
  } catch (error) {
    const reason = `failed: ${error instanceof Error ? error.message : String(error)}`;
    return [{ name: 'generator.generate200', skipped: reason }, { name: 'generator.check200', skipped: reason }];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every row read once through hotstorage (fills the cache), then checked to be a hit. */
async function warmCache(world: World): Promise<void> {
  const ids = Array.from({ length: ROWS }, (_, i) => i + 1);
  for (let from = 0; from < ROWS; from += 100) await hot.benchRows.getManyByPk(world.hs, ids.slice(from, from + 100));
  const before = world.hs.stats().hits;
  await hot.benchRows.getManyByPk(world.hs, ids.slice(0, 100));
  if (world.hs.stats().hits - before !== 100) throw new Error('warm-up: rows read once were not served from Redis the second time');
  // Lists: every thread's list read once (fills it), then its posts (fills them), then checked to be a full hit.
  for (let thread = 1; thread <= THREADS; thread++) await hot.benchPosts.listByThreadId(world.hs, thread);
  for (let thread = 1; thread <= THREADS; thread++) await hot.benchPosts.listByThreadId(world.hs, thread);
  const listHits = world.hs.stats().listHits;
  const rowHits = world.hs.stats().hits;
  await hot.benchPosts.listByThreadId(world.hs, 1);
  if (world.hs.stats().listHits - listHits !== 1 || world.hs.stats().hits - rowHits !== POSTS_PER_THREAD) {
    throw new Error('warm-up: a list read twice was not served from Redis, with its rows, the third time');
  }
}

interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly redis: string;
  readonly postgres: string;
}

async function describeMachine(world: World, _load: number[]): Promise<Machine> {
  const info = String(await world.admin.redis.info('server'));
  const [row] = await world.admin.sql<{ server_version: string }[]>`show server_version`;
  return {
    cpu: (cpus()[0]?.model ?? 'unknown CPU').trim(),
    cores: nprocOr(availableParallelism()),
    node: process.version,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    postgres: row?.server_version.split(' ')[0] ?? 'unknown',
  };
}

function nprocOr(fallback: number): number {
  try {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || fallback;
  } catch {
    return fallback;
  }
}


function rounded(r: CaseResult): CaseResult {
  if (!('opsPerSec' in r)) return r;
  const t: TimedResult = r;
  return { ...t, opsPerSec: round(t.opsPerSec, 1), p50us: round(t.p50us, 1), p99us: round(t.p99us, 1), cpuUsPerOp: round(t.cpuUsPerOp, 1), roundsOpsPerSec: t.roundsOpsPerSec.map((v) => round(v, 1)) };
}

await main();
