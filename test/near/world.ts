// The near-cache suites' world: the fault suites' own (a redis-server of the suite's own, which may be killed, flushed
// or restarted; a users table with unique keys), plus what the near-cache tests look at: a storage's near-cache
// (through the internal entry), its events, and its tracking connections as Redis lists them.
import type { Redis } from 'ioredis';
import { contextState } from '@hotstorage/runtime/internal';
import type { HotStorage, HotStorageEvent } from '@hotstorage/runtime';
import type { Near } from '../../runtime/src/near/near.js';

export { openWorld, until, user, type Storage, type World } from '../faults/world.js';

/** The storage's near-cache (undefined: off). */
export function nearOf(hs: HotStorage): Near | undefined {
  return contextState(hs).core.near;
}

/** Events a storage emitted, to wait for one. */
export class Events {
  readonly seen: HotStorageEvent[] = [];
  private waiters: { match: (event: HotStorageEvent) => boolean; resolve: () => void }[] = [];
  readonly listener = (event: HotStorageEvent): void => {
    this.seen.push(event);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(event)) return true;
      w.resolve();
      return false;
    });
  };

  /** Resolves at the next event that matches (one emitted from now on). */
  next(match: (event: HotStorageEvent) => boolean): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }
}

export interface TrackingClient {
  readonly id: number;
  readonly name: string;
  readonly flags: string;
  readonly redir: number;
}

/** The near-cache's connections as CLIENT LIST shows them (reader and subscriber of every storage on this server). */
export async function trackingClients(admin: Redis): Promise<TrackingClient[]> {
  const list = (await admin.client('LIST')) as string;
  return list
    .split('\n')
    .map((line) => Object.fromEntries(line.split(' ').map((field) => field.split('=') as [string, string])))
    .filter((fields) => fields.name?.startsWith('hotstorage-near-') === true)
    .map((fields) => ({ id: Number(fields.id), name: fields.name ?? '', flags: fields.flags ?? '', redir: Number(fields.redir ?? -1) }));
}

/**
 * A reader (not among `gone`) whose tracking redirects to a subscriber that is not `gone` either, and this storage's
 * near-cache open again. (Other storages of the suite may have theirs on the same server.)
 */
export async function rearmed(admin: Redis, hs: HotStorage, gone: readonly number[]): Promise<boolean> {
  const clients = (await trackingClients(admin)).filter((c) => !gone.includes(c.id));
  const subscribers = new Set(clients.filter((c) => c.name === 'hotstorage-near-invalidations').map((c) => c.id));
  const armed = clients.some((c) => c.name === 'hotstorage-near-reader' && subscribers.has(c.redir));
  return armed && nearOf(hs)?.cache.isReady === true;
}
