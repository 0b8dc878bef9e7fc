// A process of test/near/multiprocess.test.ts: a storage of its own (own Redis and Postgres connections) with the
// near-cache on, over the parent's schema and prefix. On `go` its loops run a random workload until the given time:
// reads of any row (by primary key, by each unique key, several at once, a message list) and writes of the rows it owns
// (save, update, an update in a transaction, remove and a later re-save), each write raising the row's version. It
// logs every write (when it began and returned) and every read (when it began, what version of each row it showed,
// whether memory alone served it) and sends the log. At quiescence it reads every row again for the parent to compare
// with Postgres. Argv: schema, prefix, this process's number, heartbeatMs, seed.
import { AsyncLocalStorage } from 'node:async_hooks';
import { isDeepStrictEqual } from 'node:util';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { HotStorageEvent } from '@hotstorage/runtime';
import { createHotStorage } from '@hotstorage/runtime/testing';
import { openDatabase } from '../helpers/drivers.js';
import { REDIS_URL } from '../helpers/services.js';
import * as hot from '../runtime/hot/index.js';
import { messages, users } from '../runtime/hot/index.js';
import {
  CHATS, LANES, MESSAGE_IDS, USER_IDS, messageAt, messageVersion, now, ownerOf, seedChatOf, sentinelOf, userAt,
  type FromChild, type Observation, type ReadRecord, type ServedRow, type Table, type ToChild, type WriteRecord,
} from './multiprocess-plan.js';
import { prng } from '../helpers/prng.js';
import { unsafeNearFromEnv } from './world.js';

const [schema = '', prefix = '', processArg = '', heartbeatArg = '', seedArg = ''] = process.argv.slice(2);
const me = Number(processArg);
const heartbeatMs = Number(heartbeatArg);
/** UNSAFE_NEAR=ignoreInvalidations (or another seam: world.ts unsafeNearFromEnv) runs with that guard off, to see the test fail. */
const unsafe = unsafeNearFromEnv();

/** The read in progress in this async context: near hits and misses are counted on it (onEvent runs synchronously). */
const current = new AsyncLocalStorage<{ hits: number; misses: number }>();
let onInvalidation: (key: string) => void = () => {};
const onEvent = (event: HotStorageEvent): void => {
  if (event.type === 'nearInvalidation') onInvalidation(event.key ?? '');
  const read = current.getStore();
  if (read === undefined) return;
  if (event.type === 'nearHit') read.hits += 1;
  else if (event.type === 'nearMiss') read.misses += 1;
};

const database = openDatabase('postgres-js', { searchPath: schema });
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const hs = await createHotStorage({
  db: database.db, redis, prefix, statsFlushMs: 0, tables: hot, onEvent, nearCache: { maxRows: 1000, heartbeatMs }, unsafeNear: unsafe,
});

const send = (message: FromChild): void => void process.send?.(message);

type User = ReturnType<typeof userAt>;
type Message = { id: number; chatId: number; authorId: number | null; body: string };

const seenUser = (id: number, row: User | null): Observation =>
  row === null
    ? { table: 'users', id, seen: { kind: 'absent' } }
    : { table: 'users', id, seen: { kind: 'row', version: row.version, chatId: 0, intact: isDeepStrictEqual({ ...row }, userAt(id, row.version)) } };

function seenMessage(id: number, row: Message | null): Observation {
  if (row === null) return { table: 'messages', id, seen: { kind: 'absent' } };
  const version = messageVersion(row.body);
  return { table: 'messages', id, seen: { kind: 'row', version, chatId: row.chatId, intact: isDeepStrictEqual({ ...row }, messageAt(id, version, row.chatId)) } };
}

/** A list shows each member's version, and every message not among its members as not in this chat. */
function seenList(chatId: number, rows: readonly Message[]): Observation[] {
  const members = new Map(rows.map((row) => [row.id, row] as const));
  return MESSAGE_IDS.map((id) => {
    const row = members.get(id);
    if (row === undefined) return { table: 'messages', id, seen: { kind: 'notInList', chatId } };
    const observed = seenMessage(id, row);
    return row.chatId === chatId ? observed : { ...observed, seen: { kind: 'row', version: messageVersion(row.body), chatId: row.chatId, intact: false } };
  });
}

