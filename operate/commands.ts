// The operating commands (warm, verify, stats, purge) as yargs command modules. Each lives in its own folder:
// command.ts declares its flags and loads run.ts only when chosen, so `--help` stays fast.
import type { Argv } from 'yargs';
import { EXIT_ERROR, type Io } from '../cli/common.js';
import { purgeCommand } from './purge/command.js';
import { statsCommand } from './stats/command.js';
import { verifyCommand } from './verify/command.js';
import { warmCommand } from './warm/command.js';

/** Receives the chosen command's action; it runs after parsing, so a flag that fails validation runs nothing. */
export type Choose = (action: () => Promise<number>) => void;

export function registerOperatingCommands<T>(y: Argv<T>, io: Io, choose: Choose): Argv<T> {
  return y.command(warmCommand(io, choose)).command(verifyCommand(io, choose)).command(statsCommand(io, choose)).command(purgeCommand(io, choose));
}

/** Runs a command's action; a failure it already explained to the user (ReportedError) exits 2 quietly. */
export async function runReported(action: () => Promise<number>): Promise<number> {
  const { ReportedError } = await import('./operation.js');
  try {
    return await action();
  } catch (error) {
    if (error instanceof ReportedError) return EXIT_ERROR;
    throw error;
  }
}
