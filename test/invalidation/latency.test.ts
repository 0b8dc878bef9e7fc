// Figures for the README (printed, not asserted: timing targets do not belong in tests): commit → invalidation
// latency of single-row raw updates with a listener running, and what naming the writer's transaction costs a save.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HotStorageEvent } from '@hotstorage/runtime';
import { timed } from '../helpers/timeout.js';
import { loadavg } from 'node:os';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { contextState } from '../../runtime/src/storage/context.js';
import { DATABASE_URL, REDIS_URL } from '../helpers/services.js';
import { emailOf, openWorld, range, type World } from './world.js';

let world: World;

test.before(async () => {
  world = await openWorld('inval_latency');
});

test.after(async () => {
  await world.close();
});

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

test('commit → invalidation latency over 1000 single-row raw updates (listener running)', timed(120_000, async () => {
  let waiting: ((at: number) => void) | undefined;
  const { hs } = await world.storage({
    onEvent(event: HotStorageEvent) {
      if (event.type === 'outboxInvalidation') waiting?.(performance.now());
    },
  });
  const listener = await hs.listen();
  const ids = range(1, 1000);
  await world.admin.sql.unsafe(`insert into "${world.schema}".items select g, 'u' || g || '@example.com', 'n' || g from generate_series(1, 1000) g`);
  const samples: number[] = [];
  for (const id of ids) {
    await world.hot.items.getBy(hs, ['id'], { id });
    const invalidated = new Promise<number>((resolve) => (waiting = resolve));
    await world.admin.sql.unsafe(`update "${world.schema}".items set name = 'raw' where id = $1`, [id]);
    const committed = performance.now();
    samples.push((await invalidated) - committed);
  }
  await listener.stop();
  const sorted = [...samples].sort((a, b) => a - b);
  console.log(`  commit → invalidation over ${samples.length} raw updates: p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${(sorted.at(-1) ?? 0).toFixed(2)} ms`);
  assert.is(samples.length, 1000);
  assert.is((await world.hot.items.getBy(hs, ['id'], { id: 1 }))?.name, 'raw');
}));

/**
 * The same figure under load, with what it is made of. The load: 2 storages × 8 workers saving and reading `bigs` rows
 * through hotstorage (their own writes feed the outbox too) and a raw writer updating `names` rows in a loop, so the
 * listener drains other entries beside the measured one. Per measured raw update of an `items` row: commit → the
 * NOTIFY reaching a LISTEN connection of the test's own (Postgres delivering the wake-up: what the listener cannot
 * beat), and that → the listener's invalidation (its drain: waiting for a drain under way, the DELETE ... RETURNING
 * batch, the invalidation pipeline, COMMIT). Beside it, a Postgres `select 1` and a Redis PING on connections of their
 * own, sampled through the run: the round trips every step above is made of, on the same loaded machine.
 */
