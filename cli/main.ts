// argv → one command. The only module that prints and picks the exit code: 0 done or up to date, 1 drift
// (`generate --check`), 2 error. Everything it prints comes from values the pipeline returned. The pipeline
// is imported only once a command is chosen, so --help and usage errors start fast.
import { relative, resolve } from 'node:path';
import pc from 'picocolors';
import yargs from 'yargs';
import { registerOperatingCommands } from './operate/commands.js';
import {
  EXIT_DRIFT,
  EXIT_ERROR,
  EXIT_OK,
  errorCount,
  flagsOf,
  type Io,
  nonEmptyPath,
  positiveNumber,
  printDiagnostics,
  type SelectionArgs,
  selection,
  toPosix,
} from './common.js';
import type { GenerateResult } from '../generator/generate.js';
import { readCounts, reportInspect } from './inspect.js';
import { diffStale } from '../generator/output.js';

export { EXIT_DRIFT, EXIT_ERROR, EXIT_OK } from './common.js';

function colorDiff(diff: string): string {
  return diff
    .split('\n')
    .map((line) =>
      line.startsWith('+') && !line.startsWith('+++') ? pc.green(line) : line.startsWith('-') && !line.startsWith('---') ? pc.red(line) : line,
    )
    .join('\n');
}

function reportGenerate(io: Io, result: GenerateResult): number {
  const root = result.config?.root ?? io.cwd;
  printDiagnostics(io, root, result.diagnostics);
  if (result.status === 'error') {
    const n = errorCount(result.diagnostics);
    io.err(`hotstorage: ${n} error${n === 1 ? '' : 's'}; nothing was written.\n`);
    return EXIT_ERROR;
  }
  const { comparison } = result;
  const outShown = `${toPosix(relative(io.cwd, comparison.outDir)) || '.'}/`;
  const shown = (path: string): string => `${outShown}${path}`;
  const total = comparison.unchanged.length + comparison.stale.length + comparison.missing.length;
  if (result.status === 'up-to-date') {
    io.out(`hotstorage: ${outShown} is up to date (${total} files).\n`);
    return EXIT_OK;
  }
  if (result.status === 'written') {
    for (const f of comparison.missing) io.out(`  created  ${shown(f.path)}\n`);
    for (const f of comparison.stale) io.out(`  updated  ${shown(f.path)}\n`);
    for (const f of comparison.orphaned) io.out(`  removed  ${shown(f)}\n`);
    io.out(
      `hotstorage: wrote ${comparison.missing.length + comparison.stale.length} of ${total} files in ${outShown}` +
        `${comparison.orphaned.length ? `, removed ${comparison.orphaned.length}` : ''}.\n`,
    );
    return EXIT_OK;
  }
  for (const f of comparison.stale) io.out(`stale: ${shown(f.path)}\n${colorDiff(diffStale(f, shown(f.path)))}\n`);
  for (const f of comparison.missing) io.out(`missing: ${shown(f.path)}\n`);
  for (const f of comparison.orphaned) io.out(`orphaned: ${shown(f)} (generated for a table that no longer exists)\n`);
  io.out(
    `hotstorage: ${outShown} is out of date: ${comparison.stale.length} stale, ${comparison.missing.length} missing, ` +
      `${comparison.orphaned.length} orphaned. Run \`hotstorage generate\` to update it.\n`,
  );
  return EXIT_DRIFT;
}

