// A/B of two checkouts' runtimes in one process, for measuring an optimisation before proposing it:
// `node --import tsx bench/compare.ts DIR_A DIR_B [--only REGEX] [--rounds N] [--ms MS]`. Each DIR is a copy of the
// repository (e.g. `git archive HEAD | tar -x -C DIR` plus a node_modules symlink) with its own runtime/ and bench/;
// each side gets its own world (schema, prefix, storage): give the copies different schemas first, e.g.
// `sed -i s/hotstorage_bench\'/hotstorage_bench_b\'/ DIR_B/bench/db/schema.ts`. Rounds alternate the sides (A B, then B A, …) so that
// a shared machine's drift hits both alike; the figures are medians over rounds. Besides throughput it reports the
// CPU each operation costs this process and the Redis server (INFO cpu), the least over the rounds (interference
// only ever adds to it): on a busy machine these move far less than wall time. Point REDIS_URL at a redis-server of
// your own so the server figure is yours alone.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type * as CasesModule from './lib/cases.js';
import type * as WorldModule from './lib/world.js';
import type * as HotModule from './hot/index.js';
import type { Redis } from 'ioredis';
import { measure, type Measurement } from './lib/measure.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { only: { type: 'string' }, rounds: { type: 'string', default: '5' }, ms: { type: 'string', default: '1000' } },
});
const [dirA, dirB] = positionals;
if (dirA === undefined || dirB === undefined) throw new Error('usage: compare.ts DIR_A DIR_B [--only REGEX] [--rounds N] [--ms MS]');
const only = new RegExp(args.only ?? '^hs\\.getBy|^hs\\.getMany');
const rounds = Number(args.rounds);
const durationMs = Number(args.ms);

interface Sample extends Measurement {
  readonly redisCpuUsPerOp: number;
}

async function redisCpuUs(redis: Redis): Promise<number> {
  const info = String(await redis.info('cpu'));
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

interface Side {
  readonly label: string;
  readonly world: WorldModule.World;
  readonly cases: CasesModule.Case[];
}

async function open(label: string, dir: string): Promise<Side> {
  const load = <T>(path: string) => import(pathToFileURL(join(resolve(dir), path)).href) as Promise<T>;
  const worldModule = await load<typeof WorldModule>('bench/lib/world.ts');
  const casesModule = await load<typeof CasesModule>('bench/lib/cases.ts');
  const hot = await load<typeof HotModule>('bench/hot/index.ts');
  const world = await worldModule.openWorld();
  const ids = Array.from({ length: worldModule.ROWS }, (_, i) => i + 1);
  for (let from = 0; from < ids.length; from += 100) await hot.benchRows.getManyByPk(world.hs, ids.slice(from, from + 100));
  // Write cases too (hs.save against drizzle.upsert, …); the trigger cases need the CLI's SQL and are left to run.ts.
  const cases = [...casesModule.readCases(world), ...casesModule.writeCases(world, 'not measured by compare.ts')];
  return { label, world, cases: cases.filter((c) => only.test(c.name) && c.skipped === undefined) };
}

const sides = [await open('A', dirA), await open('B', dirB)];
try {
  const results = new Map<string, Sample[]>();
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const [i, c] of (sides[0]?.cases ?? []).entries()) {
      for (const concurrency of [1, 64]) {
        for (const side of order) {
          const op = side.cases[i];
          if (op === undefined || op.kind !== 'timed') continue;
          await op.before?.();
          const phase = { warmupMs: 0, ...(op.maxOps === undefined ? {} : { maxOps: op.maxOps }) };
          // Warm-up, except for cases that use each row once (hs.missFill): a warm-up would fill the rows the timed phase reads.
          if (op.maxOps === undefined) await measure(op.op, concurrency, { ...phase, durationMs: 200 }, () => {});
          const before = await redisCpuUs(side.world.admin.redis);
          const timed = await measure(op.op, concurrency, { ...phase, durationMs }, () => {});
          await op.after?.();
          const m: Sample = { ...timed, redisCpuUsPerOp: ((await redisCpuUs(side.world.admin.redis)) - before) / timed.ops };
          const key = `${c.name}@${concurrency}@${side.label}`;
          results.set(key, [...(results.get(key) ?? []), m]);
        }
      }
    }
    process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  }
  const median = (ms: readonly Sample[], pick: (m: Sample) => number) => {
    const sorted = ms.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  const least = (ms: readonly Sample[], pick: (m: Sample) => number) => Math.min(...ms.map(pick));
  const head = ['A ops/s', 'B ops/s', 'B/A', 'A p50', 'B p50', 'A cpu', 'B cpu', 'A redis', 'B redis'];
  console.log(`${'case'.padEnd(22)} ${'c'.padStart(3)} ${head.map((h) => h.padStart(9)).join(' ')}   (ops/s, p50: median round; cpu: least µs per op in this process, redis: on the server)`);
  for (const c of sides[0]?.cases ?? []) {
    for (const concurrency of [1, 64]) {
      const a = results.get(`${c.name}@${concurrency}@A`) ?? [];
      const b = results.get(`${c.name}@${concurrency}@B`) ?? [];
      const [oa, ob] = [median(a, (m) => m.opsPerSec), median(b, (m) => m.opsPerSec)];
      const cells = [
        Math.round(oa), Math.round(ob), (ob / oa).toFixed(2), Math.round(median(a, (m) => m.p50us)), Math.round(median(b, (m) => m.p50us)),
        least(a, (m) => m.cpuUsPerOp).toFixed(1), least(b, (m) => m.cpuUsPerOp).toFixed(1),
        least(a, (m) => m.redisCpuUsPerOp).toFixed(1), least(b, (m) => m.redisCpuUsPerOp).toFixed(1),
      ];
      console.log(`${c.name.padEnd(22)} ${String(concurrency).padStart(3)} ${cells.map((x) => String(x).padStart(9)).join(' ')}`);
    }
  }
} finally {
  for (const side of sides) await side.world.close();
}
