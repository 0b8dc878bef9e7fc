// One suite's world: its own Postgres schema and Redis prefix, a storage over them, counters of SQL statements (from
// postgres.js's own debug hook, not from our code) and a MONITOR-based recorder of the Redis commands a call sends.
// The suites call the generated accessors in ./hot/ (tables of ./db/schema.ts, schema public as Drizzle sees them):
// a storage's connections set search_path to the suite's schema, so Drizzle's unqualified table names land there.
// A harness runs against a target: the shared Redis, or a Redis Cluster of the suite's own (test/helpers/redis-cluster.ts);
// the same suite code runs on both (test/runtime/*-suite.ts), and what it inspects (keys, dumps, MONITOR) covers
// every master of a cluster. It also runs over a driver: drizzle over postgres.js or over node-postgres (pg), each
// counting the statements its driver sends (postgres.js's debug hook; each pg connection's query calls).
import { connect } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import postgres from 'postgres';
import { type HotStorage } from '@hotstorage/runtime';
import { createHotStorage, type TestStorageOptions } from '@hotstorage/runtime/testing';
import { onNode } from '../helpers/redis-cluster.js';
import { connectPostgres, connectRedis, deletePrefix, dumpPrefix, REDIS_URL, suiteName } from '../helpers/services.js';
import { type Driver, openDatabase } from '../helpers/drivers.js';
import { ddl } from './db/ddl.js';
import * as hot from './hot/index.js';

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** Where a harness's storages keep their cache: one Redis (a URL) or the masters of a cluster. */
export type RedisTarget = { readonly kind: 'single'; readonly url: string } | { readonly kind: 'cluster'; readonly nodes: readonly RedisNode[] };

/** The shared Redis of the test run (REDIS_URL). */
export const SHARED_REDIS: RedisTarget = { kind: 'single', url: REDIS_URL };

/** A suite's target, asked for when its `before` hook runs (a cluster file starts its cluster then, once for all its suites). */
export type TargetSource = () => Promise<RedisTarget>;

export interface Storage {
  readonly hs: HotStorage;
  readonly redis: Redis | Cluster;
  /** SQL statements this storage's connections sent, as the driver saw them. */
  readonly queries: string[];
  /** Ends the storage's Postgres connections (its queries fail from now on). */
  endDatabase(): Promise<void>;
  close(): Promise<void>;
}

export interface Harness {
  /** The suite's Postgres schema (its storages' search_path); the admin connection names it explicitly. */
  readonly schema: string;
  readonly prefix: string;
  readonly target: RedisTarget;
  /** The drizzle driver its storages run over. */
  readonly driver: Driver;
  /** Admin connections (not counted). On a cluster `admin.redis` reaches its first node only: suites that run on both use `redis`. */
  readonly admin: { sql: postgres.Sql; redis: Redis };
  /** An admin client of the target (not counted): `admin.redis` on one Redis, a Cluster client on a cluster (for single-key commands; keys() and dump() span nodes). */
  readonly redis: Redis | Cluster;
  /** A storage with its own Redis and Postgres connections, on the harness's target unless `redis` names another (a URL, or cluster nodes). */
  storage(options?: Partial<TestStorageOptions>, redis?: string | readonly RedisNode[]): Promise<Storage>;
  /** Keys matching a glob (which starts with the prefix) on the target's every node. */
  keys(pattern: string): Promise<string[]>;
  /** Every key under the prefix with its type and value, from every node (see dumpPrefix). */
  dump(): Promise<Record<string, unknown>>;
  /** The commands touching the prefix sent while `body` runs, seen by MONITOR on every node (see recordCommands). */
  record(body: () => Promise<unknown>): Promise<string[][]>;
  close(): Promise<void>;
}

function nodesOf(target: RedisTarget): RedisNode[] {
  if (target.kind === 'cluster') return [...target.nodes];
  const url = new URL(target.url);
  return [{ host: url.hostname, port: Number(url.port || 6379) }];
}

async function openAdminRedis(target: RedisTarget): Promise<{ node: Redis; target: Redis | Cluster }> {
  if (target.kind === 'single' && target.url === REDIS_URL) {
    const redis = await connectRedis();
    return { node: redis, target: redis };
  }
  if (target.kind === 'single') {
    const redis = new Redis(target.url, { maxRetriesPerRequest: 1 });
    return { node: redis, target: redis };
  }
  const node = new Redis({ ...target.nodes[0], maxRetriesPerRequest: 1 });
  const cluster = new Cluster([...target.nodes], { redisOptions: { maxRetriesPerRequest: 1 } });
  for (const client of [node, cluster]) client.on('error', () => {});
  return { node, target: cluster };
}

