// The near-cache suites' world: the fault suites' own (a redis-server of the suite's own, which may be killed, flushed
// or restarted; a users table with unique keys), plus what the near-cache tests look at: a storage's near-cache
// (through the internal entry), its events, and its tracking connections as Redis lists them.
import type { Redis } from 'ioredis';
import * as assert from 'uvu/assert';
import { contextState } from '@hotstorage/runtime/internal';
import type { HotStorage, HotStorageEvent } from '@hotstorage/runtime';
import type { NearSeams, TestStorageOptions } from '@hotstorage/runtime/testing';
import type { Near } from '../../runtime/src/near/near.js';
import type { Storage, World } from '../faults/world.js';

export { openWorld, until, user, type Storage, type World } from '../faults/world.js';

/**
 * The guard UNSAFE_NEAR names switched off (ignoreRace, keepOnLoss, keepOnWrite, ignoreInvalidations: the seams of
 * NearSeams without their `unsafe` prefix), to run a suite with it off and see its test fail; none when unset.
 */
export function unsafeNearFromEnv(): NearSeams {
  const name = process.env.UNSAFE_NEAR;
  return name ? { [`unsafe${name[0]?.toUpperCase()}${name.slice(1)}`]: true } : {};
}

/** A storage of the world with the near-cache on (tracking armed once it resolves, asserted) and its events. */
export async function nearStorage(world: World, options: Partial<TestStorageOptions> = {}, port?: number): Promise<{ s: Storage; events: Events }> {
  const events = new Events();
  const s = await world.storage({ nearCache: { maxRows: 1000 }, unsafeNear: unsafeNearFromEnv(), onEvent: events.listener, ...options }, port === undefined ? {} : { port });
  assert.ok(nearOf(s.hs)?.cache.isReady, 'tracking is on once createHotStorage resolves');
  return { s, events };
}

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
