// The bench's pure parts: percentiles and throughput of a phase, targets computed from results (ratios in the right
// direction, skipped cases never met), and the chart (one bar per timed case, skipped cases named).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderChart } from '../../bench/lib/chart.js';
import { newLatencies, record, summarize } from '../../bench/lib/measure.js';
import { computeTargets, type CaseResult, type TimedResult } from '../../bench/lib/targets.js';

const timed = (name: string, concurrency: number, opsPerSec: number, p50us = 100): TimedResult => ({
  name, concurrency, opsPerSec, p50us, p99us: p50us * 2, ops: 1000, cpuUsPerOp: 10, roundsOpsPerSec: [opsPerSec],
});

const target = (results: CaseResult[], name: string) => {
  const found = computeTargets(results).find((t) => t.name === name);
  if (found === undefined) throw new Error(`no target ${name}`);
  return found;
};

test('summarize gives throughput over the phase and nearest-rank percentiles, to the histogram\'s three figures', () => {
  const latencies = newLatencies();
  for (let ms = 1; ms <= 100; ms++) record(latencies, ms);
  const m = summarize(latencies, 2000);
  assert.is(m.ops, 100);
  assert.is(m.opsPerSec, 50);
  assert.ok(Math.abs(m.p50us / 50_000 - 1) < 0.001, `p50 ${m.p50us} µs`);
  assert.ok(Math.abs(m.p99us / 99_000 - 1) < 0.001, `p99 ${m.p99us} µs`);
});

test('a time-per-op ratio compares throughputs inversely: hotstorage at half the floor\'s throughput is 2×', () => {
  const t = target([timed('hs.getByPk', 1, 5000), timed('redis.get', 1, 10_000)], 'hs.getByPk / redis.get: time per op, c=1');
  assert.is(t.value, 2);
  assert.is(t.met, false);
  assert.is(t.limit, 1.1);
});

test('a speed-up target is met when the other side is slower by at least the limit', () => {
  const t = target([timed('hs.getByPk', 1, 9000), timed('drizzle.selectByPk', 1, 3000)], 'drizzle.selectByPk / hs.getByPk: time per op, c=1');
  assert.is(t.value, 3);
  assert.is(t.met, true);
});

test('the throughput target at concurrency 64 and the latency targets read the right figures', () => {
  const results = [
    timed('hs.getByPk', 64, 25_000), timed('drizzle.preparedByPk', 64, 10_000),
    timed('hs.save', 1, 100, 3000), timed('drizzle.upsert', 1, 200, 2000),
  ];
  assert.is(target(results, 'hs.getByPk / drizzle.preparedByPk: throughput, c=64').value, 2.5);
  assert.is(target(results, 'hs.getByPk / drizzle.preparedByPk: throughput, c=64').met, true);
  assert.is(target(results, 'hs.save / drizzle.upsert: p50 latency, c=1').value, 1.5);
  assert.is(target(results, 'hs.save / drizzle.upsert: p50 latency, c=1').met, true);
});

test('the near-cache\'s CPU target divides client CPU per op, and reads the CPU ratio of its pair, not the pair\'s throughput ratio', () => {
  const near = { ...timed('hs.getByPk.near', 1, 700_000), cpuUsPerOp: 0.4 };
  const floor = { ...timed('redis.get', 1, 7000), cpuUsPerOp: 100 };
  const name = 'hs.getByPk.near / redis.get: client CPU per op, c=1';
  const unpaired = target([near, floor], name);
  assert.is(unpaired.value, 0.004);
  assert.is(unpaired.met, true);
  const pair = { name: 'paired.hs.getByPk.near/redis.get@1', value: 100, unit: 'ratio', detail: { cpuRatioMedian: 0.08 } };
  const paired = target([near, floor, pair], name);
  assert.is(paired.value, 0.08);
  assert.is(paired.met, false);
  assert.is(target([near, floor, pair], 'hs.getByPk.near / redis.get: throughput, c=1').value, 100);
});

test('a target whose case was skipped is not met and says why; one that did not run says so', () => {
  const results: CaseResult[] = [
    { name: 'drizzle.updateWithTriggers', concurrency: 1, skipped: 'no triggers here' },
    timed('drizzle.upsert', 1, 200),
  ];
  const t = target(results, 'drizzle.updateWithTriggers / drizzle.upsert: p50 latency, c=1');
  assert.is(t.value, null);
  assert.is(t.met, false);
  assert.match(t.reason ?? '', 'no triggers here');
  assert.match(target([], 'stampede.queries').reason ?? '', 'stampede.queries did not run');
});

test('value targets: stampede must be exactly one query, memory is a ratio of two figures', () => {
  const values: CaseResult[] = [
    { name: 'stampede.queries', value: 2, unit: 'queries' },
    { name: 'memory.bytesPerRow', value: 400, unit: 'B' },
    { name: 'memory.jsonBytesPerRow', value: 200, unit: 'B' },
  ];
  assert.is(target(values, 'stampede.queries').met, false);
  assert.is(target(values, 'memory.bytesPerRow / memory.jsonBytesPerRow').value, 2);
  assert.is(target(values, 'memory.bytesPerRow / memory.jsonBytesPerRow').met, true);
});

test('the chart has one bar per timed case and names skipped ones', () => {
  const svg = renderChart(
    [timed('redis.get', 1, 10_000, 80), timed('hs.getByPk', 1, 9000, 90), timed('redis.get', 64, 50_000, 700), { name: 'drizzle.updateWithTriggers', concurrency: 64, skipped: 'no <triggers>' }],
    'caption & more',
  );
  assert.is((svg.match(/<rect x="190"/g) ?? []).length, 3);
  assert.match(svg, '90 µs · 1.13× redis.get');
  assert.match(svg, 'skipped: no &lt;triggers&gt;');
  assert.match(svg, 'caption &amp; more');
});

test.run();
