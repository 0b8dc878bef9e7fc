// The cases of issue 5, by name. Timed cases are one operation each (run by measure.ts at each concurrency);
// value cases measure one figure. Operation number n maps to a row through `idOf`, a bijection of 0…ROWS-1 that
// scatters neighbours, so operations in flight together touch different rows and reads are spread over the table.
import { eq, inArray, sql as drizzleSql } from 'drizzle-orm';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHotStorage } from '@hotstorage/runtime';
import { rowCodecFor } from '../../runtime/src/codecs/row-codec.js';
import { buildTableRuntime } from '../../runtime/src/table/table-runtime.js';
import { benchPosts, benchRows } from '../db/schema.js';
import * as hot from '../hot/index.js';
import type { Operation } from './measure.js';
import { ROWS, rowOf, THREADS, type BenchRow, type World } from './world.js';

const { benchRows: rows, benchPosts: posts } = hot;

export interface TimedCase {
  readonly kind: 'timed';
  readonly name: string;
  readonly op: Operation;
  /** Run before each measurement (e.g. evict every row so each operation misses; install triggers). */
  readonly before?: () => Promise<void>;
  /** Run after each measurement (e.g. drop the triggers again, so the cases around it run without them). */
  readonly after?: () => Promise<void>;
  /** Each operation must use a row of its own: at most this many operations per concurrency level, one round. */
  readonly maxOps?: number;
  readonly skipped?: string;
}

export interface ValueCase {
  readonly kind: 'value';
  readonly name: string;
  readonly unit: string;
  readonly run: () => Promise<{ value: number; detail?: Record<string, unknown> }>;
  readonly skipped?: string;
}

export type Case = TimedCase | ValueCase;

const STRIDE = 7919; // prime, coprime to ROWS

export function idOf(n: number): number {
  return ((n * STRIDE) % ROWS) + 1;
}

function idsOf(n: number, count: number): number[] {
  return Array.from({ length: count }, (_, j) => idOf(n * count + j));
}

export interface TriggerSql {
  readonly install: string;
  readonly drop: string;
}

/**
 * The change-feed SQL for the bench table exactly as `hotstorage triggers` prints it (the real CLI), with the outbox in
 * a schema of the bench's own (dropped at the end). A reason instead when the command is not there.
 */
export function triggerSql(world: World): TriggerSql | string {
  const cli = fileURLToPath(new URL('../../bin/hotstorage.js', import.meta.url));
  const config = fileURLToPath(new URL('../hotstorage.config.ts', import.meta.url));
  if (!existsSync(fileURLToPath(new URL('../../generator/triggers.ts', import.meta.url)))) return 'the out-of-band triggers (generator/triggers.ts) are not on main yet';
  const print = (extra: string[]) => {
    const result = spawnSync(process.execPath, [cli, 'triggers', '--config', config, '--outbox-schema', world.outboxSchema, ...extra], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`hotstorage triggers ${extra.join(' ')} exited ${result.status}: ${result.stderr}`);
    return result.stdout;
  };
  return { install: print([]), drop: print(['--drop']) };
}

/** Every column but the identity: what an upsert sets, as hotstorage's save does. */
function setOf(row: BenchRow): Omit<BenchRow, 'id'> {
  const { id: _id, ...set } = row;
  return set;
}

/** Row n's values as a save rewrites them: same keys, changed payload. */
export function changed(n: number): BenchRow {
  const id = idOf(n);
  return { ...rowOf(id), name: `User number ${id} (rev ${n})`, balanceCents: n % 1_000_000 };
}