/** yargs reports a value its `coerce` refused (positiveNumber) as a YError, thrown or handed to `fail`: bad input, not a bug. */
function isUsageError(caught: unknown): caught is Error {
  return caught instanceof Error && caught.name === 'YError';
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    const { versionText } = await import('./version.js');
    io.out(versionText(io.cwd));
    return EXIT_OK;
  }
  // Handlers only pick the action; it runs after parsing, so a flag that fails validation runs nothing.
  let action: (() => Promise<number>) | undefined;
  // yargs may fail twice in one parse: a suggestion for a mistyped command ("Did you mean warm?"), then the unknown word.
  const failures: string[] = [];
  const choose = (chosen: () => Promise<number>): void => {
    action = chosen;
  };
  const commands = yargs([...argv])
    .scriptName('hotstorage')
    .usage('$0 <command> [options]\n\nA hot copy of Drizzle (PostgreSQL) rows in Redis, with generated typed accessors.')
    .command(
      'generate',
      'Generate one accessor module per table, plus index.ts, into --out',
      (y) =>
        selection(y)
          .option('out', { type: 'string', coerce: nonEmptyPath('out', 'a folder'), describe: 'Output folder (default: the config\'s "out", else ./hotstorage)' })
          .option('check', { type: 'boolean', default: false, describe: 'Write nothing; exit 1 if the output folder differs (CI drift check)' })
          .example('$0 generate', 'use ./hotstorage.config.ts (or ./drizzle.config.ts)')
          .example('$0 generate --schema "src/db/*.ts" --out src/hot', 'no config file')
          .example('$0 generate --check', 'in CI: exit 1 with a diff when the committed output is out of date'),
      (args) => {
        action = async () => {
          const { generate } = await import('../generator/generate.js');
          return reportGenerate(io, await generate({ cwd: io.cwd, flags: flagsOf(args), check: args.check }));
        };
      },
    )
    .command(
      'inspect',
      'Print the tables and keys found in the schema (the model generate renders)',
      (y) =>
        selection(y)
          .option('json', { type: 'boolean', default: false, describe: 'Print the model as JSON (a stable, versioned shape)' })
          .example('$0 inspect --json --schema src/db/schema.ts', 'print the model as JSON')
          .example('$0 inspect --extract import', 'load the schema modules and ask drizzle-orm instead of reading them'),
      (args) => {
        action = async () => {
          const { buildModel } = await import('../generator/generate.js');
          return reportInspect(io, await buildModel({ cwd: io.cwd, flags: flagsOf(args) }), args.json);
        };
      },
    )
    .command(
      'triggers',
      'Print the SQL that installs the change feed for writes that bypass hotstorage (outbox table, triggers)',
      (y) =>
        selection(y)
          .option('out', { type: 'string', coerce: nonEmptyPath('out', 'a file'), describe: 'Write the SQL to this file instead of stdout' })
          .option('check', { type: 'boolean', default: false, describe: 'Compare with the live database; exit 1 when anything is missing or outdated, 2 when a trigger reads a column the table lacks' })
          .option('drop', { type: 'boolean', default: false, describe: 'Print the SQL that removes the change feed' })
          .option('bulk-limit', { type: 'string', coerce: positiveNumber('bulk-limit', 'of rows', { integer: true }), describe: 'Statements touching more rows record one table-level entry (default 1000)' })
          .option('database-url', { type: 'string', describe: 'Database for --check (default: $DATABASE_URL, else the config\'s databaseUrl or drizzle-kit dbCredentials)' })
          .option('outbox-schema', { type: 'string', describe: 'Schema of the outbox and capture functions, and the NOTIFY channel (default hotstorage)' })
          .example('$0 triggers --out drizzle/0007_hotstorage.sql', 'paste into a drizzle-kit custom migration')
          .example('$0 triggers --check', 'in CI: exit 1 when the live database lacks current triggers'),
      (args) => {
        action = () => runTriggers(io, args);
      },
    );
  const parser = registerOperatingCommands(commands, io, choose)
    .demandCommand(1, 'Name a command: generate, inspect, triggers, warm, verify, stats or purge.')
    .recommendCommands()
    .strict()
    .version(false)
    .option('version', { alias: 'v', type: 'boolean', describe: 'Print the versions of hotstorage, @hotstorage/runtime and drizzle-orm' })
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .showHelpOnFail(false)
    .fail((message, caught) => {
      if (caught && !isUsageError(caught)) throw caught;
      failures.push(message);
    });
  try {
    await parser.parseAsync();
    if (failures.length > 0) {
      const suggestion = failures.filter((m) => m.startsWith('Did you mean'));
      const ordered = [...failures.filter((m) => !suggestion.includes(m)), ...suggestion];
      const sentence = ordered.length === 1 ? ordered[0] : ordered.map((m) => m.replace(/[.?]?$/, (end) => end || '.')).join(' ');
      io.err(`hotstorage: ${sentence}\nRun \`hotstorage --help\` for usage.\n`);
      return EXIT_ERROR;
    }
    // No command chosen and nothing failed: --help was printed.
    return action ? await action() : EXIT_OK;
  } catch (caught) {
    if (isUsageError(caught)) {
      io.err(`hotstorage: ${caught.message}\nRun \`hotstorage --help\` for usage.\n`);
      return EXIT_ERROR;
    }
    io.err(`hotstorage: internal error: ${caught instanceof Error ? (caught.stack ?? caught.message) : String(caught)}\n`);
    return EXIT_ERROR;
  }
}

