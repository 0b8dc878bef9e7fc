// How an operating command's action is handed to the CLI and run: chosen while yargs parses, run after it, with a
// failure the command already explained to the user exiting 2 without a stack.
import { EXIT_ERROR } from '../common.js';

/** Receives the chosen command's action; it runs after parsing, so a flag that fails validation runs nothing. */
export type Choose = (action: () => Promise<number>) => void;

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
