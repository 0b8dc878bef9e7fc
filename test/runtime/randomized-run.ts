// The randomized concurrency invariant run (invariants 1 and 3 under load), shared by test/runtime/randomized.test.ts
// (one Redis) and test/cluster/randomized.test.ts (a real cluster): the same workers, seams and checks, parameterised
// by the harness's target (its storages and its dump of every key under the prefix follow it).
import * as assert from 'uvu/assert';
import { isDeepStrictEqual } from 'node:util';
import { rowCodecFor } from '../../runtime/src/codecs/row-codec.js';
import { shapeHash, tableKeyspace } from '../../runtime/src/table/keys.js';
import * as db from './db/schema.js';
import { messages, users } from './hot/index.js';
import type { Harness, Storage } from './harness.js';
import { prng } from '../helpers/prng.js';

export const WORKERS = 8;
const OPS_PER_WORKER = 30;
export const ROUNDS = 8;
const IDS = [1, 2, 3, 4, 5];
const EMAILS = ['a@x', 'b@x', 'c@x', 'd@x', 'e@x', 'f@x', 'g@x'];
/** Messages move between a few chats: lists (listByChatId) whose members change under every kind of write. */
const MESSAGE_IDS = [1, 2, 3, 4, 5, 6];
const CHATS = [1, 2, 3];

let h: Harness;

type User = { id: number; email: string; tenantId: number; slug: string; name: string; version: number };

/** Unique violations and deadlocks are the database refusing a random write, which is fine here. */
function expected(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (code === '23505' || code === '40P01' || code === '40001') return true;
  }
  return false;
}

/**
 * The Redis row key of a user, as the runtime lays it out for the keys test/runtime/hot/users.ts was generated with
 * (`run` checks that the runtime caches there: evictions that missed would make both runs below pass vacuously).
 */
function rowKey(id: number): string {
  const shape = shapeHash({ signature: rowCodecFor(db.users).signature, identity: ['id'], uniqueKeys: [['email'], ['tenantId', 'slug']] });
  return tableKeyspace({ prefix: h.prefix, schema: 'public', table: 'users', shape }).rowKeys([String(id)]).row;
}

async function worker(s: Storage, seed: number): Promise<void> {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const t = users;
  for (let op = 0; op < OPS_PER_WORKER; op++) {
    if (random() < 0.3) {
      await messageOp(s, random, pick, seed, op);
      continue;
    }
    const id = pick(IDS);
    const roll = random();
    try {
      if (roll < 0.15) await t.save(s.hs, { id, email: pick(EMAILS), tenantId: 1, slug: `s${id}`, name: `n${Math.floor(random() * 1000)}`, version: op });
      else if (roll < 0.25) await t.update(s.hs, id, { email: pick(EMAILS) });
      else if (roll < 0.35) await t.update(s.hs, id, { name: `n${Math.floor(random() * 1000)}`, version: op });
      else if (roll < 0.4) await t.remove(s.hs, id);
      else if (roll < 0.45) {
        const other = pick(IDS);
        await s.hs.transaction(async (tx) => {
          const a = await t.getByPk(tx, id);
          const b = await t.getByPk(tx, other);
          if (a === null || b === null || a.id === b.id) return;
          await t.update(tx, a.id, { email: `swap-${seed}-${op}@x` });
          await t.update(tx, b.id, { email: a.email });
          await t.update(tx, a.id, { email: b.email });
        });
      } else if (roll < 0.52) await s.redis.del(rowKey(id)); // an eviction (maxmemory, TTL): the next read misses and fills
      else if (roll < 0.7) await t.getByPk(s.hs, id);
      else if (roll < 0.85) await t.getByEmail(s.hs, pick(EMAILS));
      else if (roll < 0.92) await t.getByTenantIdAndSlug(s.hs, { tenantId: 1, slug: `s${id}` });
      else await t.getManyByPk(s.hs, [id, pick(IDS)]);
    } catch (error) {
      if (!expected(error)) throw error;
    }
  }
}

