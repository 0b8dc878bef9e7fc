// The near-cache's cases (issue 16). A storage of the bench's own with `nearCache` on holds every bench row in memory
// (the hot set fits): `hs.getByPk.near` reads through it, against the floor `redis.get` and against `lru.get`, a bare
// in-process lookup of the decoded row (the runtime's own LRU, prefilled: the physical limit of an in-process tier).
// Two value cases measure how long another process's write takes to drop the local copy (the near-cache's staleness
// bound) and, beside it, how long the change feed takes from an out-of-band write to its invalidation in Redis; a
// third gives the hit ratio of a small near-cache under a Zipf-distributed workload with writes from another storage.
import { eq } from 'drizzle-orm';
import { createHotStorage } from '@hotstorage/runtime/testing';
import type { HotStorage, HotStorageEvent, HotStorageEventType } from '@hotstorage/runtime';
import { Lru } from '../../runtime/src/near/lru.js';
import { benchRows } from '../db/schema.js';
import * as hot from '../hot/index.js';
import { changed, idOf, type Case, type TriggerSql } from './cases.js';
import { nearestRank, round } from './numbers.js';
import { ROWS, THREADS, type World } from './world.js';

const { benchRows: rows, benchPosts: posts } = hot;

/** Writes timed one at a time for each delay figure. */
const DELAY_SAMPLES = 200;
/** The Zipf run: a near-cache of a tenth of the rows, 5% of operations saves by another storage. */
const ZIPF = { maxRows: ROWS / 10, exponent: 1, ops: 20_000, warmupOps: 5_000, writeShare: 0.05, concurrency: 8 } as const;

export interface NearWorld {
  /** A storage with the near-cache on, every bench row read into it. */
  readonly hs: HotStorage;
  /** Waits for the near-cache's invalidation of `key` (resolved by the storage's onEvent). */
  invalidated(key: string): Promise<void>;
  close(): Promise<void>;
}

// `ttlMs` off: the storage is opened at the start of the run and its rows read minutes later, past the default 60 s
// backstop, which would turn the hot set into misses (one Redis read per row per minute in a real process).
export async function openNear(world: World): Promise<NearWorld> {
  const invalidations = keyWaiters('nearInvalidation');
  const onEvent = invalidations.onEvent;
  // Room for every bench row, every post and every thread's list.
  const hs = await createHotStorage({ db: world.db, redis: world.redis, prefix: world.prefix, nearCache: { maxRows: ROWS * 3, ttlMs: null }, onEvent });
  for (let from = 1; from <= ROWS; from += 100) {
    await rows.getManyByPk(hs, Array.from({ length: Math.min(100, ROWS - from + 1) }, (_, i) => from + i));
  }
  // Each thread's list twice: the first read may fill it in Redis, the second holds it (and its posts) in memory.
  for (let round = 0; round < 2; round++) for (let thread = 1; thread <= THREADS; thread++) await posts.listByThreadId(hs, thread);
  const before = hs.stats().nearHits;
  await rows.getManyByPk(hs, Array.from({ length: 100 }, (_, i) => idOf(i)));
  if (hs.stats().nearHits - before !== 100) throw new Error('hs.getByPk.near: the near-cache did not keep the bench rows (is tracking on?)');
  return {
    hs,
    invalidated: invalidations.next,
    close: () => hs.close(),
  };
}

export function nearReadCases(world: World, near: NearWorld): Case[] {
  const rowKeys = Array.from({ length: ROWS + 1 }, (_, id) => (id === 0 ? '' : world.rt.rowKeys({ id }).row));
  let lru: Lru<Record<string, unknown>> | undefined;
  const filled = async () => {
    if (lru !== undefined) return lru;
    const made = new Lru<Record<string, unknown>>(ROWS * 2, Infinity, () => {});
    for (let from = 1; from <= ROWS; from += 1000) {
      const keys = rowKeys.slice(from, Math.min(ROWS + 1, from + 1000));
      const values = await world.redis.mget(keys);
      values.forEach((text, i) => {
        const row = text === null ? undefined : world.codec.decode(text);
        if (row === undefined) throw new Error('lru.get: a bench row is not in Redis (warm-up did not fill it)');
        made.set(keys[i] ?? '', Object.freeze(row));
      });
    }
    lru = made;
    return made;
  };
  return [
    { kind: 'timed', name: 'hs.getByPk.near', op: (n) => rows.getByPk(near.hs, idOf(n)) },
    // The list case of bench/lib/cases.ts (`hs.listByFk`: a 20-member list, full hit) with the list and its rows held.
    { kind: 'timed', name: 'hs.listByFk.near', op: (n) => posts.listByThreadId(near.hs, (idOf(n) % THREADS) + 1) },
    {
      kind: 'timed',
      name: 'lru.get',
      op: async (n) => {
        const row = (lru ?? (await filled())).get(rowKeys[idOf(n)] ?? '');
        if (row === undefined) throw new Error('lru.get: a row is missing from the prefilled LRU');
        return row;
      },
    },
  ];
}

export function nearValueCases(world: World, near: NearWorld, triggers: TriggerSql | string): Case[] {
  return [
    { kind: 'value', name: 'near.invalidationMs', unit: 'ms', run: () => nearInvalidationDelay(world, near) },
    typeof triggers === 'string'
      ? { kind: 'value', name: 'listener.invalidationMs', unit: 'ms', run: () => Promise.reject(new Error(triggers)), skipped: triggers }
      : { kind: 'value', name: 'listener.invalidationMs', unit: 'ms', run: () => listenerInvalidationDelay(world, triggers) },
    { kind: 'value', name: 'near.hitRatio.zipf', unit: 'ratio', run: () => zipfHitRatio(world) },
  ];
}

