// Every Redis interaction of the protocol goes through here: a bounded wait per round trip (the cache must never
// block a database write or a read for long), one count per round trip, and scripts sent as EVALSHA, alone or in one
// pipeline. On a Cluster a batch is sent as concurrent commands, which ioredis auto-pipelining groups per node.
//
// Nothing is sent while the client is not connected: ioredis would hold it in its offline queue (enableOfflineQueue,
// on by default) and deliver it after reconnecting, long after we gave up on it, and hold the caller for up to
// maxRetriesPerRequest reconnect attempts. Failing at once makes the outcome independent of those options. A command
// already sent can still run late (a paused Redis, or ioredis re-sending unanswered commands after a reconnect): the
// scripts are written so that running late is safe (see runtime/README.md, Faults).
import type { Cluster, Redis } from 'ioredis';
import { Deadlines } from './deadlines.js';
import { RedisUnavailableError } from '../errors.js';
import { registerScripts, type Script, type ScriptHost } from './scripts.js';

export type RedisClient = Redis | Cluster;

export interface ScriptCall {
  readonly keys: readonly string[];
  readonly argv: readonly (string | number)[];
}

export class RedisIo {
  readonly cluster: boolean;

  constructor(
    readonly client: RedisClient,
    private readonly options: { timeoutMs: number; address: string; onRoundTrip: () => void },
  ) {
    this.cluster = client.isCluster;
    registerScripts(client);
  }

  /** The same bounds and counting over another client (the standby connection: storage/standby-connection.ts). */
  over(client: RedisClient): RedisIo {
    return new RedisIo(client, this.options);
  }

  /** One script call: one round trip. */
  async run<R>(script: Script<R>, call: ScriptCall): Promise<R> {
    this.assertConnected();
    const host = this.client as unknown as ScriptHost;
    const method = host[script.name];
    if (method === undefined) throw new Error(`hotstorage: script ${script.name} is not registered`);
    const reply = await this.bounded(method.call(this.client, ...call.keys, ...call.argv));
    return script.parse(reply);
  }

  /**
   * Plain values of keys in one round trip: MGET (one per key on a Cluster, concurrent, grouped per node). MGET, not
   * GET, because it answers nil for a key holding another type where GET raises WRONGTYPE: such a key then takes the
   * read-row script like a missing one, and the script drops it as foreign, exactly as when the script reads it first.
   */
  values(keys: readonly string[]): Promise<(string | null)[]> {
    // Not async, and failing by a rejected promise rather than a throw: this is every hit's round trip, and each async
    // layer costs a promise and a microtask turn.
    if (keys.length === 0) return Promise.resolve([]);
    const down = this.unavailable();
    if (down !== undefined) return Promise.reject(down);
    if (this.cluster) return this.bounded(Promise.all(keys.map(async (key) => (await this.client.mget(key))[0] ?? null)));
    return this.bounded(this.client.mget(...keys));
  }

  /**
   * One key's plain value: GET, which costs the client less than a one-key MGET (no array reply to decode and unpack).
   * A key holding another type makes GET fail with WRONGTYPE where MGET answers nil: callers take `isWrongType(error)`
   * as nil (see `values`).
   */
  value(key: string): Promise<string | null> {
    const down = this.unavailable();
    if (down !== undefined) return Promise.reject(down);
    return this.bounded(this.client.get(key));
  }

  /** Many calls of one script in one round trip; each result is its reply or the error it raised. */
  async runMany<R>(script: Script<R>, calls: readonly ScriptCall[]): Promise<(R | Error)[]> {
    if (calls.length === 0) return [];
    this.assertConnected();
    // A Cluster groups concurrent commands per node (auto-pipelining). So does one client for one call, which then needs
    // no pipeline object: building one (it copies the client's commands and scripts) cost more client CPU than the call.
    if (this.cluster || calls.length === 1) {
      const host = this.client as unknown as ScriptHost;
      const method = host[script.name];
      if (method === undefined) throw new Error(`hotstorage: script ${script.name} is not registered`);
      const settled = await this.bounded(
        Promise.allSettled(calls.map((call) => method.call(this.client, ...call.keys, ...call.argv))),
      );
      return settled.map((s) => (s.status === 'fulfilled' ? parseOrError(script, s.value) : toError(s.reason)));
    }
    const pipeline = (this.client as Redis).pipeline();
    const host = pipeline as unknown as Record<string, (...args: (string | number)[]) => unknown>;
    const method = host[script.name];
    if (method === undefined) throw new Error(`hotstorage: script ${script.name} is not registered on pipelines`);
    for (const call of calls) method.call(pipeline, ...call.keys, ...call.argv);
    const replies = await this.bounded(pipeline.exec());
    if (replies === null) throw new RedisUnavailableError(this.options.address, 'the pipeline was discarded');
    return replies.map(([error, reply]) => (error ? toError(error) : parseOrError(script, reply)));
  }

