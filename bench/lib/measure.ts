// Runs one operation from `concurrency` workers: a warm-up that is not recorded, then a timed phase that ends at a
// deadline or after a number of operations. Each worker awaits its own operation before starting the next, so
// concurrency is the number of operations in flight. Operation numbers are shared by all workers (0, 1, 2, …): the
// case maps them to rows, so operations in flight at the same time touch different rows.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

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

  // Latencies go into Node's own HDR histogram (three significant figures, constant memory, 26 ns a record here):
  // an array of every latency cost 140 ns a push at a million operations a second (its growth and the collector),
  // half of a near-cache hit's own time, and was then sorted.
  const latencies = newLatencies();
  let ops = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + phase.durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      // One clock read per operation: its end is the next one's start and the deadline's check (nothing else runs
      // between them: the worker goes on synchronously to its next operation).
      let t0 = performance.now();
      for (let n = take(); n !== undefined && t0 < deadline; n = take()) {
        await op(n);
        const t1 = performance.now();
        record(latencies, t1 - t0);
        t0 = t1;
        ops += 1;
        if ((ops & 63) === 0) onTick({ phase: 'timed', ops, elapsedMs: t1 - started, totalMs: phase.durationMs });
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (ops === 0) throw new Error('no operation completed in the timed phase (maxOps used up by the warm-up?)');
  return { ...summarize(latencies, elapsedMs), cpuUsPerOp: (used.user + used.system) / ops };
}

/** Up to an hour, in nanoseconds, to three significant figures. */
export function newLatencies(): RecordableHistogram {
  return createHistogram({ lowest: 1, highest: 3_600_000_000_000, figures: 3 });
}

export function record(latencies: RecordableHistogram, ms: number): void {
  latencies.record(Math.max(1, Math.round(ms * 1e6)));
}

/** Throughput over the phase's wall time; percentiles of the per-operation latencies (the histogram's, to 0.1%). */
export function summarize(latencies: RecordableHistogram, elapsedMs: number): Omit<Measurement, 'cpuUsPerOp'> {
  return {
    ops: latencies.count,
    opsPerSec: (latencies.count / elapsedMs) * 1000,
    p50us: latencies.percentile(50) / 1000,
    p99us: latencies.percentile(99) / 1000,
  };
}
