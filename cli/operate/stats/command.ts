// `hotstorage stats`: flags and help; the work is in run.ts, loaded only when chosen.
import type { CommandModule } from 'yargs';
import { EXIT_ERROR, type Io, positiveNumber, selection } from '../../common.js';
import { type Choose, runReported } from '../reported.js';
import type { StatsArgs } from './run.js';

export function statsCommand(io: Io, choose: Choose): CommandModule<object, StatsArgs> {
  return {
    command: 'stats [tables..]',
    describe: 'Per table: cached rows, Redis memory, and hits, misses, fills, lease waits, invalidations, errors of every process',
    builder: (y) =>
      selection(y)
        .positional('tables', { type: 'string', array: true, default: [], describe: 'Tables by export name or SQL name (default: every cached table)' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the figures as JSON' })
        .option('watch', { type: 'boolean', default: false, describe: 'Refresh in place, with the hit ratio per table (Ctrl-C to stop)' })
        .option('interval', { type: 'string', default: '2', coerce: positiveNumber('interval', 'of seconds'), describe: 'Seconds between refreshes with --watch' })
        .example('$0 stats', 'one table of figures')
        .example('$0 stats --watch users', 'live figures for users'),
    handler: (args) =>
      choose(async () => {
        const problem = usageProblem(args);
        if (problem === undefined) return runReported(async () => (await import('./run.js')).runStats(io, args));
        io.err(`hotstorage: ${problem}\nRun \`hotstorage --help\` for usage.\n`);
        return EXIT_ERROR;
      }),
  };
}

/**
 * Checked here, not with yargs: `.conflicts()` counts a boolean's default as given (it would refuse every run), and a
 * `.check()` message reaches the CLI as a thrown error rather than a usage failure.
 */
function usageProblem(args: StatsArgs): string | undefined {
  if (args.json && args.watch) return '--json and --watch cannot be used together.';
  return undefined;
}