/** One random operation on messages: writes that move members between chat lists, list reads, list evictions. */
async function messageOp(s: Storage, random: () => number, pick: <T>(items: readonly T[]) => T, seed: number, op: number): Promise<void> {
  const id = pick(MESSAGE_IDS);
  const roll = random();
  try {
    if (roll < 0.2) await messages.save(s.hs, { id, chatId: pick(CHATS), authorId: null, body: `b${seed}-${op}` });
    else if (roll < 0.35) await messages.update(s.hs, id, { chatId: pick(CHATS) });
    else if (roll < 0.4) await messages.remove(s.hs, id);
    else if (roll < 0.45) {
      await s.hs.transaction(async (tx) => {
        await messages.update(tx, id, { chatId: pick(CHATS) });
        await messages.update(tx, pick(MESSAGE_IDS), { chatId: pick(CHATS) });
      });
    } else if (roll < 0.5) await evictList(s, pick(CHATS));
    else await messages.listByChatId(s.hs, pick(CHATS));
  } catch (error) {
    if (!expected(error)) throw error;
  }
}

/** A list's eviction (maxmemory, TTL): the next read misses, leases and fills. One DEL per key (a Cluster's slots). */
async function evictList(s: Storage, chatId: number): Promise<void> {
  for (const key of await h.keys(`${h.prefix}messages@*:list:chat_id:{${chatId}}`)) await s.redis.del(key);
}

/** What differs between the lists and Postgres at quiescence: each chat's list read, and its cached members. */
async function listDivergences(checker: Storage): Promise<string[]> {
  const found: string[] = [];
  const rows = (await h.admin.sql.unsafe(`select id, chat_id from "${h.schema}".messages order by id`)) as unknown as { id: number; chat_id: number }[];
  for (const chatId of CHATS) {
    const want = rows.filter((r) => r.chat_id === chatId).map((r) => r.id);
    for (const key of await h.keys(`${h.prefix}messages@*:list:chat_id:{${chatId}}`)) {
      const value = await h.redis.get(key);
      const members = value === null ? null : (JSON.parse(value.replace(/^(~e\d+~)?K[^\n]*\n/, '')) as number[]);
      if (members !== null && JSON.stringify(members) !== JSON.stringify(want)) found.push(`cached list chat ${chatId}: ${JSON.stringify(members)}, Postgres ${JSON.stringify(want)}`);
    }
    const got = (await messages.listByChatId(checker.hs, chatId)).map((m) => m.id);
    if (JSON.stringify(got) !== JSON.stringify(want)) found.push(`listByChatId ${chatId}: ${JSON.stringify(got)}, Postgres ${JSON.stringify(want)}`);
  }
  return found;
}

/**
 * Each worker's getByPk of every row and listByChatId of every chat against Postgres, at quiescence of its
 * invalidation stream: a sentinel row of its own is read by it (so tracked), then written by the checker; once that
 * invalidation reached the worker, every invalidation sent before it has (one connection, in order).
 */