const reads: ReadRecord[] = [];
const writes: WriteRecord[] = [];

async function read(op: string, body: () => Promise<Observation[]>): Promise<void> {
  const counts = { hits: 0, misses: 0 };
  const startedAt = now();
  const observations = await current.run(counts, body);
  reads.push({ process: me, op, startedAt, endedAt: now(), nearHits: counts.hits, nearMisses: counts.misses, observations });
}

async function randomRead(random: () => number): Promise<void> {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const id = pick(USER_IDS);
  const roll = random();
  if (roll < 0.3) return read('users.getByPk', async () => [seenUser(id, await users.getByPk(hs, id))]);
  if (roll < 0.45) return read('users.getByEmail', async () => [seenUser(id, await users.getByEmail(hs, `u${id}@x`))]);
  if (roll < 0.55) return read('users.getByTenantIdAndSlug', async () => [seenUser(id, await users.getByTenantIdAndSlug(hs, { tenantId: 1, slug: `s${id}` }))]);
  if (roll < 0.65) {
    const ids = [id, pick(USER_IDS), pick(USER_IDS)];
    return read('users.getManyByPk', async () => (await users.getManyByPk(hs, ids)).map((row, i) => seenUser(ids[i] ?? 0, row)));
  }
  const messageId = pick(MESSAGE_IDS);
  if (roll < 0.8) return read('messages.getByPk', async () => [seenMessage(messageId, await messages.getByPk(hs, messageId))]);
  const chatId = pick(CHATS);
  return read('messages.listByChatId', async () => seenList(chatId, await messages.listByChatId(hs, chatId)));
}

/** A row this loop owns: the version and content its last write left (null: removed). */
interface Owned {
  readonly table: Table;
  readonly id: number;
  version: number;
  chatId: number | null;
}

async function randomWrite(row: Owned, random: () => number): Promise<void> {
  const version = row.version + 1;
  const roll = random();
  const startedAt = now();
  let chatId: number | null;
  if (row.table === 'users') {
    chatId = 0;
    const next = userAt(row.id, version);
    if (row.chatId === null || roll < 0.4) await users.save(hs, next);
    else if (roll < 0.7) await users.update(hs, row.id, { name: next.name, version });
    else if (roll < 0.85) await hs.transaction((tx) => users.update(tx, row.id, { name: next.name, version }));
    else {
      await users.remove(hs, row.id);
      chatId = null;
    }
  } else {
    chatId = CHATS[Math.floor(random() * CHATS.length)] ?? 1;
    const next = messageAt(row.id, version, chatId);
    if (row.chatId === null || roll < 0.4) await messages.save(hs, next);
    else if (roll < 0.7) await messages.update(hs, row.id, { chatId, body: next.body });
    else if (roll < 0.85) await hs.transaction((tx) => messages.update(tx, row.id, { chatId: next.chatId, body: next.body }));
    else {
      await messages.remove(hs, row.id);
      chatId = null;
    }
  }
  writes.push({ table: row.table, id: row.id, version, chatId, startedAt, returnedAt: now() });
  row.version = version;
  row.chatId = chatId;
  // Half the time the row is read back at once, as a request that saves and then shows what it saved: the read its own
  // write must not let memory answer (read-your-writes), before this process is told of the change by Redis.
  if (random() < 0.5) {
    const id = row.id;
    await read(`${row.table}.getByPk after its write`, async () => [row.table === 'users' ? seenUser(id, await users.getByPk(hs, id)) : seenMessage(id, await messages.getByPk(hs, id))]);
  }
}

/** The seeded rows (version 0, message i in chat CHATS[i % 3]) this loop owns. */
function ownedBy(lane: number): Owned[] {
  const mine = (id: number) => ownerOf(id).process === me && ownerOf(id).lane === lane;
  return [
    ...USER_IDS.filter(mine).map((id) => ({ table: 'users' as const, id, version: 0, chatId: 0 })),
    ...MESSAGE_IDS.filter(mine).map((id) => ({ table: 'messages' as const, id, version: 0, chatId: seedChatOf(id) })),
  ];
}

