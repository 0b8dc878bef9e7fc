// `stats --watch`: reads the figures every interval and redraws them in place (log-update) with rates since the
// previous refresh, until Ctrl-C. Not on a terminal, each refresh is printed after the last, with no cursor codes.
import { createLogUpdate } from 'log-update';
import type { Io } from '../../common.js';
import { type Colors, isTerminal } from '../terminal.js';
import type { TableFigures } from './figures.js';
import { type Previous, renderFigures } from './report.js';

export interface WatchInput {
  readonly io: Io;
  readonly read: () => Promise<TableFigures[]>;
  readonly colors: Colors;
  readonly intervalMs: number;
}

/** Resolves when the user presses Ctrl-C (SIGINT), after the refresh in progress is drawn. */
export async function watchFigures(input: WatchInput): Promise<void> {
  const { io, colors, intervalMs } = input;
  const stream = io.stdout ?? process.stdout;
  // A terminal that reports no size (a pseudo-terminal nobody sized) would make log-update wrap at width 0.
  const terminal = isTerminal(stream) && stream.columns > 0 && stream.rows > 0;
  const draw = terminal ? createLogUpdate(stream) : (text: string) => io.out(`${text}\n`);
  let stopped = false;
  let wake: () => void = () => {};
  const stop = () => {
    stopped = true;
    wake();
  };
  process.on('SIGINT', stop);
  try {
    let previous: { tables: TableFigures[]; at: number } | undefined;
    while (!stopped) {
      const at = performance.now();
      let body: string;
      try {
        const tables = await input.read();
        const since: Previous | undefined = previous && { tables: previous.tables, seconds: (at - previous.at) / 1000 };
        body = renderFigures(tables, colors, since);
        previous = { tables, at };
      } catch (error) {
        // A watch outlives a Redis restart: say what failed and try again at the next refresh.
        body = colors.red(`Reading the figures failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
      const title = colors.dim(`hotstorage stats · every ${intervalMs / 1000} s · ${new Date().toISOString().slice(11, 19)} UTC · Ctrl-C to stop`);
      draw(`${title}\n${body.trimEnd()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (stopped) wake();
      });
    }
  } finally {
    process.off('SIGINT', stop);
    if (terminal && 'done' in draw) draw.done();
  }
}
