// The listener's connection to Postgres, over either driver an application has: postgres.js, or node-postgres (`pg`).
// Two things are needed: transactions running plain SQL with $n parameters (the drains), and LISTEN on a connection
// that stays open and says when it (re)connects (so the listener catches up from the outbox: the outbox is the durable
// part, a lost connection loses nothing). Both drivers are read by shape: the runtime imports neither.
//
// postgres.js: `sql.begin` for transactions, `sql.listen` on the dedicated connection postgres.js keeps (and
// reconnects) for it. node-postgres: LISTEN needs one connection that stays, never a pool's random one, so the
// listener owns a Client made from the settings it was given (a Pool's options, a Client's connection parameters),
// opened again when lost. Given a Pool, the drains take pooled connections as postgres.js's do; given a Client, they
// run on the listener's one connection, one transaction at a time.
import { OptionError } from '../errors.js';

/** Runs one statement inside a drain's transaction; resolves to its rows. */
export type Query = <R>(text: string, params?: readonly unknown[]) => Promise<R[]>;

export interface FeedClient {
  /** Runs `body` in one transaction; a throw rolls it back. */
  transaction<T>(body: (query: Query) => Promise<T>): Promise<T>;
  /** LISTENs on `channel`: `onNotify` on each notification, `onListen` on every (re)connection. */
  listen(channel: string, onNotify: () => void, onListen: () => void): Promise<void>;
  /** Stops listening; closes what the listener opened itself. */
  close(): Promise<void>;
}

interface PostgresJs {
  begin<T>(body: (tx: { unsafe(text: string, params?: readonly unknown[]): Promise<unknown> }) => Promise<T>): Promise<T>;
  listen(channel: string, onNotify: () => void, onListen: () => void): Promise<{ unlisten(): Promise<void> }>;
}

