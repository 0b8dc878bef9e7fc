// SCAFFOLD (session 2): replaced by the real command in this session; never lands as "done".
import { EXIT_ERROR, type Io } from '../../generator/cli-common.js';
import type { StatsArgs } from './command.js';

export async function runStats(io: Io, _args: StatsArgs): Promise<number> {
  io.err('hotstorage: stats is not built yet.\n');
  return EXIT_ERROR;
}