interface TriggersArgs extends SelectionArgs {
  check: boolean;
  drop: boolean;
  'bulk-limit'?: number | undefined;
  'database-url'?: string | undefined;
  'outbox-schema'?: string | undefined;
}

async function runTriggers(io: Io, args: TriggersArgs): Promise<number> {
  const { buildModel } = await import('../generator/generate.js');
  const triggers = await import('../generator/triggers.js');
  const built = await buildModel({ cwd: io.cwd, flags: flagsOf({ ...args, out: undefined }) });
  printDiagnostics(io, built.config?.root ?? io.cwd, built.diagnostics);
  if (!built.model) {
    // Nothing on stdout: it may be going into a migration file.
    const n = errorCount(built.diagnostics);
    io.err(`hotstorage: ${n} error${n === 1 ? '' : 's'}${built.read ? `; ${readCounts(built.read)}` : ''}; no SQL was printed.\n`);
    return EXIT_ERROR;
  }
  const bulkLimit = args['bulk-limit'];
  const outboxSchema = args['outbox-schema'];
  const options = { ...(bulkLimit === undefined ? {} : { bulkLimit }), ...(outboxSchema === undefined ? {} : { outboxSchema }) };
  if (args.check) {
    const live = await import('../generator/triggers-live.js');
    const { DATABASE_SETTINGS, describePostgres, MissingDatabaseError, resolveDatabase, SettingError } = await import('./operate/services.js');
    const { postgresConnectFailure } = await import('./operate/connect-failure.js');
    let database;
    try {
      // --database-url over DATABASE_URL over the config's databaseUrl (or drizzle-kit's dbCredentials).
      database = resolveDatabase(io.env ?? process.env, built.config?.services ?? {}, args['database-url']);
    } catch (error) {
      if (!(error instanceof SettingError)) throw error;
      const said = error instanceof MissingDatabaseError ? `triggers --check needs a database: pass --database-url, or set ${DATABASE_SETTINGS}.` : error.message;
      io.err(`hotstorage: ${said}\n`);
      return EXIT_ERROR;
    }
    let state;
    try {
      state = await live.readLiveState(database, triggers.cachedTables(built.model), outboxSchema);
    } catch (error) {
      io.err(`hotstorage: ${postgresConnectFailure(error, describePostgres(database.url), database.setting)}\n`);
      return EXIT_ERROR;
    }
    // A function reading a column the table lacks fails every write: refused outright, before anything else.
    const mismatches = triggers.columnMismatches(built.model, state, options);
    if (mismatches.length > 0) {
      for (const mismatch of mismatches) io.err(`hotstorage: ${mismatch}\n`);
      return EXIT_ERROR;
    }
    const problems = triggers.compareLive(built.model, state, options);
    for (const problem of problems) io.out(`${problem}\n`);
    const n = triggers.cachedTables(built.model).length;
    if (problems.length === 0) {
      io.out(`hotstorage: the change feed is current for ${n} table${n === 1 ? '' : 's'}.\n`);
      return EXIT_OK;
    }
    io.out(`hotstorage: the change feed is missing or outdated (${problems.length} problem${problems.length === 1 ? '' : 's'}); run \`hotstorage triggers\` and apply the SQL.\n`);
    return EXIT_DRIFT;
  }
  const text = args.drop ? triggers.dropSql(built.model, options) : triggers.triggersSql(built.model, options);
  if (args.out === undefined) io.out(text);
  else {
    const { writeFile } = await import('node:fs/promises');
    const target = resolve(io.cwd, args.out);
    await writeFile(target, text);
    io.out(`hotstorage: wrote ${toPosix(relative(io.cwd, target))}.\n`);
  }
  return EXIT_OK;
}

/** Entry point for bin/hotstorage.js. */
export async function run(argv: readonly string[]): Promise<void> {
  const code = await main(argv, {
    cwd: process.cwd(),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
  process.exitCode = code;
}