export function readCases(world: World): Case[] {
  const { hs, db, redis, codec } = world;
  // The floor reads the exact key hotstorage wrote, built in advance: a hand-written cache would use a constant prefix.
  const rowKeys = Array.from({ length: ROWS + 1 }, (_, id) => (id === 0 ? '' : world.rt.rowKeys({ id }).row));
  const decoded = (text: string | null) => {
    if (text === null) throw new Error('redis.get: the row is not in Redis (warm-up did not fill it)');
    return codec.decode(text);
  };
  const emails = Array.from({ length: ROWS + 1 }, (_, id) => rowOf(Math.max(1, id)).email);
  const composites = Array.from({ length: ROWS + 1 }, (_, id) => {
    const row = rowOf(Math.max(1, id));
    return { tenantId: row.tenantId, slug: row.slug };
  });
  const prepared = db.select().from(benchRows).where(eq(benchRows.id, drizzleSql.placeholder('id'))).prepare('bench_select_by_pk');
  // Lists: the floor reads the list key hotstorage wrote and the rows it names, as a hand-written cache of id lists would.
  const postsRt = buildTableRuntime({ table: benchPosts, spec: { primaryKey: ['id'], uniqueKeys: [], identity: ['id'], lists: [['threadId']] }, prefix: world.prefix, codec: rowCodecFor(benchPosts) });
  const byThread = postsRt.info.lists[0];
  const threadOf = (n: number) => (idOf(n) % THREADS) + 1;
  const listKeys = Array.from({ length: THREADS + 1 }, (_, t) => (t === 0 || byThread === undefined ? '' : (postsRt.listKeys(byThread, { threadId: t })?.row ?? '')));
  const postKeys = Array.from({ length: ROWS + 1 }, (_, id) => (id === 0 ? '' : postsRt.rowKeys({ id }).row));
  const postCodec = rowCodecFor(benchPosts);
  const listFloor = async (n: number) => {
    const list = await redis.get(listKeys[threadOf(n)] ?? '');
    if (list === null || !list.startsWith('K')) throw new Error('redis.get+mget20: the list is not in Redis (warm-up did not fill it)');
    // `K<tags>\n<JSON identities>` (runtime/src/protocol/list-value.ts): a hand-written cache would keep the ids alone.
    const members = JSON.parse(list.slice(list.indexOf('\n') + 1)) as number[];
    return (await redis.mget(members.map((id) => postKeys[id] ?? ''))).map((text) => (text === null ? null : postCodec.decode(text)));
  };
  return [
    { kind: 'timed', name: 'redis.get', op: async (n) => decoded(await redis.get(rowKeys[idOf(n)] ?? '')) },
    {
      kind: 'timed',
      name: 'redis.mget100',
      op: async (n) => (await redis.mget(idsOf(n, 100).map((id) => rowKeys[id] ?? ''))).map(decoded),
    },
    { kind: 'timed', name: 'hs.getByPk', op: (n) => rows.getByPk(hs, idOf(n)) },
    { kind: 'timed', name: 'hs.getByUnique', op: (n) => rows.getByEmail(hs, emails[idOf(n)] ?? '') },
    { kind: 'timed', name: 'hs.getByComposite', op: (n) => rows.getByTenantIdAndSlug(hs, composites[idOf(n)] ?? { tenantId: 0, slug: '' }) },
    { kind: 'timed', name: 'hs.getManyByPk100', op: (n) => rows.getManyByPk(hs, idsOf(n, 100)) },
    { kind: 'timed', name: 'drizzle.selectByPk', op: (n) => db.select().from(benchRows).where(eq(benchRows.id, idOf(n))) },
    {
      kind: 'timed',
      name: 'drizzle.selectByUnique',
      op: (n) => db.select().from(benchRows).where(eq(benchRows.email, emails[idOf(n)] ?? '')),
    },
    { kind: 'timed', name: 'drizzle.inArray100', op: (n) => db.select().from(benchRows).where(inArray(benchRows.id, idsOf(n, 100))) },
    { kind: 'timed', name: 'drizzle.preparedByPk', op: (n) => prepared.execute({ id: idOf(n) }) },
    { kind: 'timed', name: 'pg.selectByPk', op: (n) => world.sql`select * from ${world.sql(world.schema)}.bench_rows where id = ${idOf(n)}` },
    { kind: 'timed', name: 'redis.get+mget20', op: listFloor },
    { kind: 'timed', name: 'hs.listByFk', op: (n) => posts.listByThreadId(hs, threadOf(n)) },
    {
      kind: 'timed',
      name: 'drizzle.selectWhereFk',
      op: (n) => db.select().from(benchPosts).where(eq(benchPosts.threadId, threadOf(n))).orderBy(benchPosts.id).limit(100),
    },
    { kind: 'timed', name: 'hs.getManyByUnique100', op: (n) => rows.getManyByEmail(hs, idsOf(n, 100).map((id) => emails[id] ?? '')) },
  ];
}