/**
 * A save by another storage (the bench's own, no near-cache) of a row the near-cache holds: the time from the save's
 * start (so its commit is inside) until the near-cache has dropped its copy. Value: p99 in ms.
 */
async function nearInvalidationDelay(world: World, near: NearWorld) {
  const delays: number[] = [];
  for (let n = 0; n < DELAY_SAMPLES; n++) {
    const id = idOf(50_000 + n);
    await rows.getByPk(near.hs, id); // held (or read back in, after an earlier sample's write)
    const before = near.hs.stats().nearHits;
    await rows.getByPk(near.hs, id);
    if (near.hs.stats().nearHits - before !== 1) throw new Error(`near.invalidationMs: row ${id} is not held in the near-cache`);
    const dropped = near.invalidated(world.rt.rowKeys({ id }).row);
    const started = performance.now();
    await rows.save(world.hs, changed(50_000 + n));
    await dropped;
    delays.push(performance.now() - started);
  }
  return percentiles(delays);
}

/**
 * The change feed's figure beside it: an UPDATE outside hotstorage (Drizzle, no storage), from its start until the
 * listener of another storage has invalidated the row in Redis. Value: p99 in ms.
 */
async function listenerInvalidationDelay(world: World, triggers: TriggerSql) {
  await world.admin.sql.unsafe(triggers.install);
  const invalidations = keyWaiters('outboxInvalidation');
  const hs = await createHotStorage({ db: world.db, redis: world.redis, prefix: world.prefix, outboxSchema: world.outboxSchema, tables: hot, onEvent: invalidations.onEvent });
  try {
    const listener = await hs.listen({ pollIntervalMs: 200 });
    try {
      const delays: number[] = [];
      for (let n = 0; n < DELAY_SAMPLES; n++) {
        const id = idOf(60_000 + n);
        const done = invalidations.next(world.rt.rowKeys({ id }).row);
        const started = performance.now();
        await world.db.update(benchRows).set({ name: `Out of band ${n}` }).where(eq(benchRows.id, id));
        await done;
        delays.push(performance.now() - started);
      }
      return percentiles(delays);
    } finally {
      await listener.stop();
    }
  } finally {
    await hs.close();
    await world.admin.sql.unsafe(triggers.drop);
  }
}

/** A storage's `onEvent` that resolves, for each key waited on, the next event of `type` naming that key. */
function keyWaiters(type: HotStorageEventType): { onEvent: (event: HotStorageEvent) => void; next: (key: string) => Promise<void> } {
  const waiters = new Map<string, () => void>();
  return {
    onEvent: (event) => {
      if (event.type !== type || event.key === undefined) return;
      waiters.get(event.key)?.();
      waiters.delete(event.key);
    },
    next: (key) => new Promise((resolve) => waiters.set(key, resolve)),
  };
}

function percentiles(delaysMs: readonly number[]) {
  const sorted = Float64Array.from(delaysMs).sort();
  const at = (q: number) => round(nearestRank(sorted, q));
  return { value: at(0.99), detail: { samples: sorted.length, p50: at(0.5), p99: at(0.99), max: at(1) } };
}

/**
 * A near-cache of a tenth of the rows under reads whose ids follow a Zipf law (exponent 1), while another storage saves
 * 5% of the operations' rows (drawn from the same law): the near-cache's hit ratio after a warm-up.
 */
async function zipfHitRatio(world: World) {
  const hs = await createHotStorage({ db: world.db, redis: world.redis, prefix: world.prefix, nearCache: { maxRows: ZIPF.maxRows } });
  try {
    const draw = zipf(ROWS, ZIPF.exponent, 0x5eed);
    let next = 0;
    let writes = 0;
    const run = async (until: number) => {
      await Promise.all(
        Array.from({ length: ZIPF.concurrency }, async () => {
          for (let n = next++; n < until; n = next++) {
            const rank = draw();
            if (n % Math.round(1 / ZIPF.writeShare) === 0) {
              writes += 1;
              await rows.save(world.hs, changed(rank + ROWS * n)); // row idOf(rank), a new revision
            } else {
              await rows.getByPk(hs, idOf(rank));
            }
          }
        }),
      );
    };
    await run(ZIPF.warmupOps);
    const before = hs.stats();
    writes = 0;
    await run(ZIPF.warmupOps + ZIPF.ops);
    const after = hs.stats();
    const hits = after.nearHits - before.nearHits;
    const misses = after.nearMisses - before.nearMisses;
    return {
      value: round(hits / (hits + misses)),
      detail: { ...ZIPF, writes, hits, misses, invalidations: after.nearInvalidations - before.nearInvalidations, evictions: after.nearEvictions - before.nearEvictions },
    };
  } finally {
    await hs.close();
  }
}

/** Ranks 0…n-1 with P(k) ∝ 1/(k+1)^s, from a seeded generator (the same draws every run). */
function zipf(n: number, s: number, seed: number): () => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) cumulative[k] = total += 1 / (k + 1) ** s;
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0; // LCG: enough for drawing ranks
    const u = (state / 2 ** 32) * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] ?? 0) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
