// The near-cache's two connections of its own (duplicate() of the application's client: same address, credentials,
// TLS), in RESP2:
// - the reader, with `CLIENT TRACKING on REDIRECT <subscriber's id>`: the near-cache's GETs go through it, so Redis
//   remembers exactly the keys this process may hold (per-key tracking; the application's own keys, read on its own
//   client, are not tracked), and tells the subscriber when one changes, once;
// - the subscriber, on `__redis__:invalidate`: the keys changed (or null: FLUSHALL/FLUSHDB, everything).
// Tracking is set again on every reconnection of either ('ready'); while either is not ready the near-cache is empty
// and bypassed. A silent loss (tracking turned off, a subscriber that stopped receiving without its socket closing) is
// caught by the heartbeat: the reader reads and writes a key of this process's own every `heartbeatMs`, and its
// invalidation must be back by the next beat, else the near-cache is emptied and the subscriber reconnected.
import type { Redis } from 'ioredis';
import type { NearCache } from './near-cache.js';

const CHANNEL = '__redis__:invalidate';

export class NearTracking {
  readonly reader: Redis;
  readonly subscriber: Redis;
  /** The subscriber's client id, once subscribed on its current connection. */
  private subscriberId: number | undefined;
  /** Bumped on every loss of the subscriber, of the reader, and on every arming: work begun before a newer one does nothing. */
  private subscriberSession = 0;
  private readerSession = 0;
  private arming = 0;
  private readonly heartbeatKey: string;
  private heartbeatSent = false;
  private heartbeatCount = 0;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private readyWaiters: (() => void)[] = [];

  constructor(
    main: Redis,
    private readonly near: NearCache,
    /** A key of this process's own that the heartbeat reads and writes. */
    heartbeatKey: string,
  ) {
    const own = {
      protocol: 2 as const, // invalidations by redirect to a Pub/Sub connection: RESP2's way, no second client library
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResubscribe: false, // resubscribed by hand on 'ready', where the new connection's id is learnt first
      enableReadyCheck: true,
      keyPrefix: '',
    };
    this.reader = main.duplicate({ ...own, connectionName: 'hotstorage-near-reader' });
    this.subscriber = main.duplicate({ ...own, connectionName: 'hotstorage-near-invalidations', enableAutoPipelining: false });
    this.heartbeatKey = heartbeatKey;
    for (const client of [this.reader, this.subscriber]) {
      client.on('error', () => {}); // failures are seen as lost connections below; reads go to Redis meanwhile
      const lost = client === this.reader ? this.readerLost : this.subscriberLost;
      client.on('close', lost);
      client.on('end', lost);
    }
    this.reader.on('ready', () => void this.arm());
    this.subscriber.on('ready', () => void this.subscribe());
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer[] | Buffer | null) => this.message(channel, message));
    this.timer = setInterval(() => this.beat(), near.options.heartbeatMs);
    this.timer.unref();
  }

  /** Resolves when tracking is on (or after `timeoutMs`: reads then go to Redis until it is). */
  started(timeoutMs: number): Promise<void> {
    if (this.near.isReady) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.near.flush('close', true);
    this.reader.disconnect();
    this.subscriber.disconnect();
  }

  /**
   * Either connection closed (or ended): whatever it was told is lost (the subscriber's invalidations, or the reader's
   * tracking), and the next change may not be told at all.
   */
  private readonly subscriberLost = (): void => {
    this.subscriberSession += 1;
    this.subscriberId = undefined;
    this.heartbeatSent = false;
    this.near.flush('connection', true);
  };

  private readonly readerLost = (): void => {
    this.readerSession += 1;
    this.heartbeatSent = false;
    this.near.flush('connection', true);
  };

  /** The subscriber (re)connected: learn its id, subscribe, then arm the reader's tracking towards it. */
  private async subscribe(): Promise<void> {
    const session = this.subscriberSession;
    try {
      const id = Number(await this.subscriber.client('ID'));
      await this.subscriber.subscribe(CHANNEL);
      if (session !== this.subscriberSession) return;
      this.subscriberId = id;
      await this.arm();
    } catch {
      // The connection failed meanwhile: its 'close' handler ran, its next 'ready' tries again.
    }
  }

  /** Tracking on the reader, redirected to the subscriber; the near-cache opens once Redis confirmed it. */
  private async arm(): Promise<void> {
    const id = this.subscriberId;
    if (this.closed || id === undefined || this.reader.status !== 'ready' || this.subscriber.status !== 'ready') return;
    const sessions = { subscriber: this.subscriberSession, reader: this.readerSession, arming: ++this.arming };
    try {
      // Off first: a reader that reconnected has none, one whose subscriber reconnected redirects to a closed id.
      await this.reader.call('CLIENT', 'TRACKING', 'off');
      await this.reader.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(id));
    } catch {
      return; // a connection failed: its 'close' handler ran; its 'ready' arms again
    }
    const current = sessions.subscriber === this.subscriberSession && sessions.reader === this.readerSession && sessions.arming === this.arming;
    if (!current || this.closed) return;
    this.heartbeatSent = false;
    this.near.open();
    for (const resolve of this.readyWaiters.splice(0)) resolve();
  }

  private message(channel: Buffer, message: Buffer[] | Buffer | null): void {
    if (channel.toString() !== CHANNEL) return;
    // null: FLUSHALL or FLUSHDB. Every key changed; tracking itself stays on.
    if (message === null) return this.near.flush('flushall', false);
    const keys = Array.isArray(message) ? message.map((key) => key.toString()) : [message.toString()];
    if (keys.includes(this.heartbeatKey)) this.heartbeatSent = false;
    this.near.invalidate(keys);
  }

  /**
   * The heartbeat: the previous beat's key must have been invalidated back to us by now, else invalidations are not
   * reaching us (tracking off, a subscriber that stopped receiving): empty the near-cache and reconnect the subscriber
   * (tracking is armed again when it is back). Then read and write the key again: the GET tracks it, the SET changes it.
   */
  private beat(): void {
    if (!this.near.isReady) {
      void this.arm(); // an arming that failed (a command error) is tried again here
      return;
    }
    if (this.heartbeatSent) {
      this.near.flush('heartbeat', true);
      this.subscriber.disconnect(true); // its 'close' ends its session; its 'ready' subscribes and arms again
      return;
    }
    this.heartbeatSent = true;
    this.heartbeatCount += 1;
    const ttlMs = Math.ceil(this.near.options.heartbeatMs * 10);
    this.reader.get(this.heartbeatKey).catch(() => undefined);
    this.reader.set(this.heartbeatKey, String(this.heartbeatCount), 'PX', ttlMs).catch(() => undefined);
  }
}