/** Figures read from the warm cache: memory per row, and how many queries a stampede on one key costs. */
export function cacheCases(world: World): Case[] {
  return [
    { kind: 'value', name: 'memory.bytesPerRow', unit: 'B', run: () => memoryPerRow(world) },
    { kind: 'value', name: 'memory.jsonBytesPerRow', unit: 'B', run: () => jsonPerRow(world) },
    { kind: 'value', name: 'stampede.queries', unit: 'queries', run: () => stampede(world) },
  ];
}

export function writeCases(world: World, triggers: TriggerSql | string): Case[] {
  const { hs, db } = world;
  const admin = world.admin.sql;
  const upsert = (row: BenchRow) =>
    db.insert(benchRows).values(row).onConflictDoUpdate({ target: benchRows.id, set: setOf(row) }).returning();
  return [
    {
      kind: 'timed',
      name: 'hs.missFill',
      before: () => evictRows(world),
      maxOps: ROWS,
      op: async (n) => {
        if ((await rows.getByPk(hs, idOf(n))) === null) throw new Error('hs.missFill: a seeded row was not found');
      },
    },
    { kind: 'timed', name: 'hs.save', op: (n) => rows.save(hs, changed(n)) },
    {
      kind: 'timed',
      name: 'hs.removeInsert',
      op: async (n) => {
        const id = idOf(n);
        await rows.remove(hs, id);
        await rows.save(hs, rowOf(id));
      },
    },
    { kind: 'timed', name: 'drizzle.upsert', op: (n) => upsert(changed(n)) },
    // With the triggers installed this is the same statement as drizzle.upsert; the ratio is what they add.
    typeof triggers === 'string'
      ? { kind: 'timed', name: 'drizzle.updateWithTriggers', op: (n) => upsert(changed(n)), skipped: triggers }
      : {
          kind: 'timed',
          name: 'drizzle.updateWithTriggers',
          op: (n) => upsert(changed(n)),
          before: () => admin.unsafe(triggers.install).then(() => undefined),
          after: () => admin.unsafe(triggers.drop).then(() => undefined),
        },
    typeof triggers === 'string'
      ? { kind: 'value', name: 'hitRatio.afterSaves', unit: 'ratio', run: () => Promise.reject(new Error(triggers)), skipped: triggers }
      : { kind: 'value', name: 'hitRatio.afterSaves', unit: 'ratio', run: () => hitRatioAfterSaves(world, triggers) },
  ];
}

/** Deletes every cached row (not pointers): the next read of each row misses. */
async function evictRows(world: World): Promise<void> {
  for (let from = 1; from <= ROWS; from += 1000) {
    const keys = Array.from({ length: Math.min(1000, ROWS - from + 1) }, (_, i) => world.rt.rowKeys({ id: from + i }).row);
    await world.admin.redis.unlink(...keys);
  }
}

const MEMORY_SAMPLE = 1000;

/**
 * Redis MEMORY USAGE of what one cached row costs: the row and its unique pointers (runtime/README.md "Keys": there is
 * no other per-row or per-table key), over a sample of rows.
 */
async function memoryPerRow(world: World): Promise<{ value: number; detail: Record<string, unknown> }> {
  const redis = world.admin.redis;
  const usage = async (key: string) => {
    const bytes = await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
    if (typeof bytes !== 'number') throw new Error(`memory.bytesPerRow: ${key} is not in Redis`);
    return bytes;
  };
  let row = 0;
  let pointers = 0;
  for (let n = 0; n < MEMORY_SAMPLE; n++) {
    const id = idOf(n);
    const keys = world.rt.rowKeys({ id });
    row += await usage(keys.row);
    for (const pointer of world.rt.pointersOf(rowOf(id))) {
      if ((await redis.get(pointer)) !== keys.tag) throw new Error(`memory.bytesPerRow: ${pointer} does not name ${keys.row}`);
      pointers += await usage(pointer);
    }
  }
  const per = (total: number) => Math.round(total / MEMORY_SAMPLE);
  const detail = { row: per(row), pointers: per(pointers), sampledRows: MEMORY_SAMPLE };
  return { value: per(row) + per(pointers), detail };
}