async function nearDivergences(workers: readonly Storage[], checker: Storage, invalidated: ((key: string) => void)[]): Promise<string[]> {
  const found: string[] = [];
  const rows = (await h.admin.sql.unsafe(`select id, email, tenant_id, slug, name, version from "${h.schema}".users`)) as unknown as {
    id: number; email: string; tenant_id: number; slug: string; name: string; version: number;
  }[];
  const inDb = new Map<number, User>(rows.map((r) => [r.id, { id: r.id, email: r.email, tenantId: r.tenant_id, slug: r.slug, name: r.name, version: r.version }]));
  const messageRows = (await h.admin.sql.unsafe(`select id, chat_id, body from "${h.schema}".messages order by id`)) as unknown as { id: number; chat_id: number; body: string }[];
  const inDbMessages = messageRows.map((m) => ({ id: m.id, chatId: m.chat_id, body: m.body }));
  for (const [i, w] of workers.entries()) {
    const sentinel = 1000 + i;
    const row = { id: sentinel, email: `sentinel${i}@x`, tenantId: 2, slug: `sentinel${i}`, name: 'sentinel', version: 0 };
    await users.save(checker.hs, row);
    await users.getByPk(w.hs, sentinel);
    const reached = new Promise<void>((resolve) => {
      invalidated[i] = (key) => key.endsWith(`:{${sentinel}}`) && resolve();
    });
    await users.save(checker.hs, { ...row, version: Date.now() % 1e6 });
    await reached;
    for (const id of IDS) {
      const got = await users.getByPk(w.hs, id);
      if (!isDeepStrictEqual(got, inDb.get(id) ?? null)) found.push(`worker ${i} getByPk ${id} (near-cache): ${JSON.stringify(got)}, Postgres ${JSON.stringify(inDb.get(id) ?? null)}`);
    }
    // Its lists too (from memory where it holds them), each member's row as Postgres has it.
    checking = true;
    try {
      for (const chatId of CHATS) {
        const got = (await messages.listByChatId(w.hs, chatId)).map((m) => ({ id: m.id, chatId: m.chatId, body: m.body }));
        const want = inDbMessages.filter((m) => m.chatId === chatId);
        if (!isDeepStrictEqual(got, want)) found.push(`worker ${i} listByChatId ${chatId} (near-cache): ${JSON.stringify(got)}, Postgres ${JSON.stringify(want)}`);
      }
    } finally {
      checking = false;
    }
  }
  return found;
}

/** What differs between the cache and Postgres at quiescence (empty when consistent). */
async function divergences(checker: Storage): Promise<string[]> {
  const found: string[] = [];
  const rows = (await h.admin.sql.unsafe(`select id, email, tenant_id, slug, name, version from "${h.schema}".users`)) as unknown as {
    id: number; email: string; tenant_id: number; slug: string; name: string; version: number;
  }[];
  const inDb = new Map<number, User>(rows.map((r) => [r.id, { id: r.id, email: r.email, tenantId: r.tenant_id, slug: r.slug, name: r.name, version: r.version }]));
  const codec = rowCodecFor(db.users);
  const dump = await h.dump();
  for (const [key, value] of Object.entries(dump)) {
    const match = /users@[A-Za-z0-9_-]+:\{(\d+)\}$/.exec(key);
    if (match === null || typeof value !== 'string') continue;
    const id = Number(match[1]);
    if (value === '~hotstorage:invalid') continue;
    const cached = value === '~hotstorage:absent' ? null : (codec.decode(value) ?? 'corrupt');
    if (!isDeepStrictEqual(cached, inDb.get(id) ?? null)) found.push(`row ${id}: cached ${JSON.stringify(cached)}, Postgres ${JSON.stringify(inDb.get(id) ?? null)}`);
  }
  for (const id of IDS) {
    const got = await users.getByPk(checker.hs, id);
    if (!isDeepStrictEqual(got, inDb.get(id) ?? null)) found.push(`getBy id ${id}: ${JSON.stringify(got)}`);
    const bySlug = await users.getByTenantIdAndSlug(checker.hs, { tenantId: 1, slug: `s${id}` });
    if (!isDeepStrictEqual(bySlug, inDb.get(id) ?? null)) found.push(`getBy slug s${id}: ${JSON.stringify(bySlug)}`);
  }
  for (const email of EMAILS) {
    const got = await users.getByEmail(checker.hs, email);
    const want = [...inDb.values()].find((u) => u.email === email) ?? null;
    if (!isDeepStrictEqual(got, want)) found.push(`getBy email ${email}: ${JSON.stringify(got)}, Postgres ${JSON.stringify(want)}`);
  }
  return found;
}

/** During the closing phase of a round every reader's fill window gets a rival write. */
let closing = false;
/** While the near-cache check reads through the workers: no rival in their fill windows (nothing may change then). */
let checking = false;

