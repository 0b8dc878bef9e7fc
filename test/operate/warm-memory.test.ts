// A warm holds its memory flat however big the table: batches are streamed, nothing is kept between them. Measured by
// the command itself (HOTSTORAGE_WARM_MEMORY_PROBE=1): the heap still in use after a full collection, forced every
// second, must not climb while rows go through; resident memory is reported. 100k rows here; 1M rows with
// HOTSTORAGE_WARM_MILLION=1 (a few minutes, ~1 GB of Redis: not for CI; raise the runner's limit with
// HOTSTORAGE_TEST_FILE_LIMIT_MS=900000).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { timed } from '../helpers/timeout.js';
import { openOperateWorld, type OperateWorld } from './world.js';

const MILLION = process.env.HOTSTORAGE_WARM_MILLION === '1';
const ROWS = MILLION ? 1_000_000 : 100_000;
/** Holding the rows would cost far more: 100k users kept by a warm add ~24 MiB of live heap, 1M add ~240 MiB. */
const FLAT_MIB = 12;

let world: OperateWorld;
test.before(async () => {
  world = await openOperateWorld('op_warm_memory');
  await world.seedUsers(0, ROWS);
});
test.after(async () => {
  await world?.close();
});

interface Memory {
  startRssBytes: number;
  peakRssBytes: number;
  liveHeap: { startBytes: number; maxBytes: number; checks: number };
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

test(`warming ${ROWS.toLocaleString('en-US')} rows keeps the live heap flat`, timed(MILLION ? 900_000 : 120_000, async () => {
  const started = Date.now();
  const run = await world.cli(['warm', 'users', '--json'], { HOTSTORAGE_WARM_MEMORY_PROBE: '1' });
  assert.is(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as { tables: { rowsRead: number; filled: number }[]; memory: Memory };
  assert.equal(summary.tables.map((t) => [t.rowsRead, t.filled]), [[ROWS, ROWS]]);
  const { memory } = summary;
  const growth = memory.liveHeap.maxBytes - memory.liveHeap.startBytes;
  console.log(`  ${ROWS} rows in ${((Date.now() - started) / 1000).toFixed(1)} s: RSS ${mib(memory.startRssBytes)} MiB at start, peak ${mib(memory.peakRssBytes)} MiB; ` +
    `live heap ${mib(memory.liveHeap.startBytes)} MiB at start, at most ${mib(memory.liveHeap.maxBytes)} MiB over ${memory.liveHeap.checks} checks`);
  assert.ok(memory.liveHeap.checks >= 3, 'checked while warming');
  assert.ok(growth < FLAT_MIB * 2 ** 20, `live heap grew ${mib(growth)} MiB`);
}));

test.run();
