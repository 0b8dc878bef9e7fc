// Read path by identity (DESIGN §5): hit = one round trip; miss = lease, one Postgres read, fill only while the
// lease stands. Lookups by unique key are in read-unique.ts; getMany in read-many.ts.
import type { CheckedKey } from './arguments.js';
import type { ContextState } from './context.js';
import type { StorageCore } from './core.js';
import { INVALID, OVERSIZED } from './markers.js';
import { storedValue } from './stored-value.js';
import type { Database } from './options.js';
import { fillRow, readRow, failLease, type ReadRowReply } from './scripts/scripts.js';
import { getByUnique } from './read-unique.js';
import type { RowKeys } from './keys.js';
import type { KeyColumns } from './table-info.js';
import { writeClusterPointers } from './cluster-pointers.js';
import { isWrongType } from './redis-io.js';
import type { TableRuntime, Values } from './table-runtime.js';

type Row = Record<string, unknown>;

export async function selectOne(core: StorageCore, db: Database, rt: TableRuntime, key: KeyColumns, values: Values): Promise<Row | null> {
  const rows: Row[] = await core.query(() => db.select().from(rt.table).where(rt.where(key, values)).limit(1));
  return rows[0] ?? null;
}

// The hit path is plain functions over one `.then`, not async functions: each async layer costs a promise and a
// microtask turn on every hit (bench/compare.ts measured the difference; runtime/README.md "Speed").
export function getBy(state: ContextState, rt: TableRuntime, { key, parts }: CheckedKey, values: Values): Promise<Row | null> {
  const { core, tx } = state;
  // Inside a transaction the cache holds committed rows only: read the transaction's own view.
  if (tx !== undefined) {
    tx.assertOpen();
    return selectOne(core, tx.db, rt, key, values);
  }
  if (rt.isIdentity(key)) return getByIdentity(core, rt, rt.keyspace.rowKeys(parts), values);
  return getByUnique(core, rt, key, parts, values);
}

function getByIdentity(core: StorageCore, rt: TableRuntime, keys: RowKeys, values: Values): Promise<Row | null> {
  // A row whose post-commit update failed is not trusted until it is invalidated.
  if (core.repairs.has(keys.row)) return readWithoutFill(core, rt, rt.info.identity, values);
  // Hit path: a plain GET of the row, as a hand-written cache sends. Every value the read-row script could return is
  // handled here as the loop below handles it; only a missing key (or one holding another type: GET fails with
  // WRONGTYPE) goes on to the script, which takes the lease. A hit costs no script, a miss one round trip more.
  return core.io.value(keys.row).then(
    (first) => servePlain(core, rt, keys, values, first),
    (error: unknown) => {
      if (isWrongType(error)) return servePlain(core, rt, keys, values, null);
      core.redisError(error, rt.info.display, keys.row);
      return readWithoutFill(core, rt, rt.info.identity, values);
    },
  );
}

function servePlain(core: StorageCore, rt: TableRuntime, keys: RowKeys, values: Values, first: string | null): Row | null | Promise<Row | null> {
  if (first === null) return readThroughLease(core, rt, keys, values, '');
  const served = cachedValue(core, rt, keys.row, first);
  if (served === TO_POSTGRES) return readWithoutFill(core, rt, rt.info.identity, values);
  // Corrupt, foreign or of an older epoch: the read-row below deletes exactly this value and leases the row.
  return served === CORRUPT ? readThroughLease(core, rt, keys, values, first) : served;
}

/** A cached value a read does not serve, but reads Postgres for without a fill: the oversized or invalid marker. */
export const TO_POSTGRES = Symbol('to Postgres');
/** A cached value that cannot be decoded (corrupt, foreign, an older epoch): replaced through the read-row script. */
export const CORRUPT = Symbol('corrupt');

/**
 * What a value cached under a row key gives a read by identity, counted as such: the row, a cached absence (null),
 * TO_POSTGRES or CORRUPT. One classification for the GET and MGET hit paths and the read-row script's replies, single and many.
 */
export function cachedValue(core: StorageCore, rt: TableRuntime, rowKey: string, value: string): Row | null | typeof TO_POSTGRES | typeof CORRUPT {
  const table = rt.info.display;
  if (rt.codec.isAbsent(value)) {
    core.emit('hit', table, rowKey);
    core.emit('tombstoneHit', table, rowKey);
    return null;
  }
  if (value === OVERSIZED) return TO_POSTGRES;
  if (value === INVALID) {
    core.emit('invalidRead', table, rowKey);
    return TO_POSTGRES;
  }
  const row = rt.codec.decode(value);
  if (row !== undefined) {
    core.emit('hit', table, rowKey);
    return row;
  }
  core.emit('corrupt', table, rowKey);
  return CORRUPT;
}