interface PgClient {
  connect(): Promise<unknown>;
  query(text: string, params?: readonly unknown[]): Promise<{ rows: unknown[] }>;
  on(event: 'notification', listener: (message: { channel: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
  removeListener(event: 'notification', listener: (message: { channel: string }) => void): unknown;
  removeListener(event: 'error', listener: (error?: Error) => void): unknown;
  end(): Promise<void>;
  readonly connectionParameters?: object;
  readonly _connected?: boolean;
}

type PgClientClass = new (settings: object) => PgClient;

interface PgPool {
  connect(): Promise<PgClient & { release(error?: Error | boolean): void }>;
  readonly options: object;
  /** pg-pool keeps the Client class it makes connections with. */
  readonly Client?: PgClientClass;
  readonly totalCount: number;
}

/**
 * The listener's client for `source` (ListenOptions.sql, else the storage's `db.$client`). `own`: the source is the
 * application's own client under its drizzle database, never to be used for LISTEN or a transaction of ours.
 */
export function feedClientFor(source: unknown, own: boolean, onError: (error: unknown) => void): FeedClient {
  if (isPostgresJs(source)) return postgresJsClient(source);
  if (isPgPool(source)) {
    const Client = source.Client;
    if (Client === undefined) throw new OptionError('sql', 'this node-postgres Pool does not say which Client class it connects with; pass a connected pg Client as `sql`');
    return pgClient(undefined, () => new Client(source.options), onError, source);
  }
  if (isPgClient(source)) {
    const Client = source.constructor as PgClientClass;
    const settings = source.connectionParameters ?? {};
    return pgClient(own ? undefined : source, () => new Client(settings), onError);
  }
  throw new OptionError('sql', 'hs.listen() needs a postgres.js client or a node-postgres Pool or Client (the storage\'s db is over another driver): pass `sql`');
}

function isPostgresJs(value: unknown): value is PostgresJs {
  return typeof value === 'function' && typeof (value as { listen?: unknown }).listen === 'function' && typeof (value as { begin?: unknown }).begin === 'function';
}

function isPgPool(value: unknown): value is PgPool {
  return typeof value === 'object' && value !== null && typeof (value as PgPool).connect === 'function' && typeof (value as PgPool).totalCount === 'number' && typeof (value as PgPool).options === 'object';
}

function isPgClient(value: unknown): value is PgClient {
  return typeof value === 'object' && value !== null && typeof (value as PgClient).connect === 'function' && typeof (value as PgClient).connectionParameters === 'object';
}

function postgresJsClient(sql: PostgresJs): FeedClient {
  let subscription: { unlisten(): Promise<void> } | undefined;
  return {
    transaction: (body) => sql.begin((tx) => body(<R>(text: string, params: readonly unknown[] = []) => tx.unsafe(text, params) as Promise<R[]>)),
    async listen(channel, onNotify, onListen) {
      // postgres.js keeps a connection of its own for LISTEN and calls onListen on every (re)connection.
      subscription = await sql.listen(channel, onNotify, onListen);
    },
    async close() {
      await subscription?.unlisten().catch(() => undefined);
    },
  };
}

/**
 * node-postgres: one connection the listener keeps: `given` (a Client the caller dedicated to it) first, else a new
 * one from `open`; opened again with a growing pause when lost. Transactions, and LISTEN on a connection already open,
 * take turns on it (a LISTEN sent inside a drain's transaction would be undone by its rollback).
 */
function pgClient(given: PgClient | undefined, open: () => PgClient, onError: (error: unknown) => void, pool?: PgPool): FeedClient {
  const callerOwned = given;
  let current: Promise<PgClient> | undefined;
  let active: PgClient | undefined;
  let closed = false;
  let turn: Promise<unknown> = Promise.resolve();
  let listening: { channel: string; onNotify: () => void; onListen: () => void } | undefined;
  const listeningOn = new WeakSet<PgClient>();
  let retryMs = 100;
  let retry: NodeJS.Timeout | undefined;

  const notified = (message: { channel: string }) => {
    if (message.channel === listening?.channel) listening.onNotify();
  };
  const startListening = async (client: PgClient): Promise<void> => {
    if (listening === undefined || listeningOn.has(client)) return;
    listeningOn.add(client);
    client.on('notification', notified);
    await client.query(`LISTEN ${quoteIdent(listening.channel)}`);
    listening.onListen();
  };
  const connect = async (): Promise<PgClient> => {
    const client = given ?? open();
    given = undefined; // a lost connection is replaced by one of our own
    const lost = (error?: Error) => {
      if (active !== client || closed) return;
      active = undefined;
      current = undefined;
      if (error !== undefined) onError(error);
      if (client !== callerOwned) void client.end().catch(() => undefined);
      scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    if (client._connected !== true) await client.connect();
    active = client;
    retryMs = 100;
    await startListening(client);
    return client;
  };
  const connection = (): Promise<PgClient> => {
    if (closed) return Promise.reject(new Error('hotstorage: the listener has stopped'));
    current ??= connect().catch((error: unknown) => {
      current = undefined;
      throw error;
    });
    return current;
  };
  const scheduleReconnect = (): void => {
    if (closed || listening === undefined || retry !== undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      connection().catch((error: unknown) => {
        onError(error);
        retryMs = Math.min(retryMs * 2, 5000);
        scheduleReconnect();
      });
    }, retryMs);
    retry.unref();
  };
  const inTurn = <T>(job: () => Promise<T>): Promise<T> => {
    const run = turn.then(job);
    turn = run.catch(() => undefined);
    return run;
  };
  /** `broken` hears of a connection left unusable (its ROLLBACK failed too). */
  const inTransaction = async <T>(client: PgClient, body: (query: Query) => Promise<T>, broken?: (error: Error) => void): Promise<T> => {
    const query: Query = async <R>(text: string, params: readonly unknown[] = []) => (await client.query(text, params)).rows as R[];
    await client.query('BEGIN');
    try {
      const result = await body(query);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: unknown) => broken?.(rollback instanceof Error ? rollback : new Error(String(rollback))));
      throw error;
    }
  };

  return {
    async transaction<T>(body: (query: Query) => Promise<T>): Promise<T> {
      if (closed) throw new Error('hotstorage: the listener has stopped');
      if (pool === undefined) return inTurn(async () => inTransaction(await connection(), body));
      const client = await pool.connect();
      let broken: Error | undefined;
      // pg-pool takes its own error listener off a client while it is checked out: a backend that dies between two
      // of our queries (terminated, or the server restarting) would emit 'error' with no one listening, and crash the
      // application. Held here, it only marks the connection broken; the query under way fails with it anyway.
      const died = (error?: Error) => {
        broken ??= error ?? new Error('hotstorage: the listener lost its Postgres connection');
        onError(broken);
      };
      client.on('error', died);
      try {
        return await inTransaction(client, body, (error) => (broken = error));
      } finally {
        client.release(broken); // a connection that could not even roll back is closed, not given back to the pool
        if (broken === undefined) client.removeListener('error', died); // a broken one keeps it until it is gone
      }
    },
    listen(channel, onNotify, onListen) {
      listening = { channel, onNotify, onListen };
      return inTurn(async () => startListening(await connection()));
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      const client = await current?.catch(() => undefined);
      current = undefined;
      active = undefined;
      if (client === undefined) return;
      if (client !== callerOwned) {
        await client.end().catch(() => undefined);
        return;
      }
      // The caller's client stays open for the caller: stop listening on it, and let go of it.
      await inTurn(() => client.query(`UNLISTEN ${quoteIdent(listening?.channel ?? '')}`)).catch(() => undefined);
      client.removeListener('notification', notified);
    },
  };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
