// One suite's world: its own Postgres schema and Redis prefix, a storage over them, counters of SQL statements (from
// postgres.js's own debug hook, not from our code) and a MONITOR-based recorder of the Redis commands a call sends.
// The suites call the generated accessors in ./hot/ (tables of ./db/schema.ts, schema public as Drizzle sees them):
// a storage's connections set search_path to the suite's schema, so Drizzle's unqualified table names land there.
import { drizzle } from 'drizzle-orm/postgres-js';
import { connect } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import postgres from 'postgres';
import { createHotStorage, type HotStorage, type HotStorageOptions } from '../../runtime/index.js';
import { connectPostgres, connectRedis, DATABASE_URL, deletePrefix, REDIS_URL, suiteName } from '../helpers/services.js';
import { ddl } from './db/ddl.js';

export interface Storage {
  readonly hs: HotStorage;
  readonly redis: Redis | Cluster;
  readonly sql: postgres.Sql;
  /** SQL statements this storage's connection sent, as postgres.js saw them. */
  readonly queries: string[];
  close(): Promise<void>;
}

export interface Harness {
  /** The suite's Postgres schema (its storages' search_path); the admin connection names it explicitly. */
  readonly schema: string;
  readonly prefix: string;
  /** Admin connections (not counted). */
  readonly admin: { sql: postgres.Sql; redis: Redis };
  /** A storage with its own Redis and Postgres connections; `redis`: a URL, or cluster nodes for a Cluster client. */
  storage(options?: Partial<HotStorageOptions>, redis?: string | readonly { host: string; port: number }[]): Promise<Storage>;
  close(): Promise<void>;
}

export async function openHarness(suite: string): Promise<Harness> {
  const schema = suiteName(suite);
  const prefix = `${schema}:`;
  const admin = { sql: connectPostgres(), redis: await connectRedis() };
  await admin.sql.unsafe(ddl(schema));
  const opened: Storage[] = [];
  return {
    schema,
    prefix,
    admin,
    async storage(options = {}, target = REDIS_URL) {
      const queries: string[] = [];
      const sql = postgres(DATABASE_URL, {
        max: 4,
        onnotice: () => {},
        connection: { search_path: schema }, // the suite's schema only: a table missing there is an error, never public's
        debug: (_connection, query) => queries.push(query),
      });
      const redis =
        typeof target === 'string'
          ? new Redis(target, { maxRetriesPerRequest: 1, connectTimeout: 2000 })
          : new Cluster([...target], { redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 2000 } });
      redis.on('error', () => {}); // a test that stops its own server sees failures through hotstorage's counters
      const hs = await createHotStorage({ db: drizzle(sql), redis, prefix, ...options });
      const storage: Storage = {
        hs,
        redis,
        sql,
        queries,
        async close() {
          hs.close();
          redis.disconnect();
          await sql.end({ timeout: 1 });
        },
      };
      opened.push(storage);
      return storage;
    },
    async close() {
      for (const s of opened) await s.close();
      await deletePrefix(admin.redis, prefix);
      await admin.sql.unsafe(`drop schema "${schema}" cascade`);
      await admin.sql.end();
      admin.redis.disconnect();
    },
  };
}

/** Every key under the prefix with its type and value (ttl left out): compares Redis before and after. */
export async function dumpPrefix(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'string') out[key] = await redis.get(key);
      else if (type === 'set') out[key] = (await redis.smembers(key)).sort();
      else out[key] = `<${type}>`;
    }
  } while (cursor !== '0');
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
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
 * The Redis commands touching `prefix` sent while `body` runs, seen by MONITOR on a raw socket of its own (ioredis's
 * monitor mode can mistake a monitor line arriving with the OK for a reply on a busy server). A marker command sent
 * after `body` tells when the monitor has seen everything (no sleeps). EVAL/EVALSHA show as
 * `['script', numkeys, ...keys, ...args]`; commands run inside scripts are left out.
 */
export async function recordCommands(admin: Redis, prefix: string, body: () => Promise<unknown>): Promise<string[][]> {
  const url = new URL(REDIS_URL);
  const socket = connect({ host: url.hostname, port: Number(url.port || 6379) });
  const seen: string[][] = [];
  const marker = `${prefix}__marker__${Math.random().toString(36).slice(2)}`;
  let ready: () => void = () => {};
  let markerSeen: () => void = () => {};
  const started = new Promise<void>((resolve) => (ready = resolve));
  const done = new Promise<void>((resolve) => (markerSeen = resolve));
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
        markerSeen();
        continue;
      }
      if (source === 'lua' || !args.some((arg) => arg.startsWith(prefix))) continue; // script internals are part of the script
      const [name = '', ...rest] = args;
      const lower = name.toLowerCase();
      seen.push(lower === 'evalsha' || lower === 'eval' ? ['script', ...rest.slice(1)] : [lower, ...rest]);
    }
  });
  socket.write('MONITOR\r\n');
  try {
    await started;
    await body();
    await admin.get(marker);
    await done;
  } finally {
    socket.destroy();
  }
  return seen;
}
