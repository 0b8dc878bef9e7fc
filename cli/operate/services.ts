// Where the operating commands find Postgres, Redis and the key prefix: the environment first (as the application
// reads it), then the config file, then the local defaults. Opening the clients is the only I/O here.
import { Cluster, Redis } from 'ioredis';
import postgres from 'postgres';
import type { ServiceSettings } from '../../generator/config.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/**
 * Longest wait for any one Redis reply in a command-line run (a SCAN step, an UNLINK batch, a pipeline of fills): a
 * paused or stalled Redis ends the command with one sentence instead of hanging it.
 */
export const COMMAND_TIMEOUT_MS = 10_000;

/** As createHotStorage's default, so a command sees the keys an application without `prefix` writes. */
export const DEFAULT_PREFIX = 'hs:';

export type RedisTarget = { readonly kind: 'single'; readonly url: string } | { readonly kind: 'cluster'; readonly nodes: readonly { host: string; port: number }[] };

export interface ServiceTargets {
  readonly databaseUrl: string;
  /** What to set to change the database, for messages: `DATABASE_URL`, or the config key it came from. */
  readonly databaseSetting: string;
  /** TLS options of drizzle-kit's `dbCredentials.ssl`, when an object. */
  readonly databaseSsl?: Readonly<Record<string, unknown>>;
  readonly redis: RedisTarget;
  readonly prefix: string;
}

export interface DatabaseTarget {
  readonly url: string;
  readonly setting: string;
  readonly ssl?: Readonly<Record<string, unknown>>;
}

/** Thrown for a setting that cannot be used; the message is one sentence naming the setting and the value. */
export class SettingError extends Error {}

/** Where a command's database can be set, in the order they count after a command's own flag. */
export const DATABASE_SETTINGS = 'DATABASE_URL (or "databaseUrl" in hotstorage.config.ts, or "dbCredentials" in drizzle.config.ts)';

/** No database set anywhere. */
export class MissingDatabaseError extends SettingError {
  constructor() {
    super(`No database to read: set ${DATABASE_SETTINGS}.`);
  }
}

/**
 * Pure: the database of a command, `flag` (triggers' --database-url) over DATABASE_URL over the config file (its
 * `databaseUrl`, or drizzle-kit's `dbCredentials`), checked to be a PostgreSQL URL before anything connects.
 */
