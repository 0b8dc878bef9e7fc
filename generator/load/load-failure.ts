// Why a module failed to load, as the user needs it: a syntax error tsx's compiler (esbuild) reports as
// `Transform failed with 1 error:\n<file>:<line>:<col>: ERROR: <message>` becomes that file, line, column and message;
// anything else is its first line.

export interface LoadFailure {
  readonly message: string;
  /** Where the compiler pointed: absolute file, 1-based line and column. */
  readonly at?: { readonly file: string; readonly line: number; readonly col: number };
}

const COMPILER_ERROR = /^(.+):(\d+):(\d+): ERROR: (.+)$/m;

export function loadFailureOf(caught: unknown): LoadFailure {
  const text = caught instanceof Error ? caught.message : String(caught);
  const found = COMPILER_ERROR.exec(text);
  if (found) {
    const [, file = '', line = '0', col = '0', message = ''] = found;
    // esbuild counts columns from 0; diagnostics count from 1, as editors do.
    return { message, at: { file, line: Number(line), col: Number(col) + 1 } };
  }
  return { message: text.split('\n')[0] ?? text };
}
