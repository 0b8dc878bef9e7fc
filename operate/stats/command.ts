// `hotstorage stats`: flags and help; the work is in run.ts, loaded only when chosen.
import type { CommandModule } from 'yargs';
import { type Io, type SelectionArgs, selection } from '../../generator/cli-common.js';
import { type Choose, runReported } from '../commands.js';

export interface StatsArgs extends SelectionArgs {
  tables: string[];
  json: boolean;
  watch: boolean;
  interval: number;
}

export function statsCommand(io: Io, choose: Choose): CommandModule<object, StatsArgs> {
  return {
    command: 'stats [tables..]',
    describe: 'Per table: cached rows, Redis memory, and hits, misses, fills, lease waits, invalidations, errors of every process',
    builder: (y) =>
      selection(y)
        .positional('tables', { type: 'string', array: true, default: [], describe: 'Tables by export name or SQL name (default: every cached table)' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the figures as JSON' })
        .option('watch', { type: 'boolean', default: false, describe: 'Refresh in place, with the hit ratio per table (Ctrl-C to stop)' })
        .option('interval', { type: 'number', default: 2, describe: 'Seconds between refreshes with --watch' })
        // Not .conflicts(): yargs counts a boolean's default as given, so it would refuse every run.
        .check((argv) => (argv.json && argv.watch ? '--json and --watch cannot be used together.' : true))
        .check((argv) => (Number.isFinite(argv.interval) && argv.interval > 0 ? true : `--interval must be a positive number of seconds, got ${argv.interval}.`))
        .example('$0 stats', 'one table of figures')
        .example('$0 stats --watch users', 'live figures for users'),
    handler: (args) => choose(() => runReported(async () => (await import('./run.js')).runStats(io, args))),
  };
}
