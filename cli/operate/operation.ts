// One run of an operating command: config → model → the user's table objects → Postgres and Redis clients → a
// storage with the application's prefix, and each selected table's runtime (key space, codec, spec checked against
// the live table). Every failure on the way is one sentence for the user, never a stack trace.
import { drizzle } from 'drizzle-orm/postgres-js';
import type { Cluster, Redis } from 'ioredis';
import type postgres from 'postgres';
import { errorCount, flagsOf, type Io, printDiagnostics, type SelectionArgs } from '../common.js';
import { buildModel } from '../../generator/generate.js';
import { FeedMismatchError, type HotStorage, type HotStorageOptions, ServiceUnavailableError, SpecMismatchError, createHotStorage } from '@hotstorage/runtime';
import { type StorageCore, type TableRuntime, contextState } from '@hotstorage/runtime/internal';
import {
  COMMAND_TIMEOUT_MS,
  describePostgres,
  describeRedis,
  openPostgres,
  openRedis,
  resolveTargets,
  type ServiceTargets,
  SettingError,
} from './services.js';
import { type LoadedTable, loadTables, selectTables, TableSelectionError } from './tables.js';
import { postgresConnectFailure } from './connect-failure.js';

export interface OperatedTable extends LoadedTable {
  readonly rt: TableRuntime;
}

export interface Operation {
  readonly targets: ServiceTargets;
  readonly sql: postgres.Sql;
  readonly redis: Redis | Cluster;
  readonly hs: HotStorage;
  /** The storage's internals (Redis I/O, options, events): the commands are part of hotstorage, not its users. */
  readonly core: StorageCore;
  /** The selected tables, in model order. */
  readonly tables: readonly OperatedTable[];
  /** Every cached table of the schema (purge of other shapes, stats), selected or not. */
  readonly allTables: readonly OperatedTable[];
  close(): Promise<void>;
}

/** A failure already explained to the user; the command exits 2 without printing more. */
export class ReportedError extends Error {}

export interface OpenOptions {
  /** TABLE arguments (export or SQL names); empty for every cached table. */
  readonly names: readonly string[];
  /** Storage options for this command (a long command timeout suits batch work; the default suits requests). */
  readonly storage?: Partial<Omit<HotStorageOptions, 'db' | 'redis' | 'prefix'>>;
  /** How the storage is made (default createHotStorage); tests pass the testing entry's, which takes seams too. */
  readonly createStorage?: (options: HotStorageOptions) => Promise<HotStorage>;
}

/** Opens everything a command needs, or prints why not and throws ReportedError. Close the result when done. */
export async function openOperation(io: Io, args: SelectionArgs, options: OpenOptions): Promise<Operation> {
  const fail = (message: string): never => {
    io.err(`hotstorage: ${message}\n`);
    throw new ReportedError(message);
  };
  const built = await buildModel({ cwd: io.cwd, flags: flagsOf({ ...args, out: undefined }) });
  printDiagnostics(io, built.config?.root ?? io.cwd, built.diagnostics);
  if (!built.model || !built.config) {
    const n = errorCount(built.diagnostics);
    return fail(`${n} error${n === 1 ? '' : 's'} in the schema or config.`);
  }
  let targets: ServiceTargets;
  let loaded: LoadedTable[];
  try {
    targets = resolveTargets(io.env ?? process.env, built.config.services);
    loaded = await loadTables(built.config.root, built.model.tables);
    selectTables(loaded, options.names);
  } catch (error) {
    if (error instanceof SettingError || error instanceof TableSelectionError) return fail(error.message);
    return fail(`loading the schema modules failed: ${firstLine(error)}`);
  }
  const sql = openPostgres(targets.databaseUrl, { ssl: targets.databaseSsl });
  const redis = openRedis(targets.redis);
  const closeClients = async () => {
    redis.disconnect();
    await sql.end({ timeout: 1 });
  };
  let hs: HotStorage;
  try {
    hs = await (options.createStorage ?? createHotStorage)({
      db: drizzle(sql),
      redis,
      prefix: targets.prefix,
      // Batch commands send big pipelines: a request's 250 ms would cut them off under load.
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      // The shared counters are the application's traffic; an operator's warm or repair is not (stats would show warm's
      // misses as the application's).
      statsFlushMs: 0,
      ...options.storage,
    });
  } catch (error) {
    await closeClients();
    if (error instanceof ServiceUnavailableError && error.service === 'Postgres') {
      // What Postgres said, when it answered: a wrong database or role is not an unreachable server.
      return fail(postgresConnectFailure(error, describePostgres(targets.databaseUrl), targets.databaseSetting));
    }
    if (error instanceof ServiceUnavailableError) {
      const setting = targets.redis.kind === 'cluster' ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL';
      return fail(`Redis is not reachable at ${describeRedis(targets.redis)}: start it, or set ${setting} to the right address.`);
    }
    return fail(`connecting failed: ${firstLine(error)}`);
  }
  const core = contextState(hs).core;
  let allTables: OperatedTable[];
  try {
    // Each table's change feed in one statement (epochs honoured where it is installed), then the runtimes.
    await core.detectFeeds(loaded.map((t) => t.table));
    allTables = loaded.map((t) => ({ ...t, rt: core.buildRuntime(t.table, t.spec) }));
    await Promise.all(allTables.map((t) => core.tableReady(t.rt)));
  } catch (error) {
    hs.close();
    await closeClients();
    if (error instanceof SpecMismatchError || error instanceof FeedMismatchError) return fail(error.message.replace(/^hotstorage: /, ''));
    return fail(`reading the tables failed: ${firstLine(error)}`);
  }
  return {
    targets,
    sql,
    redis,
    hs,
    core,
    tables: selectTables(allTables, options.names),
    allTables,
    async close() {
      hs.close();
      await closeClients();
    },
  };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
