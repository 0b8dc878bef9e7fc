// Runs one operation from `concurrency` workers: a warm-up that is not recorded, then a timed phase that ends at a
// deadline or after a number of operations. Each worker awaits its own operation before starting the next, so
// concurrency is the number of operations in flight. Operation numbers are shared by all workers (0, 1, 2, …): the
// case maps them to rows, so operations in flight at the same time touch different rows.
import { nearestRank } from './numbers.js';

export type Operation = (n: number) => Promise<unknown>;

export interface Phase {
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Upper bound of operations over warm-up and timed phase together (cases that use each row once). */
  readonly maxOps?: number;
}

export interface Measurement {
  readonly ops: number;
  readonly opsPerSec: number;
  readonly p50us: number;
  readonly p99us: number;
  /** CPU time of this process (user + system) per operation in the timed phase: steadier than wall time on a busy machine. */
  readonly cpuUsPerOp: number;
}

/** Progress of the running phase, for the progress line. */
export interface Tick {
  readonly phase: 'warm-up' | 'timed';
  readonly ops: number;
  readonly elapsedMs: number;
  readonly totalMs: number;
}

export async function measure(op: Operation, concurrency: number, phase: Phase, onTick: (tick: Tick) => void): Promise<Measurement> {
  let next = 0;
  const limit = phase.maxOps ?? Number.POSITIVE_INFINITY;
  const take = () => (next < limit ? next++ : undefined);

  // Warm-up: JIT, connection pools, auto-pipelining batches reach their steady state.
  const warmupEnd = performance.now() + phase.warmupMs;
  const warmupStart = performance.now();
  let warmOps = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let n = take(); n !== undefined && performance.now() < warmupEnd; n = take()) {
        await op(n);
        warmOps += 1;
        if ((warmOps & 63) === 0) onTick({ phase: 'warm-up', ops: warmOps, elapsedMs: performance.now() - warmupStart, totalMs: phase.warmupMs });
      }
    }),
  );
  // An operation number taken by a worker that then saw the deadline was never run: the timed phase may reuse it.
  next = Math.min(next, warmOps);

  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + phase.durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let n = take(); n !== undefined && performance.now() < deadline; n = take()) {
        const t0 = performance.now();
        await op(n);
        latencies.push(performance.now() - t0);
        if ((latencies.length & 63) === 0) onTick({ phase: 'timed', ops: latencies.length, elapsedMs: performance.now() - started, totalMs: phase.durationMs });
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (latencies.length === 0) throw new Error('no operation completed in the timed phase (maxOps used up by the warm-up?)');
  return { ...summarize(latencies, elapsedMs), cpuUsPerOp: (used.user + used.system) / latencies.length };
}

/** Throughput over the phase's wall time; percentiles of the per-operation latencies (nearest rank). */
export function summarize(latenciesMs: readonly number[], elapsedMs: number): Omit<Measurement, 'cpuUsPerOp'> {
  const sorted = Float64Array.from(latenciesMs).sort();
  return {
    ops: sorted.length,
    opsPerSec: (sorted.length / elapsedMs) * 1000,
    p50us: nearestRank(sorted, 0.5) * 1000,
    p99us: nearestRank(sorted, 0.99) * 1000,
  };
}
