// SCAFFOLD (session 2): replaced by the real command in this session; never lands as "done".
import { EXIT_ERROR, type Io } from '../../generator/cli-common.js';
import type { VerifyArgs } from './command.js';

export async function runVerify(io: Io, _args: VerifyArgs): Promise<number> {
  io.err('hotstorage: verify is not built yet.\n');
  return EXIT_ERROR;
}
