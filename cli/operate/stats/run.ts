// `hotstorage stats`: per selected table, the counters every application process flushed to Redis and the table's
// footprint there; once (a table, or --json), or redrawn in place by --watch until Ctrl-C.
import { EXIT_OK, type Io, type SelectionArgs } from '../../common.js';
import { openOperation } from '../operation.js';
import { colorsFor } from '../terminal.js';
import { explainingFailures } from '../failure.js';
import { readAll } from './figures.js';
import { figuresJson, renderFigures } from './report.js';
import { watchFigures } from './watch.js';

/** The flags of `hotstorage stats` (declared in command.ts). */
export interface StatsArgs extends SelectionArgs {
  tables: string[];
  json: boolean;
  watch: boolean;
  interval: number;
}

export async function runStats(io: Io, args: StatsArgs): Promise<number> {
  // The command's own storage counts nothing worth adding to the application's figures.
  const op = await openOperation(io, args, { names: args.tables, storage: { statsFlushMs: 0 } });
  try {
    const read = () => readAll(op.redis, op.targets.prefix, op.tables);
    const colors = colorsFor(io.stdout, io.env ?? process.env);
    if (args.watch) {
      await watchFigures({ io, read, colors, intervalMs: Math.max(0.1, args.interval) * 1000 });
      return EXIT_OK;
    }
    const figures = await explainingFailures(io, op, 'reading the figures', read);
    io.out(args.json ? figuresJson(figures) : renderFigures(figures, colors));
    return EXIT_OK;
  } finally {
    await op.close();
  }
}
