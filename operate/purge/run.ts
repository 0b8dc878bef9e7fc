// SCAFFOLD (session 2): replaced by the real command in this session; never lands as "done".
import { EXIT_ERROR, type Io } from '../../generator/cli-common.js';
import type { PurgeArgs } from './command.js';

export async function runPurge(io: Io, _args: PurgeArgs): Promise<number> {
  io.err('hotstorage: purge is not built yet.\n');
  return EXIT_ERROR;
}
