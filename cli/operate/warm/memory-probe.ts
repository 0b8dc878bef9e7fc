// Hidden (HOTSTORAGE_WARM_MEMORY_PROBE=1): the process watches its own memory while it warms, so a test can show the
// memory stays flat from 100k to 1M rows without reading /proc from outside. Two measures: resident memory sampled
// every 100 ms (what an operator sees), and the heap still in use right after a full garbage collection forced every
// second (what is really kept: a warm that held on to its rows would make it climb; garbage does not count). Forcing
// collections costs time, which is why this is a probe for tests and never on by default.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface MemoryReport {
  /** Resident memory when the warm itself began: what loading the schema and connecting cost. */
  readonly startRssBytes: number;
  readonly peakRssBytes: number;
  readonly samples: number;
  /** Heap in use after a full collection: when the warm began, the most at any later check, and how many checks. */
  readonly liveHeap: { readonly startBytes: number; readonly maxBytes: number; readonly checks: number };
}

export interface MemoryProbe {
  /** Call when the warm itself begins, so the report separates the warm from the start-up. */
  markStart(): void;
  stop(): MemoryReport;
}

/** Node's gc(), as `--expose-gc` gives it, turned on from inside (a command cannot add flags to its own start). */
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export function startMemoryProbe(rssEveryMs = 100, liveEveryMs = 1000): MemoryProbe {
  const gc = exposedGc();
  const liveHeap = (): number => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  let start = process.memoryUsage.rss();
  let peak = start;
  let samples = 1;
  const live = { startBytes: 0, maxBytes: 0, checks: 0 };
  const rssTimer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
    samples += 1;
  }, rssEveryMs);
  rssTimer.unref();
  let liveTimer: NodeJS.Timeout | undefined;
  const check = (): void => {
    live.maxBytes = Math.max(live.maxBytes, liveHeap());
    live.checks += 1;
  };
  return {
    markStart() {
      live.startBytes = liveHeap();
      start = process.memoryUsage.rss();
      peak = start;
      liveTimer = setInterval(check, liveEveryMs);
      liveTimer.unref();
    },
    stop() {
      clearInterval(rssTimer);
      clearInterval(liveTimer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return { startRssBytes: start, peakRssBytes: peak, samples: samples + 1, liveHeap: { ...live } };
    },
  };
}
