// The operating commands (warm, verify, stats, purge) as yargs command modules. Each lives in its own folder:
// command.ts declares its flags and loads run.ts only when chosen, so `--help` stays fast.
import type { Argv } from 'yargs';
import type { Io } from '../common.js';
import { purgeCommand } from './purge/command.js';
import { statsCommand } from './stats/command.js';
import { verifyCommand } from './verify/command.js';
import { warmCommand } from './warm/command.js';
import type { Choose } from './reported.js';

export function registerOperatingCommands<T>(y: Argv<T>, io: Io, choose: Choose): Argv<T> {
  return y.command(warmCommand(io, choose)).command(verifyCommand(io, choose)).command(statsCommand(io, choose)).command(purgeCommand(io, choose));
}
