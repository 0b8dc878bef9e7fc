// `hotstorage warm`: flags and help; the work is in run.ts, loaded only when chosen.
import type { CommandModule } from 'yargs';
import { type Io, positiveNumber, selection } from '../../common.js';
import { type Choose, runReported } from '../reported.js';
import type { WarmArgs } from './run.js';

export function warmCommand(io: Io, choose: Choose): CommandModule<object, WarmArgs> {
  return {
    command: 'warm [tables..]',
    describe: 'Fill the cache from Postgres (keyset batches, through the same leases as a miss)',
    builder: (y) =>
      selection(y)
        .positional('tables', { type: 'string', array: true, default: [], describe: 'Tables by export name or SQL name (default: every cached table)' })
        .option('rate', { type: 'string', coerce: positiveNumber('rate', 'of rows per second'), describe: 'At most this many rows per second (default: as fast as Postgres and Redis allow)' })
        .option('batch', { type: 'string', default: '1000', coerce: positiveNumber('batch', 'of rows', { integer: true }), describe: 'Rows per Postgres query and Redis pipeline' })
        .option('resume', { type: 'boolean', default: false, describe: 'Continue from the last primary key a previous, interrupted warm finished' })
        .option('lists', { type: 'boolean', default: false, describe: 'Also fill every list of the tables (one per distinct foreign key or index value), through the list leases' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the summary as JSON' })
        .example('$0 warm users --rate 5000', 'fill the users table at most 5,000 rows a second')
        .example('$0 warm --resume', 'continue every table from where an interrupted warm stopped')
        .epilog('Ctrl-C stops after the current batch and keeps a checkpoint (a day) for --resume. Exit 0 when every table is warm, 2 when stopped or failed.'),
    handler: (args) => choose(() => runReported(async () => (await import('./run.js')).runWarm(io, args))),
  };
}