/**
 * Seams placing rivals inside the protocol's windows: a reader pauses between its Postgres read and its fill, and
 * sometimes another worker writes that very row in the meantime (the interleaving the lease guard exists for); a
 * writer pauses between its commit and its cache update.
 */
function seams(random: () => number, rivals: () => readonly Storage[]) {
  const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.floor(random() * ms)));
  return {
    afterDbRead: async ({ key }: { key: string }) => {
      await pause(4);
      if (checking) return;
      const id = Number(/:\{(\d+)\}$/.exec(key)?.[1]);
      const pool = rivals();
      if (!Number.isInteger(id) || pool.length === 0 || (!closing && random() >= 0.3)) return;
      const rival = pool[Math.floor(random() * pool.length)] as Storage;
      if (key.includes(':list:chat_id:')) {
        // A list read: a rival moves a message into or out of this chat before the fill.
        const messageId = MESSAGE_IDS[Math.floor(random() * MESSAGE_IDS.length)] ?? 1;
        await messages.save(rival.hs, { id: messageId, chatId: random() < 0.5 ? id : ((id % CHATS.length) + 1), authorId: null, body: 'rival' }).catch((error: unknown) => {
          if (!expected(error)) throw error;
        });
        return;
      }
      if (key.includes('messages@')) return;
      await users.update(rival.hs, id, { version: Math.floor(random() * 1e6) }).catch((error: unknown) => {
        if (!expected(error)) throw error;
      });
    },
    afterCommit: () => pause(3),
  };
}

/**
 * `near`: every worker has the near-cache on (test/near/randomized.test.ts), and at quiescence each worker's reads by
 * primary key (from its memory where it holds the row) are compared with Postgres too.
 */
export async function runRandomized(harness: Harness, guard: boolean, seed: number, near = false): Promise<{ diverged: string[][]; stats: { fillsRefused: number; invalidations: number; writes: number; hits: number; nearHits: number } }> {
  h = harness;
  const workers: Storage[] = [];
  const invalidated: ((key: string) => void)[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const nearOptions = near ? { nearCache: { maxRows: 100 }, onEvent: (e: { type: string; key?: string }) => e.type === 'nearInvalidation' && invalidated[i]?.(e.key ?? '') } : {};
    workers.push(await h.storage({ unsafeDisableLeaseGuard: !guard, hooks: seams(prng(seed * 7 + i), () => workers.filter((_, j) => j !== i)), ...nearOptions }));
  }
  const checker = await h.storage();
  await users.getByPk(checker.hs, IDS[0] ?? 0);
  assert.is(await checker.redis.exists(rowKey(IDS[0] ?? 0)), 1, 'rowKey() names the key the runtime caches the row under');
  const diverged: string[][] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(workers.map((w, i) => worker(w, seed + round * 100 + i)));
      // Closing phase: the interleaving made deterministic. Each row is evicted and read; between the reader's
      // Postgres read and its fill, another worker commits a write to that row.
      closing = true;
      await Promise.all(IDS.map(async (id, i) => {
        const w = workers[i % workers.length] as Storage;
        await w.redis.del(rowKey(id));
        await users.getByPk(w.hs, id);
      }));
      await Promise.all(CHATS.map(async (chatId, i) => {
        const w = workers[(i + IDS.length) % workers.length] as Storage;
        await evictList(w, chatId);
        await messages.listByChatId(w.hs, chatId);
      }));
      closing = false;
      const nearFound = near ? await nearDivergences(workers, checker, invalidated) : [];
      diverged.push([...(await divergences(checker)), ...(await listDivergences(checker)), ...nearFound]);
    }
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
  const stats = { fillsRefused: 0, invalidations: 0, writes: 0, hits: 0, nearHits: 0 };
  for (const w of workers) {
    const s = w.hs.stats();
    stats.nearHits += s.nearHits;
    stats.fillsRefused += s.fillsRefused;
    stats.invalidations += s.invalidations;
    stats.writes += s.writes;
    stats.hits += s.hits;
  }
  return { diverged, stats };
}

