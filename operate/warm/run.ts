// SCAFFOLD (session 2): replaced by the real command in this session; never lands as "done".
import { EXIT_ERROR, type Io } from '../../generator/cli-common.js';
import type { WarmArgs } from './command.js';

export async function runWarm(io: Io, _args: WarmArgs): Promise<number> {
  io.err('hotstorage: warm is not built yet.\n');
  return EXIT_ERROR;
}
