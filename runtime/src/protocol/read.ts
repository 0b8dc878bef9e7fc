// Read path by identity (DESIGN §5): hit = one round trip; miss = lease, one Postgres read, fill only while the
// lease stands. Lookups by unique key are in read-unique.ts, getMany in read-many.ts; what they share (the Postgres
// read, the fill, the classification of a cached value) in fill.ts.
import { isWrongType } from '../redis/redis-io.js';
import { readRow } from '../redis/scripts.js';
import type { ContextState } from '../storage/context.js';
import type { StorageCore } from '../storage/core.js';
import type { RowKeys } from '../table/keys.js';
import type { CheckedKey, TableRuntime, Values } from '../table/table-runtime.js';
import { cachedValue, CORRUPT, fill, readWithoutFill, selectOne, TO_POSTGRES } from './fill.js';
import { getByUnique } from './read-unique.js';
import { nearLookupKeys, nearValue } from './near-reads.js';
import { readThrough, readUnderLease, type ReadThroughSteps } from './read-through.js';

type Row = Record<string, unknown>;

// The hit path is plain functions over one `.then`, not async functions: each async layer costs a promise and a
// microtask turn on every hit (bench/compare.ts measured the difference; runtime/README.md "Speed").
export function getBy(state: ContextState, rt: TableRuntime, { key, parts, rowKeys }: CheckedKey, values: Values): Promise<Row | null> {
  const { core, tx } = state;
  // Inside a transaction the cache holds committed rows only: read the transaction's own view.
  if (tx !== undefined) {
    tx.assertOpen();
    return selectOne(core, tx.db, rt, key, values);
  }
  if (rt.isIdentity(key)) return getByIdentity(core, rt, rowKeys ?? rt.keyspace.rowKeys(parts), values);
  return getByUnique(core, rt, key, parts, values);
}

function getByIdentity(core: StorageCore, rt: TableRuntime, keys: RowKeys, values: Values): Promise<Row | null> {
  // A row whose post-commit update failed is not trusted until it is invalidated.
  if (core.repairs.has(keys.row)) return readWithoutFill(core, rt, rt.info.identity, values);
  // The near-cache (option `nearCache`): the row held in this process's memory, kept coherent by Redis's tracking.
  const near = core.near === undefined ? undefined : nearLookupKeys(core, rt, keys);
  if (near !== undefined) return Promise.resolve(near);
  // Hit path: a plain GET of the row, as a hand-written cache sends. Every value the read-row script could return is
  // handled here as the loop below handles it; only a missing key (or one holding another type: GET fails with
  // WRONGTYPE) goes on to the script, which takes the lease. A hit costs no script, a miss one round trip more.
  return (core.near === undefined ? core.io.value(keys.row) : nearValue(core, rt, keys.row)).then(
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

/** A read by identity past its plain GET. */
interface ByIdentity {
  readonly core: StorageCore;
  readonly rt: TableRuntime;
  readonly keys: RowKeys;
  readonly values: Values;
}

/** The row read's steps in read-through.ts's loop: the read-row script, the row's classification, its fill. */
const BY_IDENTITY: ReadThroughSteps<ByIdentity, { kind: 'row'; value: string }, Row | null> = {
  read({ core, keys }, token, corrupt) {
    return core.io.run(readRow, { keys: [keys.row, keys.lease], argv: [token, core.options.leaseTtlMs, corrupt] });
  },
  serve(read, reply) {
    const served = cachedValue(read.core, read.rt, read.keys.row, reply.value);
    return served === TO_POSTGRES ? BY_IDENTITY.postgres(read) : served;
  },
  fill({ core, rt, keys, values }, token) {
    return fillFromDb(core, rt, keys, token, values);
  },
  postgres({ core, rt, values }) {
    return readWithoutFill(core, rt, rt.info.identity, values);
  },
};

/** The read-row script: the cached row, or the lease (then Postgres and the fill), or another reader's lease to wait for. */
function readThroughLease(core: StorageCore, rt: TableRuntime, keys: RowKeys, values: Values, corruptValue: string): Promise<Row | null> {
  return readThrough(core, BY_IDENTITY, { core, rt, keys, values }, { table: rt.info.display, keys }, corruptValue);
}

async function fillFromDb(core: StorageCore, rt: TableRuntime, keys: RowKeys, token: string, values: Values): Promise<Row | null> {
  const table = rt.info.display;
  core.emit('miss', table, keys.row);
  const row = await readUnderLease(core, { table, keys, token }, () => selectOne(core, core.db, rt, rt.info.identity, values));
  await core.options.hooks.afterDbRead?.({ table, key: keys.row, row });
  await fill(core, rt, [{ keys, token, row }]);
  return row;
}
