// `hotstorage verify`: flags and help; the work is in run.ts, loaded only when chosen.
import type { CommandModule } from 'yargs';
import { type Io, positiveNumber, selection } from '../../common.js';
import { type Choose, runReported } from '../reported.js';
import type { VerifyArgs } from './run.js';

export function verifyCommand(io: Io, choose: Choose): CommandModule<object, VerifyArgs> {
  return {
    command: 'verify [tables..]',
    describe: 'Compare cached rows and unique pointers with Postgres; exit 1 when a cached row diverges',
    builder: (y) =>
      selection(y)
        .positional('tables', { type: 'string', array: true, default: [], describe: 'Tables by export name or SQL name (default: every cached table)' })
        .option('sample', { type: 'string', coerce: positiveNumber('sample', 'of rows', { integer: true }), describe: 'Check this many cached rows per table, chosen at random (default 1000)' })
        .option('all', { type: 'boolean', describe: 'Check every cached row and pointer' })
        .option('repair', { type: 'boolean', default: false, describe: 'Invalidate what diverges (the next read refills it from Postgres) and delete orphaned pointers' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the report as JSON' })
        .conflicts('sample', 'all')
        .example('$0 verify --all --json', 'check everything; machine-readable report')
        .example('$0 verify users --repair', 'check a sample of users and fix what is wrong'),
    handler: (args) => choose(() => runReported(async () => (await import('./run.js')).runVerify(io, args))),
  };
}