  /** Plain commands in one round trip (a Cluster's pointers, epochs, warm checkpoints, the test-only guard switches). */
  async commands(commands: readonly (readonly [string, ...(string | number)[]])[]): Promise<unknown[]> {
    if (commands.length === 0) return [];
    this.assertConnected();
    if (this.cluster) {
      return this.bounded(Promise.all(commands.map(([name, ...args]) => this.client.call(name, ...args))));
    }
    const pipeline = (this.client as Redis).pipeline(commands.map(([name, ...args]) => [name.toLowerCase(), ...args]));
    const replies = await this.bounded(pipeline.exec());
    if (replies === null) throw new RedisUnavailableError(this.options.address, 'the pipeline was discarded');
    return replies.map(([error, reply]) => {
      if (error) throw error;
      return reply;
    });
  }

  /** The client's connection state: only `ready` sends (see the header). */
  get status(): string {
    return this.client.status as string;
  }

  private assertConnected(): void {
    const down = this.unavailable();
    if (down !== undefined) throw down;
  }

  private unavailable(): RedisUnavailableError | undefined {
    if (this.client.status === 'ready') return undefined;
    return new RedisUnavailableError(this.options.address, `not connected (client status \`${this.client.status}\`)`);
  }

  /**
   * Waits until the client is connected (startup: a client just created is still connecting; a lazyConnect client is
   * connected here), at most `timeoutMs`.
   */
  async connected(timeoutMs: number): Promise<void> {
    const client = this.client;
    if (this.status === 'ready') return;
    if (this.status === 'wait') await this.bounded(client.connect(), timeoutMs, false);
    if (this.status === 'ready') return;
    if (this.status === 'end') throw new RedisUnavailableError(this.options.address, 'the client is closed and will not reconnect');
    let onReady: () => void = () => {};
    let onEnd: () => void = () => {};
    try {
      await this.bounded(
        new Promise<void>((resolve, reject) => {
          onReady = resolve;
          onEnd = () => reject(new RedisUnavailableError(this.options.address, 'the client gave up connecting'));
          client.once('ready', onReady);
          client.once('end', onEnd);
        }),
        timeoutMs,
        false,
      );
    } finally {
      client.off('ready', onReady);
      client.off('end', onEnd);
    }
  }

  private readonly deadlines = new Deadlines(
    (timeoutMs) => new RedisUnavailableError(this.options.address, `no reply within ${timeoutMs} ms (option \`commandTimeoutMs\`)`),
  );

  private bounded<T>(promise: Promise<T>, timeoutMs = this.options.timeoutMs, roundTrip = true): Promise<T> {
    if (roundTrip) this.options.onRoundTrip();
    return this.deadlines.bound(promise, timeoutMs, this.mapError);
  }

  private readonly mapError = (error: unknown): Error => {
    if (error instanceof RedisUnavailableError) return error;
    // A reply error is Redis answering (a script bug, a wrong type): not an outage, so it is not hidden as one.
    if (error instanceof TypeError || (error instanceof Error && error.name === 'ReplyError')) return error;
    return new RedisUnavailableError(this.options.address, error instanceof Error ? error.message : String(error));
  };
}

/** GET of a key holding another type: what a one-key MGET answers nil for. */
export function isWrongType(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError' && error.message.startsWith('WRONGTYPE');
}

function parseOrError<R>(script: Script<R>, reply: unknown): R | Error {
  try {
    return script.parse(reply);
  } catch (error) {
    return toError(error);
  }
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** `host:port` (or the socket path) of a client, for error messages. */
export function redisAddress(client: RedisClient): string {
  if (client.isCluster) {
    const nodes = (client as Cluster).nodes('all').map((node) => `${node.options.host ?? '127.0.0.1'}:${node.options.port ?? 6379}`);
    return nodes.length > 0 ? `the cluster ${nodes.join(', ')}` : 'the cluster';
  }
  const options = (client as Redis).options;
  return options.path ?? `${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`;
}
