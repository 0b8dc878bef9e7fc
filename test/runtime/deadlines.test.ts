// Every Redis round trip is awaited at most a timeout (runtime/deadlines.ts). These tests pin what the hit path relies
// on: an answer in time passes through, a late one is replaced by the timeout error, a failure is mapped, and a call
// that settled is let go at once (neither kept for the next sweep nor keeping the process alive).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Deadlines } from '../../runtime/src/redis/deadlines.js';
import { timed } from '../helpers/timeout.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const expired = (timeoutMs: number) => new Error(`no reply within ${timeoutMs} ms`);
const mapped = (error: unknown) => new Error(`mapped: ${error instanceof Error ? error.message : String(error)}`);
const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

test('an answer in time is passed through, a failure through mapError', timed(5_000, async () => {
  const deadlines = new Deadlines(expired);
  assert.is(await deadlines.bound(Promise.resolve('row'), 1_000, mapped), 'row');
  const failure = await deadlines.bound(Promise.reject(new Error('ECONNRESET')), 1_000, mapped).catch((error: unknown) => error);
  assert.instance(failure, Error);
  assert.is((failure as Error).message, 'mapped: ECONNRESET');
}));

test('a call not answered within its timeout is rejected with the expired error, at most a sweep period late', timed(5_000, async () => {
  const deadlines = new Deadlines(expired);
  const started = performance.now();
  const never = new Promise<string>(() => {});
  const outcome = await deadlines.bound(never, 100, mapped).catch((error: unknown) => error);
  const waited = performance.now() - started;
  assert.instance(outcome, Error);
  assert.is((outcome as Error).message, 'no reply within 100 ms');
  assert.ok(waited >= 100, `rejected after ${waited.toFixed(0)} ms, before its timeout`);
  assert.ok(waited < 100 + 10 + 200, `rejected after ${waited.toFixed(0)} ms (timeout 100, sweep period 10, slack 200)`);
  // A late answer after the timeout changes nothing (the promise is settled once).
}));

test('calls with different timeouts each expire on their own; answered ones in between are not touched', timed(5_000, async () => {
  const deadlines = new Deadlines(expired);
  const short = deadlines.bound(new Promise<string>(() => {}), 50, mapped).catch((error: unknown) => (error as Error).message);
  let answer: (value: string) => void = () => {};
  const answered = deadlines.bound(new Promise<string>((resolve) => (answer = resolve)), 400, mapped);
  const long = deadlines.bound(new Promise<string>(() => {}), 300, mapped).catch((error: unknown) => (error as Error).message);
  assert.is(await short, 'no reply within 50 ms');
  answer('in time');
  assert.is(await answered, 'in time');
  assert.is(await long, 'no reply within 300 ms');
}));

test('with nothing in flight the sweeper stops, so the process can exit', timed(5_000, async () => {
  const before = timers();
  const deadlines = new Deadlines(expired);
  await deadlines.bound(sleep(5), 100, mapped);
  assert.ok(timers() >= before + 1, 'the sweeper runs while (or just after) a call is in flight');
  await sleep(60); // more than one sweep period (10 ms) later
  assert.is(timers(), before, 'no timer left behind');
}));

test('with unref (background work, the shared counters\' flush) a call in flight does not keep the process alive, and still expires', timed(5_000, async () => {
  const before = timers();
  const deadlines = new Deadlines(expired, { unref: true });
  const outcome = deadlines.bound(new Promise<string>(() => {}), 100, mapped).catch((error: unknown) => (error as Error).message);
  assert.is(timers(), before, 'no timer keeps the event loop alive');
  assert.is(await outcome, 'no reply within 100 ms');
}));

test('a settled call is released at once, not at the next sweep (it would reach the old generation: GC cost per hit)', timed(10_000, async () => {
  const deadlines = new Deadlines(expired);
  // A call that stays in flight keeps the sweeper (and any list it walks) alive throughout.
  const pending = deadlines.bound(new Promise<string>(() => {}), 1_000, mapped).catch(() => undefined);
  // The answers are made in a function of their own: its frame, and whatever its registers held, is gone afterwards.
  const refs = await answerMany(deadlines, 200);
  await sleep(0);
  gc();
  const kept = refs.filter((ref) => ref.deref() !== undefined).length;
  assert.is(kept, 0, `${kept} of 200 answered values are still referenced by the deadlines`);
  void pending;
}));

async function answerMany(deadlines: Deadlines, count: number): Promise<WeakRef<object>[]> {
  const refs: WeakRef<object>[] = [];
  for (let i = 0; i < count; i++) {
    const value = { i };
    refs.push(new WeakRef(value));
    await deadlines.bound(Promise.resolve(value), 1_000, mapped);
  }
  return refs;
}

test.run();
