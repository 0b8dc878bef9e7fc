// Read path (DESIGN §5): hit = one round trip; miss = lease, one Postgres read, fill only while the lease stands.
// Unique keys go through a pointer, which is a hint: the row it reaches must carry the queried values.
import type { ContextState } from './context.js';
import type { StorageCore } from './core.js';
import { ABSENT, INVALID } from './markers.js';
import type { Database } from './options.js';
import { fillRow, readPointer, readRow, failLease, releaseReaderLease, type ReadRowReply } from './scripts/scripts.js';
import type { RowKeys } from './keys.js';
import type { KeyColumns } from './table-info.js';
import { writeClusterPointers } from './cluster-pointers.js';
import type { TableRuntime, Values } from './table-runtime.js';

type Row = Record<string, unknown>;

export async function selectOne(core: StorageCore, db: Database, rt: TableRuntime, key: KeyColumns, values: Values): Promise<Row | null> {
  const rows: Row[] = await core.query(() => db.select().from(rt.table).where(rt.where(key, values)).limit(1));
  return rows[0] ?? null;
}

export async function getBy(state: ContextState, rt: TableRuntime, columns: readonly string[], values: Values): Promise<Row | null> {
  const { core, tx } = state;
  const key = rt.keyNamed(columns);
  const parts = rt.keyParts(key, values);
  // Inside a transaction the cache holds committed rows only: read the transaction's own view.
  tx?.assertOpen();
  if (tx !== undefined) return selectOne(core, tx.db, rt, key, values);
  if (rt.isIdentity(key)) return getByIdentity(core, rt, rt.keyspace.rowKeys(parts), values);
  return getByUnique(core, rt, key, parts, values);
}

async function getByIdentity(core: StorageCore, rt: TableRuntime, keys: RowKeys, values: Values): Promise<Row | null> {
  const table = rt.info.display;
  const identity = rt.info.identity;
  // A row whose post-commit update failed is not trusted until it is invalidated.
  if (core.repairs.has(keys.row)) return readWithoutFill(core, rt, identity, values);
  const token = core.token('r');
  let corrupt = '';
  for (let attempt = 0; ; attempt++) {
    let reply: ReadRowReply;
    try {
      reply = await core.io.run(readRow, { keys: [keys.row, keys.lease], argv: [token, core.options.leaseTtlMs, corrupt] });
    } catch (error) {
      core.redisError(error, table, keys.row);
      return readWithoutFill(core, rt, identity, values);
    }
    if (reply.kind === 'row') {
      if (reply.value === ABSENT) {
        core.emit('hit', table, keys.row);
        core.emit('tombstoneHit', table, keys.row);
        return null;
      }
      if (reply.value === INVALID) {
        core.emit('invalidRead', table, keys.row);
        return readWithoutFill(core, rt, identity, values);
      }
      const row = rt.codec.decode(reply.value);
      if (row !== undefined) {
        core.emit('hit', table, keys.row);
        return row;
      }
      // Corrupt or foreign: the next read-row deletes exactly this value and leases the row, so the fill repairs it.
      core.emit('corrupt', table, keys.row);
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

async function readWithoutFill(core: StorageCore, rt: TableRuntime, key: KeyColumns, values: Values): Promise<Row | null> {
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
    const value = row === null ? ABSENT : rt.codec.encode(row);
    const ttl = row === null ? options.tombstoneTtlMs : options.rowTtlMs;
    const pointers = row === null || io.cluster ? [] : rt.pointersOf(row);
    return { keys: [keys.row, keys.index, keys.lease], argv: [token, row === null ? 'absent' : 'row', value, ttl, keys.tag, io.cluster ? '' : rt.keyspace.all, ...pointers] };
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

async function getByUnique(core: StorageCore, rt: TableRuntime, key: KeyColumns, parts: readonly string[], values: Values): Promise<Row | null> {
  const table = rt.info.display;
  const pointer = rt.keyspace.pointer(key.sqlNames, parts);
  let corrupt: { tag: string; value: string } | undefined;
  try {
    const found = await followPointer(core, rt, pointer);
    if (found.tag !== undefined && found.value !== undefined && !core.repairs.has(rt.keyspace.rowKeysForTag(found.tag).row)) {
      if (found.value === INVALID) core.emit('invalidRead', table, pointer);
      else if (found.value !== ABSENT) {
        const row = rt.codec.decode(found.value);
        if (row === undefined) {
          core.emit('corrupt', table, pointer);
          corrupt = { tag: found.tag, value: found.value };
        } else if (rt.carries(row, key, parts)) {
          core.emit('hit', table, pointer);
          return row;
        }
        // invariant 3: a row that no longer carries these values means a stale pointer: a miss, never that row.
      }
    }
  } catch (error) {
    core.redisError(error, table, pointer);
    return readWithoutFill(core, rt, key, values);
  }
  return uniqueMiss(core, rt, key, values, corrupt);
}

/** One round trip on a single Redis (the script follows the pointer); two on a Cluster, where the pointer and the row live in different slots. */
async function followPointer(core: StorageCore, rt: TableRuntime, pointer: string): Promise<{ tag: string | undefined; value: string | undefined }> {
  if (!core.io.cluster) return core.io.run(readPointer, { keys: [pointer], argv: [rt.keyspace.rowPrefix] });
  const [tag] = await core.io.commands([['GET', pointer]]);
  if (typeof tag !== 'string') return { tag: undefined, value: undefined };
  const [value] = await core.io.commands([['GET', rt.keyspace.rowKeysForTag(tag).row]]);
  return { tag, value: typeof value === 'string' ? value : undefined };
}

/**
 * The row is found in Postgres by the unique key first (its identity is unknown until then), then leased and filled
 * only if nothing is cached there: any writer that committed after our read took the lease before its commit and
 * left its own row or a marker, which the fill never overwrites. A read older than the lease ttl is not filled.
 */
async function uniqueMiss(core: StorageCore, rt: TableRuntime, key: KeyColumns, values: Values, corrupt: { tag: string; value: string } | undefined): Promise<Row | null> {
  const table = rt.info.display;
  const started = Date.now();
  core.emit('miss', table);
  const row = await selectOne(core, core.db, rt, key, values);
  if (row === null) return null;
  const keys = rt.rowKeys(row);
  if (core.repairs.has(keys.row)) return row;
  const token = core.token('r');
  try {
    const reply = await core.io.run(readRow, {
      keys: [keys.row, keys.lease],
      argv: [token, core.options.leaseTtlMs, corrupt?.tag === keys.tag ? corrupt.value : ''],
    });
    if (reply.kind !== 'lease') return row;
  } catch (error) {
    core.redisError(error, table, keys.row);
    return row;
  }
  await core.options.hooks.afterDbRead?.({ table, key: keys.row, row });
  if (Date.now() - started < core.options.leaseTtlMs) await fill(core, rt, [{ keys, token, row }]);
  else {
    // Too old to trust against tombstones that may have expired since: give the lease back, fill nothing.
    await core.io.run(releaseReaderLease, { keys: [keys.lease], argv: [token] }).catch((e: unknown) => core.redisError(e, table, keys.row));
  }
  return row;
}
