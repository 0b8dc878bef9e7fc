// `hotstorage purge`: flags and help; the work is in run.ts, loaded only when chosen.
import type { CommandModule } from 'yargs';
import { type Io, selection } from '../../common.js';
import { type Choose, runReported } from '../reported.js';
import type { PurgeArgs } from './run.js';

export function purgeCommand(io: Io, choose: Choose): CommandModule<object, PurgeArgs> {
  return {
    command: 'purge <tables..>',
    describe: "Remove a table's keys from Redis in batches (SCAN + UNLINK), never blocking it",
    builder: (y) =>
      selection(y)
        .positional('tables', { type: 'string', array: true, demandOption: true, describe: 'Tables by export name or SQL name' })
        .option('all-shapes', { type: 'boolean', default: false, describe: 'Also remove the keys of every older shape of the table (left by earlier deploys)' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the counts as JSON' })
        .example('$0 purge users', "remove the users table's cached rows and pointers")
        .example('$0 purge users --all-shapes', 'also remove what earlier deploys left'),
    handler: (args) => choose(() => runReported(async () => (await import('./run.js')).runPurge(io, args))),
  };
}