async function lane(index: number, until: number, random: () => number): Promise<void> {
  const owned = ownedBy(index);
  while (now() < until) {
    // A turn of the event loop between operations, as a server has between requests: the invalidations that arrived
    // meanwhile are handled (a loop of near hits, each resolved in microtasks, would never let them in).
    await nextTurn();
    if (owned.length > 0 && random() < 0.15) await randomWrite(owned[Math.floor(random() * owned.length)] as Owned, random);
    else await randomRead(random);
  }
}

/** Reads the sentinel until memory serves it, so this process is told when the parent writes it. */
async function trackSentinel(): Promise<void> {
  const id = sentinelOf(me);
  for (let tries = 1; ; tries++) {
    const hits = hs.stats().nearHits;
    await users.getByPk(hs, id);
    if (hs.stats().nearHits > hits) return;
    if (tries === 200) throw new Error(`sentinel ${id} is never served from the near-cache`);
    await sleep(10);
  }
}

/** Every row and list as this process serves it now (from memory where it holds them). */
async function serveAll(): Promise<{ rows: ServedRow[]; nearHits: number }> {
  const before = hs.stats().nearHits;
  const rows: ServedRow[] = [];
  for (const id of USER_IDS) {
    rows.push({ what: `users.getByPk(${id})`, value: await users.getByPk(hs, id) });
    rows.push({ what: `users.getByEmail(${id})`, value: await users.getByEmail(hs, `u${id}@x`) });
    rows.push({ what: `users.getByTenantIdAndSlug(${id})`, value: await users.getByTenantIdAndSlug(hs, { tenantId: 1, slug: `s${id}` }) });
  }
  const many = await users.getManyByPk(hs, USER_IDS);
  USER_IDS.forEach((id, i) => rows.push({ what: `users.getManyByPk[${id}]`, value: many[i] ?? null }));
  for (const id of MESSAGE_IDS) rows.push({ what: `messages.getByPk(${id})`, value: await messages.getByPk(hs, id) });
  for (const chatId of CHATS) rows.push({ what: `messages.listByChatId(${chatId})`, value: await messages.listByChatId(hs, chatId) });
  return { rows, nearHits: hs.stats().nearHits - before };
}

async function stop(): Promise<void> {
  hs.close();
  redis.disconnect();
  await database.end();
  process.exit(0);
}

let sentinelTold: Promise<true> = new Promise(() => {});
process.on('message', (message: ToChild) => {
  const run = async (): Promise<void> => {
    if (message.type === 'go') {
      await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i, message.until, prng(Number(seedArg) * 31 + me * 7 + i))));
      const s = hs.stats();
      send({ type: 'log', writes, reads, stats: { nearHits: s.nearHits, nearMisses: s.nearMisses, nearInvalidations: s.nearInvalidations, nearFlushes: s.nearFlushes, writes: s.writes } });
    } else if (message.type === 'track') {
      await trackSentinel();
      const key = `:{${sentinelOf(me)}}`;
      sentinelTold = new Promise((resolve) => {
        onInvalidation = (invalidated) => invalidated.startsWith(prefix) && invalidated.includes('users@') && invalidated.endsWith(key) && resolve(true);
      });
      send({ type: 'tracked' });
    } else if (message.type === 'check') {
      // The parent's write of the sentinel has returned. Invalidations come in order on one connection: once that one is
      // told, every earlier change is. Not told within the bound (2 heartbeats; the guard under test switched off, say):
      // the rows are compared anyway.
      const drained = await Promise.race([sentinelTold, sleep(2 * heartbeatMs, false)]);
      send({ type: 'served', drained, ...(await serveAll()) });
    } else {
      await stop();
    }
  };
  run().catch((error: unknown) => {
    console.error(`child ${me}:`, error);
    process.exit(1);
  });
});
send({ type: 'ready' });