/** The read-row script: the cached row, or the lease (then Postgres and the fill), or another reader's lease to wait for. */
async function readThroughLease(core: StorageCore, rt: TableRuntime, keys: RowKeys, values: Values, corruptValue: string): Promise<Row | null> {
  const table = rt.info.display;
  const identity = rt.info.identity;
  let corrupt = corruptValue;
  const token = core.token('r');
  for (let attempt = 0; ; attempt++) {
    let reply: ReadRowReply;
    try {
      reply = await core.io.run(readRow, { keys: [keys.row, keys.lease], argv: [token, core.options.leaseTtlMs, corrupt] });
    } catch (error) {
      core.redisError(error, table, keys.row);
      return readWithoutFill(core, rt, identity, values);
    }
    if (reply.kind === 'row') {
      const served = cachedValue(core, rt, keys.row, reply.value);
      if (served === TO_POSTGRES) return readWithoutFill(core, rt, identity, values);
      if (served !== CORRUPT) return served;
      // Corrupt or foreign: the next read-row deletes exactly this value and leases the row, so the fill repairs it.
      if (corrupt === reply.value) return readWithoutFill(core, rt, identity, values);
      corrupt = reply.value;
      continue;
    }
    if (reply.kind === 'lease') return fillFromDb(core, rt, keys, token, values);
    core.emit('leaseWait', table, keys.row);
    // Only another reader's lease is worth waiting for: a writer's ('w') will not fill, a failed one ('f')
    // means its holder's query failed, and after the last try we stop waiting.
    if (!reply.lease.startsWith('r:') || attempt + 1 >= core.options.leaseWaitTries) {
      return readWithoutFill(core, rt, identity, values);
    }
    await core.options.wait(attempt + 1);
  }
}

export async function readWithoutFill(core: StorageCore, rt: TableRuntime, key: KeyColumns, values: Values): Promise<Row | null> {
  core.emit('miss', rt.info.display);
  return selectOne(core, core.db, rt, key, values);
}

async function fillFromDb(core: StorageCore, rt: TableRuntime, keys: RowKeys, token: string, values: Values): Promise<Row | null> {
  const table = rt.info.display;
  core.emit('miss', table, keys.row);
  let row: Row | null;
  try {
    await core.options.hooks.afterLease?.({ table, key: keys.row });
    row = await selectOne(core, core.db, rt, rt.info.identity, values);
  } catch (error) {
    // Waiters stop waiting at once and read Postgres themselves.
    await core.io.run(failLease, { keys: [keys.lease], argv: [token] }).catch((e: unknown) => core.redisError(e, table, keys.row));
    throw error;
  }
  await core.options.hooks.afterDbRead?.({ table, key: keys.row, row });
  await fill(core, rt, [{ keys, token, row }]);
  return row;
}

interface PendingFill {
  readonly keys: RowKeys;
  readonly token: string;
  readonly row: Row | null;
}

/** Fills rows read from Postgres under our leases, in one round trip. */
export async function fill(core: StorageCore, rt: TableRuntime, fills: readonly PendingFill[]): Promise<void> {
  if (fills.length === 0) return;
  const table = rt.info.display;
  const { options, io } = core;
  const calls = fills.map(({ keys, token, row }) => {
    const value = row === null ? rt.codec.absent() : storedValue(core, rt, keys.row, row);
    const ttl = row === null ? options.tombstoneTtlMs : options.rowTtlMs;
    const pointers = row === null || io.cluster ? [] : rt.pointersOf(row);
    return { keys: [keys.row, keys.lease], argv: [token, value, ttl, keys.tag, ...pointers] };
  });
  try {
    if (!options.guard) {
      // Test-only switch: make every lease ours and clear the row, so the script's checks always pass.
      await io.commands(fills.flatMap(({ keys, token }) => [['SET', keys.lease, token, 'PX', options.leaseTtlMs] as const, ['DEL', keys.row] as const]));
    }
    const results = await io.runMany(fillRow, calls);
    const filled: { rt: TableRuntime; keys: RowKeys; row: Row | null }[] = [];
    results.forEach((result, i) => {
      const pending = fills[i];
      if (pending === undefined) return;
      if (result instanceof Error) core.redisError(result, table, pending.keys.row);
      else core.emit(result ? 'fill' : 'fillRefused', table, pending.keys.row);
      if (result === true) filled.push({ rt, keys: pending.keys, row: pending.row });
    });
    if (io.cluster) await writeClusterPointers(core, filled);
  } catch (error) {
    core.redisError(error, table);
  }
}
