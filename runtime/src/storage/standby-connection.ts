// A connection of hotstorage's own that writers and the repair queue use while the application's client is not
// connected (`reconnecting` after Redis went away), so that their leases, post-commit writes and repairs reach Redis
// as soon as Redis answers, on our schedule rather than the client's.
//
// Why: a writer that cannot confirm its lease does not override readers' leases. Another process that reaches Redis
// first may read the row from Postgres before this commit and fill it afterwards, and that fill stands until the
// writer's repair lands. The application's client reconnects on its own schedule: ioredis's default backs off 50 ms
// more per failed attempt up to 2 s, so after an outage of a few seconds it may stay `reconnecting` for up to 2 s after
// Redis is back, while other processes, luckier in their timing, are connected and filling. This connection tries
// every `repairIntervalMs` (100 ms by default). Once it is connected, a writer's lease goes through it (confirmed, it
// overrides readers' leases like any other: no window at all), and so do the post-commit write and the repairs.
//
// It opens on the first need (a write or a repair while the application's client is not connected) and closes when
// that client is connected again or has ended, when the storage closes, or when nothing has needed it for IDLE_MS
// with no repair waiting (an application that shuts down by disconnecting its client without hs.close() leaves that
// client `reconnecting` for ever, without an `end` event: ours must not keep the process alive by reconnecting).
// Reads do not use it: while the cache is
// away they read Postgres, which is correct, only slower. Not on a Cluster: there everything waits for the
// application's client (runtime/README.md, Faults).
import type { Redis } from 'ioredis';
import type { RedisIo } from '../redis/redis-io.js';

/** ioredis's default client retries at most 2 s apart: a client of the application's still down after that is not coming back soon. */
const IDLE_MS = 2000;

export class StandbyConnection {
  private own: { readonly client: Redis; readonly io: RedisIo; readonly sweep: NodeJS.Timeout } | undefined;
  private lastNeeded = 0;

  constructor(
    private readonly main: RedisIo,
    /** How often our own connection tries to reconnect. */
    private readonly intervalMs: number,
    /** Called when our own connection becomes ready: the repair queue flushes then. */
    private readonly onReady: () => void,
    /** Repairs are waiting: keep the connection whatever the idle time. */
    private readonly repairsWaiting: () => boolean,
  ) {}

  /**
   * The connection to write or repair through now: the application's client if it is connected, else ours once it
   * is (opened on the first ask). undefined: nothing reaches Redis yet.
   */
  usable(): RedisIo | undefined {
    if (this.main.status === 'ready') return this.main;
    if (this.main.cluster || this.main.status === 'end') return undefined;
    this.lastNeeded = performance.now();
    this.own ??= this.open();
    return this.own.io.status === 'ready' ? this.own.io : undefined;
  }

  /** `usable()`, or the application's client (which then fails at once, counted as any Redis failure). */
  writer(): RedisIo {
    return this.usable() ?? this.main;
  }

  /** Closes our own connection. */
  readonly close = (): void => {
    const own = this.own;
    if (own === undefined) return;
    this.own = undefined;
    this.main.client.off('ready', this.close);
    this.main.client.off('end', this.close);
    clearInterval(own.sweep);
    own.client.disconnect();
  };

  private open(): { client: Redis; io: RedisIo; sweep: NodeJS.Timeout } {
    const intervalMs = this.intervalMs;
    // The application's options (address, credentials, TLS, name) but our own reconnection and queueing.
    const own = (this.main.client as Redis).duplicate({
      // Our own schedule, not the application's: a fixed short interval (see the header).
      retryStrategy: () => intervalMs,
      reconnectOnError: null,
      // Nothing is sent unless connected (RedisIo checks), so nothing should wait in a queue either; a command in
      // flight when the connection drops fails at once instead of being sent again later.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: false,
      enableAutoPipelining: false,
    });
    own.on('error', () => {}); // failures while Redis is away are expected; the storage counts what matters
    own.on('ready', this.onReady);
    // Back to the application's client as soon as it is connected; and an application that closed its client is
    // shutting down: ours must not keep the process alive by reconnecting.
    this.main.client.once('ready', this.close);
    this.main.client.once('end', this.close);
    const sweep = setInterval(() => {
      if (!this.repairsWaiting() && performance.now() - this.lastNeeded > IDLE_MS) this.close();
    }, intervalMs);
    sweep.unref();
    return { client: own, io: this.main.over(own), sweep };
  }
}
