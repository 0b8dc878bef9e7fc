// What the warm tests compare: each table's rows in Postgres against what Redis holds for them, read straight from the
// keys (reading through getters would fill misses and hide them), and an in-process operation on a world's project.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { PgTable } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/postgres-js';
import type { Cluster, Redis } from 'ioredis';
import type { Io } from '../../cli/common.js';
import { type Operation, type OpenOptions, openOperation } from '../../cli/operate/operation.js';
import { contextState } from '../../runtime/src/storage/context.js';
import type { TableSpec } from '@hotstorage/runtime';
import type { TableRuntime } from '../../runtime/src/table/table-runtime.js';
import { type CliRun, REPO_ROOT } from '../helpers/project.js';
import { DATABASE_URL, REDIS_URL } from '../helpers/services.js';
import type { AppStorage, OperateWorld } from './world.js';

export const SPECS: Record<'users' | 'members', TableSpec> = {
  users: { primaryKey: ['id'], uniqueKeys: [['email']], identity: ['id'] },
  members: { primaryKey: ['id'], uniqueKeys: [['tenantId', 'slug']], identity: ['id'] },
};

export function runtimeOf(app: AppStorage, table: PgTable, spec: TableSpec): Promise<TableRuntime> {
  return contextState(app.hs).core.openRuntime(table, spec);
}

export interface CacheComparison {
  readonly rows: number;
  /** Rows whose cached copy decodes to exactly the Postgres row. */
  readonly equal: number;
  /** Rows with no decodable copy in Redis (missing, or a marker). */
  readonly absent: number;
  /** Identity keys of rows whose cached copy differs from Postgres: invariant 1 broken. */
  readonly stale: string[];
}

/** Every row of the table in Postgres, against its row key in Redis. */
export async function compareCache(app: AppStorage, redis: Redis | Cluster, table: PgTable, rt: TableRuntime): Promise<CacheComparison> {
  const rows = (await drizzle(app.sql).select().from(table)) as Record<string, unknown>[];
  let equal = 0;
  let absent = 0;
  const stale: string[] = [];
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    const keys = chunk.map((row) => rt.rowKeys(row).row);
    const texts = await Promise.all(keys.map((key) => redis.get(key)));
    chunk.forEach((row, j) => {
      const text = texts[j] ?? null;
      const cached = text === null ? undefined : rt.codec.decode(text);
      if (cached === undefined) absent += 1;
      else if (isDeepStrictEqual(cached, row)) equal += 1;
      else stale.push(keys[j] ?? '');
    });
  }
  return { rows: rows.length, equal, absent, stale };
}

/** Row keys among `keys` whose Redis value still decodes to a row (for rows deleted from Postgres: must be none). */
export async function servedRows(redis: Redis | Cluster, rt: TableRuntime, keys: readonly string[]): Promise<string[]> {
  const texts = await Promise.all(keys.map((key) => redis.get(key)));
  return keys.filter((_, i) => {
    const text = texts[i] ?? null;
    return text !== null && rt.codec.decode(text) !== undefined;
  });
}

/** The world's project opened in this process, as the CLI opens it (with `options` for hooks and events). */
export async function openInProcess(world: OperateWorld, options: OpenOptions, env: Record<string, string> = {}): Promise<{ op: Operation; stderr: () => string }> {
  let stderr = '';
  const io: Io = {
    cwd: world.dir,
    out: () => {},
    err: (text) => {
      stderr += text;
    },
    env: { ...process.env, DATABASE_URL, REDIS_URL, HOTSTORAGE_PREFIX: world.prefix, REDIS_CLUSTER_NODES: '', ...env },
  };
  const op = await openOperation(io, {}, options);
  return { op, stderr: () => stderr };
}

/**
 * `hotstorage warm ...args` as its own process in the world's project; `act` runs once, when the first progress line
 * is out (the warm is past its start and inside its batches).
 */
export function warmWhileRunning(world: OperateWorld, args: readonly string[], act: (pid: number) => Promise<void> | void, env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const merged: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', DATABASE_URL, REDIS_URL, HOTSTORAGE_PREFIX: world.prefix, ...env };
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete merged[name];
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/hotstorage.js'), 'warm', ...args], { cwd: world.dir, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let acted = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!acted && / of [\d,]+ rows/.test(stderr)) {
        acted = true;
        Promise.resolve(act(child.pid ?? 0)).catch(reject);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