export async function openHarness(suite: string, target: RedisTarget = SHARED_REDIS, driver: Driver = 'postgres-js'): Promise<Harness> {
  const schema = suiteName(suite);
  const prefix = `${schema}:`;
  const redis = await openAdminRedis(target);
  const admin = { sql: connectPostgres(), redis: redis.node };
  await admin.sql.unsafe(ddl(schema));
  const opened: Storage[] = [];
  const nodes = nodesOf(target);
  return {
    schema,
    prefix,
    target,
    driver,
    admin,
    redis: redis.target,
    async storage(options = {}, redisAt = target.kind === 'single' ? target.url : target.nodes) {
      const queries: string[] = [];
      // the suite's schema only: a table missing there is an error, never public's
      const database = openDatabase(driver, { searchPath: schema, queries });
      const redis =
        typeof redisAt === 'string'
          ? new Redis(redisAt, { maxRetriesPerRequest: 1, connectTimeout: 2000 })
          : new Cluster([...redisAt], { redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 2000 } });
      redis.on('error', () => {}); // a test that stops its own server sees failures through hotstorage's counters
      // The storage knows its tables, as an application's does (`tables: hot`): their keys and change feed are read at startup.
      const hs = await createHotStorage({ db: database.db, redis, prefix, statsFlushMs: 0, tables: hot, ...options });
      let ended: Promise<void> | undefined;
      const endDatabase = () => (ended ??= database.end());
      const storage: Storage = {
        hs,
        redis,
        queries,
        endDatabase,
        async close() {
          hs.close();
          redis.disconnect();
          await endDatabase();
        },
      };
      opened.push(storage);
      return storage;
    },
    async keys(pattern) {
      const found = await Promise.all(nodes.map((node) => onNode(node, (redis) => redis.keys(pattern))));
      return found.flat().sort();
    },
    async dump() {
      const dumps = await Promise.all(nodes.map((node) => onNode(node, (redis) => dumpPrefix(redis, prefix))));
      return Object.fromEntries(dumps.flatMap((d) => Object.entries(d)).sort(([a], [b]) => (a < b ? -1 : 1)));
    },
    record(body) {
      return recordCommands(nodes, prefix, body);
    },
    async close() {
      for (const s of opened) await s.close();
      for (const node of nodes) {
        await onNode(node, async (redis) => {
          if (target.kind === 'single') return deletePrefix(redis, prefix);
          // One key at a time: a prefix spans slots, and a cluster node refuses a multi-key command across slots.
          // A node can still list a key of a slot that has moved away (a resharding test): its owner deletes it.
          for (const key of await redis.keys(`${prefix}*`)) await redis.unlink(key).catch(ignoreRedirect);
        });
      }
      await admin.sql.unsafe(`drop schema "${schema}" cascade`);
      await admin.sql.end();
      admin.redis.disconnect();
      redis.target.disconnect();
    },
  };
}


function ignoreRedirect(error: unknown): void {
  if (!(error instanceof Error && /^(MOVED|ASK) /.test(error.message))) throw error;
}

/** Parses the quoted arguments of a MONITOR line (`"get" "k\\x00"`), undoing Redis's sdscatrepr escapes. */
export function parseMonitorArgs(text: string): string[] {
  const args: string[] = [];
  let i = text.indexOf('"');
  while (i !== -1 && i < text.length) {
    const bytes: number[] = [];
    i += 1;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        const next = text[i + 1] ?? '';
        if (next === 'x') {
          bytes.push(parseInt(text.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        }
        const simple: Record<string, number> = { n: 10, r: 13, t: 9, a: 7, b: 8, '"': 34, '\\': 92 };
        bytes.push(simple[next] ?? next.charCodeAt(0));
        i += 2;
        continue;
      }
      bytes.push(...Buffer.from(text[i] ?? '', 'utf8'));
      i += 1;
    }
    args.push(Buffer.from(bytes).toString('utf8'));
    i = text.indexOf('"', i + 1);
  }
  return args;
}

/**
 * The Redis commands touching `prefix` sent while `body` runs, seen by MONITOR on a raw socket of its own to each node
 * (ioredis's monitor mode can mistake a monitor line arriving with the OK for a reply on a busy server). A marker
 * command (ECHO: it has no key, so any cluster node runs and logs it) sent to each node after `body` tells when that
 * node's monitor has seen everything (no sleeps). EVAL/EVALSHA show as `['script', numkeys, ...keys, ...args]`; commands
 * run inside scripts are left out. With several nodes, each node's commands are in order, the nodes one after another.
 */
export async function recordCommands(nodes: readonly RedisNode[], prefix: string, body: () => Promise<unknown>): Promise<string[][]> {
  const marker = `${prefix}__marker__${Math.random().toString(36).slice(2)}`;
  const monitors = nodes.map((node) => monitor(node, prefix, marker));
  try {
    await Promise.all(monitors.map((m) => m.started));
    await body();
    await Promise.all(nodes.map((node) => onNode(node, (redis) => redis.echo(marker))));
    return (await Promise.all(monitors.map((m) => m.done))).flat();
  } finally {
    for (const m of monitors) m.close();
  }
}

function monitor(node: RedisNode, prefix: string, marker: string): { started: Promise<void>; done: Promise<string[][]>; close(): void } {
  const socket = connect({ host: node.host, port: node.port });
  const seen: string[][] = [];
  let ready: () => void = () => {};
  let markerSeen: (commands: string[][]) => void = () => {};
  const started = new Promise<void>((resolve) => (ready = resolve));
  const done = new Promise<string[][]>((resolve) => (markerSeen = resolve));
  let buffered = '';
  let open = true;
  socket.setEncoding('latin1'); // MONITOR lines are ASCII (other bytes are \x escaped)
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let end: number;
    while ((end = buffered.indexOf('\r\n')) !== -1) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (line === '+OK') {
        ready();
        continue;
      }
      if (!open) continue;
      const source = /^\+\S+ \[\d+ (\S+)\]/.exec(line)?.[1];
      const args = parseMonitorArgs(line.slice(line.indexOf(']') + 1));
      if (args.includes(marker)) {
        open = false;
        markerSeen(seen);
        continue;
      }
      if (source === 'lua' || !args.some((arg) => arg.startsWith(prefix))) continue; // script internals are part of the script
      const [name = '', ...rest] = args;
      const lower = name.toLowerCase();
      seen.push(lower === 'evalsha' || lower === 'eval' ? ['script', ...rest.slice(1)] : [lower, ...rest]);
    }
  });
  socket.write('MONITOR\r\n');
  return { started, done, close: () => socket.destroy() };
}
