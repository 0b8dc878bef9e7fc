// The progress line on stderr: one line rewritten in place on a terminal; on a pipe or a CI log, a line when a step
// starts and at most one every few seconds while it runs (a log must not fill with carriage returns).
import type { Tick } from './measure.js';

export interface Progress {
  /** A new step: `label` names the case and concurrency, `index`/`total` count the steps of the run. */
  step(label: string, index: number, total: number): void;
  tick(tick: Tick): void;
  /** Ends the line (terminal) before the table is printed. */
  done(): void;
}

export function progress(stream: NodeJS.WriteStream = process.stderr, periodMs = 5000): Progress {
  const tty = stream.isTTY === true;
  let label = '';
  let lastLine = 0;
  const write = (text: string) => {
    if (tty) stream.write(`\r\x1b[2K${text.slice(0, Math.max(20, (stream.columns ?? 100) - 1))}`);
    else stream.write(`${text}\n`);
  };
  return {
    step(name, index, total) {
      label = `[${index}/${total}] ${name}`;
      lastLine = performance.now();
      write(label);
    },
    tick(t) {
      const now = performance.now();
      if (!tty && now - lastLine < periodMs) return;
      if (tty && now - lastLine < 100) return;
      lastLine = now;
      const pct = Math.min(100, Math.round((t.elapsedMs / t.totalMs) * 100));
      write(`${label}  ${t.phase} ${pct}%  ${t.ops} ops`);
    },
    done() {
      if (tty) stream.write('\r\x1b[2K');
    },
  };
}
