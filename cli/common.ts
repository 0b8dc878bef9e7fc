// What every command of the CLI shares: exit codes, the output seam, the schema-selection flags and diagnostics
// printing. cli/main.ts (generate, inspect, triggers) and operate/ (warm, verify, stats, purge) below it both use it.
import { relative, resolve, sep } from 'node:path';
import type { Argv } from 'yargs';
import type { ConfigFlags, ExtractMode } from '../generator/config.js';
import { type Diagnostic, formatDiagnostic } from '../generator/diagnostics.js';
import type { Casing } from '../generator/findings.js';

/** Done, up to date, clean. */
export const EXIT_OK = 0;
/** Found a problem: drift (`generate --check`, `triggers --check`), a divergence (`verify`). */
export const EXIT_DRIFT = 1;
/** Could not do the job: bad input, a service unreachable, an internal error. */
export const EXIT_ERROR = 2;

export interface Io {
  readonly cwd: string;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** The process's streams, for commands that draw on a terminal (progress bars, `stats --watch`). */
  readonly stdout?: NodeJS.WriteStream;
  readonly stderr?: NodeJS.WriteStream;
  readonly env?: NodeJS.ProcessEnv;
}

export const toPosix = (path: string): string => path.split(sep).join('/');

/** Diagnostics carry root-relative paths; print them relative to where the user stands, so they are clickable. */
export function printDiagnostics(io: Io, root: string, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) {
    const file = d.file ? toPosix(relative(io.cwd, resolve(root, d.file))) || d.file : d.file;
    io.err(`${formatDiagnostic({ ...d, file })}\n`);
  }
}

export function errorCount(diagnostics: readonly Diagnostic[]): number {
  return diagnostics.filter((d) => d.severity === 'error').length;
}

export interface SelectionArgs {
  config?: string | undefined;
  schema?: (string | number)[] | undefined;
  out?: string | undefined;
  casing?: string | undefined;
  extract?: string | undefined;
}

export function flagsOf(args: SelectionArgs): ConfigFlags {
  return {
    config: args.config,
    schema: args.schema?.map(String),
    out: args.out,
    // yargs has already checked these against their choices.
    casing: args.casing as Casing | undefined,
    extract: args.extract as ExtractMode | undefined,
  };
}

/** The flags that choose the config and schema files, as `generate` takes them. */
export function selection<T>(y: Argv<T>) {
  return y
    .option('config', { type: 'string', describe: 'Config file (default: ./hotstorage.config.ts, else ./drizzle.config.ts)' })
    .option('schema', { type: 'array', string: true, describe: 'Schema files, folders or globs (as drizzle-kit); overrides the config' })
    .option('casing', {
      choices: ['snake_case', 'camelCase'],
      describe: 'Casing of columns declared without a name, as your drizzle({ casing }) (default: none, the key is the name)',
    })
    .option('extract', { choices: ['static', 'import'], describe: 'Read the schema files (static) or load them and ask drizzle-orm (import)' });
}

/**
 * A yargs `coerce` for a flag that takes a positive number (a whole one with `integer`): the number, or a usage failure
 * that echoes what was typed (`--rate must be a positive number of rows per second, got "abc".`), where yargs' own
 * `type: 'number'` would only say NaN. Declare the flag `type: 'string'` with it.
 */
export function positiveNumber(flag: string, what: string, options: { integer?: boolean } = {}) {
  return (given: unknown): number => {
    // Given twice, yargs hands a list: the last one counts, as for other flags.
    const last: unknown = Array.isArray(given) ? given[given.length - 1] : given;
    const text = typeof last === 'number' ? String(last) : typeof last === 'string' ? last.trim() : '';
    const value = text === '' ? NaN : Number(text);
    const ok = Number.isFinite(value) && value > 0 && (!options.integer || Number.isInteger(value));
    if (!ok) throw new Error(`--${flag} must be a positive ${options.integer ? 'whole ' : ''}number${what ? ` ${what}` : ''}, got "${text}".`);
    return value;
  };
}

/**
 * A yargs `coerce` for a flag that takes a path: `--out` with no value or `--out ""` would otherwise mean the working
 * folder itself, and `generate` would write there. Declare the flag `type: 'string'` with it.
 */
export function nonEmptyPath(flag: string, what: string) {
  return (given: unknown): string => {
    const last: unknown = Array.isArray(given) ? given[given.length - 1] : given;
    const text = typeof last === 'string' ? last : last === undefined ? '' : String(last);
    if (text.trim() === '') throw new Error(`--${flag} needs ${what}, got ${text === '' ? 'none' : `"${text}"`}.`);
    return text;
  };
}
