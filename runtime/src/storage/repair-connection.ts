// Where the repair queue sends its invalidations: the application's client when it is connected, else a connection of
// the queue's own, open only while repairs wait.
//
// Why a connection of its own: a row this process committed without confirming its lease (Redis down, restarting,
// unreachable) is protected from nothing in *other* processes until its repair lands. Another process that reaches
// Redis first may read the row from Postgres before our commit and fill it (its lease was never overridden by ours),
// and that fill stands until our repair. The application's client reconnects on its own schedule: ioredis's default
// backs off 50 ms more per failed attempt up to 2 s, so after an outage of a few seconds it may stay `reconnecting` for
// up to 2 s after Redis is back, while other processes, luckier in their timing, are connected and filling. This
// connection tries every `repairIntervalMs` (100 ms by default), so the repair lands within about that much of Redis
// answering again, whatever the application's client does. It carries nothing but repairs, and closes once the queue
// is empty. Not on a Cluster: there the repairs wait for the application's client (runtime/README.md, Faults).
import type { Redis } from 'ioredis';
import type { RedisIo } from '../redis/redis-io.js';

export class RepairConnection {
  private own: { readonly client: Redis; readonly io: RedisIo } | undefined;

  constructor(
    private readonly main: RedisIo,
    /** How often our own connection tries to reconnect. */
    private readonly intervalMs: number,
    /** Called when our own connection becomes ready: the queue flushes then. */
    private readonly onReady: () => void,
  ) {}

  /**
   * The connection to repair through now: the application's client if it is connected, else ours once it is (opened
   * on the first ask). undefined: nothing reaches Redis yet; `onReady` (or the next tick) will try again.
   */
  usable(): RedisIo | undefined {
    if (this.main.status === 'ready') return this.main;
    if (this.main.cluster) return undefined;
    if (this.main.status === 'end') {
      // The application closed its client (shutting down): ours must not keep the process alive by reconnecting.
      this.close();
      return undefined;
    }
    this.own ??= this.open();
    return this.own.io.status === 'ready' ? this.own.io : undefined;
  }

  /** Closes our own connection (the queue is empty, or the storage closes). */
  close(): void {
    this.own?.client.disconnect();
    this.own = undefined;
  }

  private open(): { client: Redis; io: RedisIo } {
    const intervalMs = this.intervalMs;
    // The application's options (address, credentials, TLS, name) but our own reconnection and queueing.
    const own = (this.main.client as Redis).duplicate({
      // Our own schedule, not the application's: a fixed short interval (see the header).
      retryStrategy: () => intervalMs,
      reconnectOnError: null,
      // Nothing is sent unless connected (RedisIo checks), so nothing should wait in a queue either.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: false,
      enableAutoPipelining: false,
    });
    own.on('error', () => {}); // failures while Redis is away are expected; the queue counts what matters
    own.on('ready', this.onReady);
    return { client: own, io: this.main.over(own) };
  }
}
