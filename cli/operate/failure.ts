// One sentence for a service that fails in the middle of verify, purge or stats (the start is operation.ts's job):
// which service, where, and what we were doing, never a stack trace.
import { RedisUnavailableError, connectionErrorCode } from '@hotstorage/runtime/internal';
import { type Operation, ReportedError } from './operation.js';
import { describePostgres, describeRedis } from './services.js';
import type { Io } from '../common.js';

/** Runs `work`; a Redis or Postgres failure is printed as one sentence and rethrown as ReportedError (exit 2). */
export async function explainingFailures<T>(io: Io, op: Operation, doing: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    let sentence: string | undefined;
    if (error instanceof RedisUnavailableError) sentence = `Redis stopped answering at ${describeRedis(op.targets.redis)} while ${doing} (${message}).`;
    else if (connectionErrorCode(error) !== undefined) sentence = `Postgres stopped answering at ${describePostgres(op.targets.databaseUrl)} while ${doing} (${message}).`;
    if (sentence === undefined) throw error;
    io.err(`hotstorage: ${sentence}\n`);
    throw new ReportedError(sentence);
  }
}
