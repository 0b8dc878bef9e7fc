// Figures for the README (printed, not asserted: timing targets do not belong in tests): commit → invalidation
// latency of single-row raw updates with a listener running, and what naming the writer's transaction costs a save.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HotStorageEvent } from '@hotstorage/runtime';
import { timed } from '../helpers/timeout.js';
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