export function resolveDatabase(env: NodeJS.ProcessEnv, settings: ServiceSettings, flag?: string): DatabaseTarget {
  const chosen: DatabaseTarget | undefined =
    flag !== undefined && flag.trim() !== ''
      ? { url: flag.trim(), setting: '--database-url' }
      : nonEmpty(env.DATABASE_URL) !== undefined
        ? { url: nonEmpty(env.DATABASE_URL) ?? '', setting: 'DATABASE_URL' }
        : settings.databaseUrl !== undefined
          ? { url: settings.databaseUrl, setting: settings.databaseUrlFrom ?? 'the config', ...(settings.databaseSsl ? { ssl: settings.databaseSsl } : {}) }
          : undefined;
  // No default database: guessing one could warm or purge against the wrong data.
  if (chosen === undefined) throw new MissingDatabaseError();
  const problem = urlProblem(chosen.setting, chosen.url, 'PostgreSQL', ['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/database');
  if (problem !== undefined) throw new SettingError(problem);
  return chosen;
}

/**
 * Why `text` (the value of `setting`) is not a `kind` URL with one of `schemes`, in one sentence; undefined when it is
 * one. The value is echoed with its password hidden.
 */
export function urlProblem(setting: string, text: string, kind: string, schemes: readonly string[], example: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${setting} is not a URL ("${redacted(text)}"): give a ${kind} URL, like ${example}.`;
  }
  if (schemes.includes(url.protocol)) return undefined;
  const named = (scheme: string) => `${scheme}//`;
  return `${setting} ("${redacted(text)}") is not a ${kind} URL: its scheme is ${named(url.protocol)}, not ${schemes.map(named).join(' or ')}.`;
}

/** A URL or connection string with its password replaced, for messages. */
export function redacted(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1****@');
}

/** Pure: the environment over the config file over the defaults. */
export function resolveTargets(env: NodeJS.ProcessEnv, settings: ServiceSettings): ServiceTargets {
  const database = resolveDatabase(env, settings);
  const prefix = env.HOTSTORAGE_PREFIX ?? settings.prefix ?? DEFAULT_PREFIX;
  if (/[{}]/.test(prefix)) throw new SettingError(`The key prefix "${prefix}" contains a brace, which would break Redis Cluster hash tags: change HOTSTORAGE_PREFIX or "prefix" in the config.`);
  const clusterText = nonEmpty(env.REDIS_CLUSTER_NODES);
  const nodes = clusterText !== undefined ? clusterText.split(',').map((s) => s.trim()).filter((s) => s !== '') : settings.redisClusterNodes;
  const redisUrl = nonEmpty(env.REDIS_URL);
  let redis: RedisTarget;
  if (nodes !== undefined && (clusterText !== undefined || redisUrl === undefined)) {
    const source = clusterText !== undefined ? 'REDIS_CLUSTER_NODES' : '"redisClusterNodes" in the config';
    redis = { kind: 'cluster', nodes: nodes.map((node) => parseNode(node, source)) };
  } else {
    const url = redisUrl ?? settings.redisUrl ?? DEFAULT_REDIS_URL;
    const problem = urlProblem(redisUrl !== undefined ? 'REDIS_URL' : '"redisUrl" in the config', url, 'Redis', ['redis:', 'rediss:'], 'redis://127.0.0.1:6379');
    if (problem !== undefined) throw new SettingError(problem);
    redis = { kind: 'single', url };
  }
  return {
    databaseUrl: database.url,
    databaseSetting: database.setting,
    ...(database.ssl ? { databaseSsl: database.ssl } : {}),
    redis,
    prefix,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function parseNode(text: string, source: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) throw new SettingError(`${source} has "${text}", which is not host:port (for example 127.0.0.1:7000).`);
  return { host: match[1] ?? '', port };
}

/** `host:port` (or the cluster's seed list) for messages. */
export function describeRedis(target: RedisTarget): string {
  if (target.kind === 'cluster') return `the cluster ${target.nodes.map((n) => `${n.host}:${n.port}`).join(', ')}`;
  try {
    const url = new URL(target.url);
    return `${url.hostname}:${url.port || '6379'}`;
  } catch {
    return target.url;
  }
}

export function describePostgres(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}`;
  } catch {
    return url;
  }
}

/**
 * A Redis client for a command-line run: no offline queue and no endless reconnecting, so an unreachable Redis is
 * an error at once rather than a hang. The caller connects it (createHotStorage waits for the connection).
 */
export function openRedis(target: RedisTarget): Redis | Cluster {
  const client = newRedisClient(target);
  // Failures reach the user through the command that failed; without a listener ioredis prints each to stderr.
  client.on('error', () => {});
  return client;
}

function newRedisClient(target: RedisTarget): Redis | Cluster {
  const retryStrategy = (attempt: number): number | null => (attempt > 3 ? null : 200 * attempt);
  if (target.kind === 'cluster') {
    return new Cluster(target.nodes.map((n) => ({ host: n.host, port: n.port })), {
      clusterRetryStrategy: retryStrategy,
      enableOfflineQueue: true,
      redisOptions: { connectTimeout: 3000, maxRetriesPerRequest: 2, commandTimeout: COMMAND_TIMEOUT_MS },
    });
  }
  return new Redis(target.url, { connectTimeout: 3000, maxRetriesPerRequest: 2, retryStrategy, commandTimeout: COMMAND_TIMEOUT_MS });
}

export function openPostgres(url: string, options: { max?: number; ssl?: Readonly<Record<string, unknown>> | undefined } = {}): postgres.Sql {
  return postgres(url, { max: options.max ?? 4, connect_timeout: 5, onnotice: () => {}, ...(options.ssl ? { ssl: { ...options.ssl } } : {}) });
}
