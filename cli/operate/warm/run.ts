// `hotstorage warm`: each selected table in turn, keyset batches filled through the miss protocol (engine.ts),
// progress on stderr, the summary on stdout. Ctrl-C stops after the current batch with its checkpoint saved.
import { EXIT_ERROR, EXIT_OK, type Io, type SelectionArgs } from '../../common.js';
import { RedisUnavailableError, connectionErrorCode, contextState } from '@hotstorage/runtime/internal';
import { describePostgres, describeRedis } from '../services.js';
import { type Operation, openOperation } from '../operation.js';
import { colorsFor, isTerminal } from '../terminal.js';
import { type TableWarmResult, warmTable } from './engine.js';
import { estimateRows } from './estimate.js';
import { type MemoryReport, startMemoryProbe } from './memory-probe.js';
import { lineView, type ProgressView, terminalView } from './progress.js';
import { RowBucket, UNLIMITED } from './rate-limit.js';
import { renderSummary, summarize, summaryJson, type TableSummary } from './summary.js';
import { WarmTally } from './tally.js';
import { postgresAnswer } from '../connect-failure.js';
import { warmLists } from './lists.js';

/** The flags of `hotstorage warm` (declared in command.ts). */
export interface WarmArgs extends SelectionArgs {
  tables: string[];
  rate?: number | undefined;
  batch: number;
  resume: boolean;
  lists: boolean;
  json: boolean;
}

export async function runWarm(io: Io, args: WarmArgs): Promise<number> {
  const env = io.env ?? process.env;
  const probe = env.HOTSTORAGE_WARM_MEMORY_PROBE === '1' ? startMemoryProbe() : undefined;
  const tally = new WarmTally();
  const op = await openOperation(io, args, { names: args.tables, storage: { onEvent: tally.listen } });
  const stop = new AbortController();
  // The first Ctrl-C asks for a clean stop; a second one is Node's default (exit at once), for a stuck run.
  const onSigint = (): void => {
    process.off('SIGINT', onSigint);
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  const view: ProgressView = isTerminal(io.stderr) && io.stderr !== undefined ? terminalView(io.stderr, colorsFor(io.stderr, env)) : lineView(io.err);
  // A batch never holds more rows than a second of the rate allows, so a low rate is smooth instead of bursty.
  const batch = args.rate === undefined ? args.batch : Math.max(1, Math.min(args.batch, Math.floor(args.rate)));
  const limiter = args.rate === undefined ? UNLIMITED : new RowBucket(args.rate);
  const summaries: TableSummary[] = [];
  probe?.markStart();
  let failure: Failure | undefined;
  try {
    for (const t of op.tables) {
      if (stop.signal.aborted) break;
      let result: TableWarmResult;
      try {
        const progress = view.table(t.display, await estimateRows(op.core.db, t.rt));
        result = await warmTable(contextState(op.hs), t.rt, { batch, resume: args.resume, limiter, signal: stop.signal }, ({ done, readThisRun }) => progress.update(done, readThisRun));
        progress.end(result.done);
        if (args.lists && t.rt.info.lists.length > 0 && !stop.signal.aborted) {
          const lists = await warmLists(op.hs, t.rt, stop.signal);
          io.err(`hotstorage: ${t.display}: read ${lists} list${lists === 1 ? '' : 's'} (each filled unless over maxListLength).\n`);
        }
      } catch (error) {
        failure = explain(op, t.display, error);
        break;
      }
      summaries.push(summarize(t.model, result, tally.of(t.rt.info.display)));
    }
  } finally {
    process.off('SIGINT', onSigint);
    view.stop();
    await op.close();
  }
  const unfinished = op.tables.filter((t) => !summaries.some((s) => s.table === t.model.exportName && s.completed)).map((t) => t.model.exportName);
  return report(io, args, { summaries, unfinished, failure, interrupted: stop.signal.aborted && failure === undefined, memory: probe?.stop() });
}

/** What stopped a warm, and whether running it again with --resume can get further (a service back up can; an error Postgres answered cannot until it is fixed). */
interface Failure {
  readonly sentence: string;
  readonly resumable: boolean;
}

interface Outcome {
  readonly summaries: readonly TableSummary[];
  /** Export names of the selected tables not finished (stopped, failed or not started). */
  readonly unfinished: readonly string[];
  readonly failure: Failure | undefined;
  readonly interrupted: boolean;
  readonly memory: MemoryReport | undefined;
}

/** The summary on stdout, what went wrong and how to continue on stderr; the exit code. */
function report(io: Io, args: WarmArgs, outcome: Outcome): number {
  const { summaries, unfinished, failure, interrupted, memory } = outcome;
  if (args.json) io.out(summaryJson(summaries, { interrupted, ...(memory === undefined ? {} : { memory }) }));
  else if (summaries.length > 0) io.out(renderSummary(summaries, colorsFor(io.stdout, io.env ?? process.env)));
  if (memory !== undefined && !args.json) io.err(`hotstorage: peak resident memory ${(memory.peakRssBytes / 2 ** 20).toFixed(1)} MiB.\n`);
  if (failure !== undefined) io.err(`hotstorage: ${failure.sentence}\n`);
  if (interrupted) io.err('hotstorage: stopped after the current batch; what was done is checkpointed.\n');
  if (unfinished.length > 0) {
    const listed = unfinished.join(' ');
    if (failure === undefined || failure.resumable) io.err(`hotstorage: to continue, run \`hotstorage warm ${listed} --resume\`.\n`);
    else io.err(`hotstorage: not warmed: ${listed}; once the cause above is fixed, run \`hotstorage warm ${listed}\` again.\n`);
    return EXIT_ERROR;
  }
  const errors = summaries.reduce((n, s) => n + s.redisErrors, 0);
  if (errors > 0) {
    io.err(`hotstorage: ${errors} Redis call${errors === 1 ? '' : 's'} failed during the warm; some rows were not filled: run it again.\n`);
    return EXIT_ERROR;
  }
  return EXIT_OK;
}

/**
 * One sentence for a failure in the middle of a warm: a service that stopped answering (where; the checkpoint keeps the
 * work for --resume), or what Postgres answered (its own words, not drizzle's "Failed query: ..." wrapper).
 */
function explain(op: Operation, table: string, error: unknown): Failure {
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
  if (error instanceof RedisUnavailableError) return { sentence: `Redis stopped answering at ${describeRedis(op.targets.redis)} while warming ${table} (${message}).`, resumable: true };
  if (connectionErrorCode(error) !== undefined) {
    return { sentence: `Postgres stopped answering at ${describePostgres(op.targets.databaseUrl)} while warming ${table} (${message}).`, resumable: true };
  }
  const answer = postgresAnswer(error);
  if (answer !== undefined) return { sentence: `warming ${table} failed: Postgres answered: ${answer.message} (${answer.code}).`, resumable: false };
  return { sentence: `warming ${table} failed: ${message.replace(/\.$/, '')}.`, resumable: false };
}