/** UTF-8 bytes of JSON.stringify of the row as Drizzle returns it, over the same sample. */
async function jsonPerRow(world: World): Promise<{ value: number }> {
  const ids = Array.from({ length: MEMORY_SAMPLE }, (_, n) => idOf(n));
  const found = await world.db.select().from(benchRows).where(inArray(benchRows.id, ids));
  const bytes = found.reduce((sum, row) => sum + Buffer.byteLength(JSON.stringify(row)), 0);
  return { value: Math.round(bytes / found.length) };
}

const STAMPEDE_READERS = 100;
const STAMPEDE_TRIALS = 5;

/** 100 concurrent getByPk of one evicted row; Postgres statements counted by postgres.js's debug hook. Worst of 5. */
async function stampede(world: World): Promise<{ value: number; detail: Record<string, unknown> }> {
  const trials: number[] = [];
  for (let trial = 0; trial < STAMPEDE_TRIALS; trial++) {
    const id = idOf(ROWS - 1 - trial);
    const keys = world.rt.rowKeys({ id });
    await world.admin.redis.unlink(keys.row, keys.lease);
    const before = world.queries();
    const found = await Promise.all(Array.from({ length: STAMPEDE_READERS }, () => rows.getByPk(world.hs, id)));
    trials.push(world.queries() - before);
    if (found.some((row) => row?.id !== id)) throw new Error('stampede: a reader did not get the row');
  }
  return { value: Math.max(...trials), detail: { readers: STAMPEDE_READERS, trials } };
}

const SAVES = 1000;
const SAVE_CONCURRENCY = 64;

/**
 * With the change feed installed and a listener running (a storage created after the install, so it detects the feed
 * and names its writes), 1,000 saves through hotstorage, the outbox drained, then one getByPk of each saved row:
 * the share served from Redis. The triggers are dropped again afterwards.
 */
async function hitRatioAfterSaves(world: World, triggers: TriggerSql): Promise<{ value: number; detail: Record<string, unknown> }> {
  await world.admin.sql.unsafe(triggers.install);
  const hs = await createHotStorage({ db: world.db, redis: world.redis, prefix: world.prefix, outboxSchema: world.outboxSchema, tables: hot });
  try {
    const listener = await hs.listen({ pollIntervalMs: 200 });
    try {
      let next = 0;
      await Promise.all(
        Array.from({ length: SAVE_CONCURRENCY }, async () => {
          for (let n = next++; n < SAVES; n = next++) await rows.save(hs, changed(n));
        }),
      );
      const drainedAt = performance.now();
      const outbox = async () => Number((await world.admin.sql.unsafe<{ n: string }[]>(`select count(*)::text as n from "${world.outboxSchema}".outbox`))[0]?.n);
      while ((await outbox()) > 0) {
        if (performance.now() - drainedAt > 30_000) throw new Error('the listener did not drain the outbox within 30 s');
        await listener.drain();
      }
      const before = hs.stats();
      for (let n = 0; n < SAVES; n++) await rows.getByPk(hs, idOf(n));
      const after = hs.stats();
      const hits = after.hits - before.hits;
      const misses = after.misses - before.misses;
      return {
        value: Math.round((hits / (hits + misses)) * 10_000) / 10_000,
        detail: { saves: SAVES, hits, misses, outboxSkips: after.outboxSkips, outboxInvalidations: after.outboxInvalidations, changeFeed: true },
      };
    } finally {
      await listener.stop();
    }
  } finally {
    hs.close();
    await world.admin.sql.unsafe(triggers.drop);
  }
}