test('commit → invalidation under load, split into the wake-up and the drain', timed(240_000, async () => {
  const SAMPLES = 300;
  let waiting: { row: string; resolve: (at: number) => void } | undefined;
  const { hs } = await world.storage({
    onEvent(event: HotStorageEvent) {
      const wanted = waiting;
      if (event.type === 'outboxInvalidation' && wanted !== undefined && event.key === wanted.row) wanted.resolve(performance.now());
    },
  });
  const listener = await hs.listen();
  const base = 5000;
  await world.admin.sql.unsafe(`insert into "${world.schema}".items select g, 'u' || g || '@example.com', 'n' || g from generate_series($1::int, $1::int + $2::int - 1) g`, [base, SAMPLES]);
  await world.admin.sql.unsafe(`insert into "${world.schema}".names select 'n' || g, 'v' from generate_series(1, 200) g`);
  const loaders = await Promise.all([world.storage(), world.storage()]);
  const rawWriter = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  const probe = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  const redisProbe = new Redis(REDIS_URL);
  let notified: ((at: number) => void) | undefined;
  const notifications = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  await notifications.listen(world.feed, (payload) => {
    if (payload.endsWith('.items')) notified?.(performance.now());
  });
  let running = true;
  let loadOps = 0;
  const load = [
    ...loaders.flatMap((l, n) => Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; running; i++) {
        const id = BigInt(100_000 + n * 1000 + w * 100 + (i % 100));
        await world.hot.bigs.save(l.hs, { id, v: `v${i}` });
        await world.hot.bigs.getBy(l.hs, ['id'], { id });
        loadOps += 2;
      }
    })),
    (async () => {
      for (let i = 0; running; i++) {
        await rawWriter.unsafe(`update "${world.schema}".names set v = $1 where name = $2`, [`r${i}`, `n${1 + (i % 200)}`]);
        loadOps += 1;
      }
    })(),
  ];
  const pings = { postgres: [] as number[], redis: [] as number[] };
  const pinging = (async () => {
    while (running) {
      let start = performance.now();
      await probe.unsafe('select 1');
      pings.postgres.push(performance.now() - start);
      start = performance.now();
      await redisProbe.ping();
      pings.redis.push(performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const total: number[] = [];
  const wake: number[] = [];
  const drain: number[] = [];
  const rt = contextState(hs).core.declared().find((table) => table.info.name === 'items');
  if (rt === undefined) throw new Error('the storage does not serve items');
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the load is running
    for (let n = 0; n < SAMPLES; n++) {
      const id = base + n;
      await world.hot.items.getBy(hs, ['id'], { id });
      const row = rt.rowKeys({ id }).row;
      const invalidated = new Promise<number>((resolve) => (waiting = { row, resolve }));
      const woken = new Promise<number>((resolve) => (notified = resolve));
      await world.admin.sql.unsafe(`update "${world.schema}".items set name = 'raw' where id = $1`, [id]);
      const committed = performance.now();
      const [at, wokenAt] = await Promise.all([invalidated, woken]);
      total.push(at - committed);
      wake.push(wokenAt - committed);
      drain.push(at - wokenAt);
    }
  } finally {
    running = false;
    await Promise.all([...load, pinging]);
    await listener.stop();
    await Promise.all([rawWriter.end(), probe.end(), notifications.end()]);
    redisProbe.disconnect();
    for (const l of loaders) await l.close();
  }
  const figure = (name: string, samples: number[]) => {
    const sorted = [...samples].sort((a, b) => a - b);
    return `${name} p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms`;
  };
  console.log(`  under load (${loadOps} load operations meanwhile, load average ${loadavg()[0]?.toFixed(1)}): commit → invalidation ${figure('', total)}`);
  console.log(`    commit → NOTIFY received: ${figure('', wake)}; NOTIFY → invalidated (the listener's drain): ${figure('', drain)}`);
  console.log(`    round trips on the same machine meanwhile: Postgres select 1 ${figure('', pings.postgres)}; Redis PING ${figure('', pings.redis)}`);
  assert.is(total.length, SAMPLES);
}));

test('what the change feed costs a save (its statement runs in a transaction naming the writer)', timed(120_000, async () => {
  const marked = await world.storage({ changeFeed: true });
  const plain = await world.storage({ changeFeed: false });
  const time = async (hs: typeof marked.hs, from: number): Promise<number[]> => {
    const out: number[] = [];
    for (let id = from; id < from + 500; id++) {
      const start = performance.now();
      await world.hot.items.save(hs, { id, email: emailOf(id), name: 'saved' });
      out.push(performance.now() - start);
    }
    return out.sort((a, b) => a - b);
  };
  await time(plain.hs, 100_000); // warm-up of both paths
  await time(marked.hs, 200_000);
  const p = await time(plain.hs, 300_000);
  const m = await time(marked.hs, 400_000);
  console.log(`  save p50: ${percentile(p, 50).toFixed(2)} ms without the feed, ${percentile(m, 50).toFixed(2)} ms with it (p99 ${percentile(p, 99).toFixed(2)} / ${percentile(m, 99).toFixed(2)} ms)`);
  assert.is(p.length, 500);
}));

test.run();
