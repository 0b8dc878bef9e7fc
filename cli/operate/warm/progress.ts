// How a warm shows its progress: bars drawn in place on a terminal (cli-progress), plain lines every few seconds
// otherwise (a log file or CI output must not fill with carriage returns and cursor codes). Both on stderr, so
// stdout carries only the summary (or the JSON).
import cliProgress from 'cli-progress';
import type { Colors } from '../terminal.js';

export interface TableProgress {
  /** Rows done so far (over resumed runs too) and read by this run, for the rate. */
  update(done: number, readThisRun: number): void;
  /** The table is finished or stopped: `done` is final. */
  end(done: number): void;
}

export interface ProgressView {
  /** `total` is an estimate: the bar grows past it if the table holds more. */
  table(label: string, total: number): TableProgress;
  stop(): void;
}

/** A rate and ETA from this run's rows and time. */
function pace(readThisRun: number, startedMs: number): { rate: number; seconds: number } {
  const seconds = (performance.now() - startedMs) / 1000;
  return { rate: seconds > 0 ? readThisRun / seconds : 0, seconds };
}

const number = (n: number): string => Math.round(n).toLocaleString('en-US');

export function terminalView(stream: NodeJS.WriteStream, colors: Colors): ProgressView {
  const bars = new cliProgress.MultiBar(
    {
      stream,
      format: `{table} {bar} {percentage}% | {value}/{total} rows | {speed} rows/s | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      barsize: 24,
      etaBuffer: 50,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const labels: string[] = [];
  return {
    table(label, total) {
      labels.push(label);
      const width = Math.max(...labels.map((l) => l.length));
      const startedMs = performance.now();
      const payload = (speed: number) => ({ table: colors.cyan(label.padEnd(width)), speed: number(speed) });
      const bar = bars.create(Math.max(total, 1), 0, payload(0));
      let shownTotal = Math.max(total, 1);
      return {
        update(done, readThisRun) {
          // The planner's estimate can be short of the real count: the bar's end moves rather than overflowing.
          if (done > shownTotal) bar.setTotal((shownTotal = done));
          bar.update(done, payload(pace(readThisRun, startedMs).rate));
        },
        end(done) {
          bar.setTotal((shownTotal = Math.max(done, 1)));
          bar.update(done);
        },
      };
    },
    stop: () => bars.stop(),
  };
}

/** Plain lines: one per table every `everyMs`, and one when it ends. */
export function lineView(write: (text: string) => void, everyMs = 2000): ProgressView {
  const timers = new Set<NodeJS.Timeout>();
  return {
    table(label, total) {
      const startedMs = performance.now();
      let state = { done: 0, readThisRun: 0 };
      const line = (): string => {
        const { rate } = pace(state.readThisRun, startedMs);
        const shownTotal = Math.max(total, state.done);
        const percent = shownTotal > 0 ? Math.floor((state.done / shownTotal) * 100) : 100;
        const eta = rate > 0 ? `, ETA ${Math.ceil((shownTotal - state.done) / rate)} s` : '';
        return `${label}: ${number(state.done)} of ${number(shownTotal)} rows (${percent}%), ${number(rate)} rows/s${eta}\n`;
      };
      const timer = setInterval(() => write(line()), everyMs);
      timer.unref();
      timers.add(timer);
      return {
        update(done, readThisRun) {
          state = { done, readThisRun };
        },
        end(done) {
          clearInterval(timer);
          timers.delete(timer);
          const { rate, seconds } = pace(state.readThisRun, startedMs);
          write(`${label}: ${number(done)} rows done, ${number(state.readThisRun)} read in ${seconds.toFixed(1)} s (${number(rate)} rows/s)\n`);
        },
      };
    },
    stop() {
      for (const timer of timers) clearInterval(timer);
      timers.clear();
    },
  };
}
