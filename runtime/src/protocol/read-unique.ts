// Lookup by a unique key. The pointer is a hint: the row it reaches must carry the queried values (invariant 3).
// On a miss one reader per value (the pointer's lease) reads Postgres by that key; the row it finds is then read
// again and filled under the row's own lease, which is what keeps the cache correct against concurrent writers.
import { isReaderLease } from '../redis/lease-values.js';
import type { StorageCore } from '../storage/core.js';
import { INVALID, OVERSIZED } from '../codecs/markers.js';
import { isWrongType } from '../redis/redis-io.js';
import { fill, readWithoutFill, selectOne } from './fill.js';
import { failLease, readPointer, readRow, releaseReaderLease, takeReaderLease, type ReadPointerReply } from '../redis/scripts.js';
import type { KeyColumns } from '../table/table-info.js';
import { nearHinted, nearValue } from './near-reads.js';
import type { TableRuntime, Values } from '../table/table-runtime.js';

type Row = Record<string, unknown>;

interface PointerLease {
  readonly key: string;
  readonly token: string;
}

export function getByUnique(core: StorageCore, rt: TableRuntime, key: KeyColumns, parts: readonly string[], values: Values): Promise<Row | null> {
  // Hit path: the row key this value's pointer named last time (in memory; a hint, like the pointer itself), then a
  // plain GET of that row. Served only when it decodes (current epoch) and carries the queried values (invariant 3);
  // any other value (missing, absent, invalid, oversized, corrupt, a row that moved) drops the hint and takes the
  // scripted path, which handles it and refreshes the hint. The repair queue is checked first, as on the scripted
  // path. Plain functions over one `.then`, as read.ts's hit path (an async layer costs a promise and a microtask turn
  // per hit); the pointer's key is built only off the hit path.
  const hints = hintsOf(key);
  const hint = hintOf(parts);
  const rowKey = core.io.cluster ? undefined : hints.get(hint);
  if (rowKey === undefined) return readByPointer(core, rt, key, parts, values, hints, hint);
  const mark = core.repairs.mark();
  if (core.repairs.has(rowKey)) {
    hints.delete(hint);
    return readByPointer(core, rt, key, parts, values, hints, hint);
  }
  // The near-cache: the hinted row in this process's memory, served when it carries the queried values (invariant 3).
  const near = core.near === undefined ? undefined : nearHinted(core, rt, rowKey, key, parts);
  if (near !== undefined) return Promise.resolve(near);
  // Inline arrows, as in read.ts: a named closure made per hit is also renamed per hit where the code runs through
  // esbuild with keepNames (tsx does that), an Object.defineProperty on every hit.
  return (core.near === undefined ? core.io.value(rowKey) : nearValue(core, rt, rowKey)).then(
    (value) => serveHinted(core, rt, key, parts, values, hints, hint, rowKey, mark, value),
    (error: unknown) => {
      if (isWrongType(error)) return serveHinted(core, rt, key, parts, values, hints, hint, rowKey, mark, null);
      // As when the scripted path fails: Postgres, no fill (not a second wait on a Redis that just failed).
      core.redisError(error, rt.info.display, rowKey);
      return readWithoutFill(core, rt, key, values);
    },
  );
}

/** The hinted row's value: served when it decodes and carries the queried values, else the scripted path. */
function serveHinted(
  core: StorageCore,
  rt: TableRuntime,
  key: KeyColumns,
  parts: readonly string[],
  values: Values,
  hints: Map<string, string>,
  hint: string,
  rowKey: string,
  mark: number,
  value: string | null,
): Row | null | Promise<Row | null> {
  if (core.repairs.untrusted(rowKey, mark)) return readWithoutFill(core, rt, key, values);
  const row = value === null || rt.codec.isAbsent(value) || value === INVALID || value === OVERSIZED ? undefined : rt.codec.decode(value);
  if (row !== undefined && rt.carries(row, key, parts)) {
    core.emit('hit', rt.info.display, rowKey);
    return row;
  }
  hints.delete(hint);
  return readByPointer(core, rt, key, parts, values, hints, hint);
}

/** The read-pointer script: the row the pointer names (re-checked), or the pointer's lease, or a lease to wait for. */
async function readByPointer(
  core: StorageCore,
  rt: TableRuntime,
  key: KeyColumns,
  parts: readonly string[],
  values: Values,
  hints: Map<string, string>,
  hint: string,
): Promise<Row | null> {
  const pointer = rt.keyspace.pointer(key.sqlNames, parts);
  const table = rt.info.display;
  const lease: PointerLease = { key: `${pointer}:lease`, token: core.token('reader') };
  let corrupt: { tag: string; value: string } | undefined;
  for (let attempt = 0; ; attempt++) {
    let found: ReadPointerReply;
    try {
      const mark = core.repairs.mark();
      found = await followPointer(core, rt, pointer, lease);
      if (found.kind === 'row') {
        if (core.repairs.untrusted(rt.keyspace.rowKeysForTag(found.tag).row, mark)) return readWithoutFill(core, rt, key, values);
        if (found.value === OVERSIZED) return readWithoutFill(core, rt, key, values);
        if (found.value === INVALID) core.emit('invalidRead', table, pointer);
        else if (!rt.codec.isAbsent(found.value)) {
          const row = rt.codec.decode(found.value);
          if (row === undefined) {
            core.emit('corrupt', table, pointer);
            corrupt = { tag: found.tag, value: found.value };
          } else if (rt.carries(row, key, parts)) {
            const rowKey = rt.keyspace.rowKeysForTag(found.tag).row;
            core.emit('hit', table, rowKey);
            remember(hints, hint, rowKey);
            return row;
          }
          // invariant 3: a row that no longer carries these values means a stale pointer: a miss, never that row.
        }
        found = await core.io.run(takeReaderLease, { keys: [lease.key], argv: [lease.token, core.options.leaseTtlMs] });
      }
    } catch (error) {
      core.redisError(error, table, pointer);
      return readWithoutFill(core, rt, key, values);
    }
    if (found.kind === 'lease') return uniqueMiss(core, rt, key, values, corrupt, lease);
    core.emit('leaseWait', table, pointer);
    // Wait only for another reader that will fill; a failed holder ('f') or the last try sends us to Postgres.
    if (!isReaderLease(found.lease) || attempt + 1 >= core.options.leaseWaitTries) return uniqueMiss(core, rt, key, values, corrupt, undefined);
    await core.options.wait(attempt + 1);
  }
}

/** A value of a unique key → the row key its pointer named, per key and process, bounded (oldest first out: a Map iterates in insertion order). */
const HINTS_PER_KEY = 10_000;
const hintsByKey = new WeakMap<KeyColumns, Map<string, string>>();

export function hintsOf(key: KeyColumns): Map<string, string> {
  let hints = hintsByKey.get(key);
  if (hints === undefined) {
    hints = new Map();
    hintsByKey.set(key, hints);
  }
  return hints;
}

/**
 * The hint map's key for a value of one unique key: its key part (distinct values, distinct texts); for a composite
 * key the parts concatenated behind the lengths of all but the last (the part count is fixed per key, so the lengths
 * say where each part ends). Shorter than the pointer's Redis key, and built without escaping or an array.
 */
export function hintOf(parts: readonly string[]): string {
  if (parts.length === 1) return parts[0] ?? '';
  let lengths = '';
  for (let i = 0; i < parts.length - 1; i++) lengths += `${(parts[i] ?? '').length}:`;
  return lengths + parts.join('');
}

export function remember(hints: Map<string, string>, hint: string, rowKey: string): void {
  hints.set(hint, rowKey);
  if (hints.size > HINTS_PER_KEY) {
    const oldest = hints.keys().next();
    if (oldest.done !== true) hints.delete(oldest.value);
  }
}

/** Single Redis: one script. Cluster (pointer and row in different slots): GET pointer, GET row, then the lease. */
async function followPointer(core: StorageCore, rt: TableRuntime, pointer: string, lease: PointerLease): Promise<ReadPointerReply> {
  const ttl = core.options.leaseTtlMs;
  if (!core.io.cluster) return core.io.run(readPointer, { keys: [pointer, lease.key], argv: [rt.keyspace.rowPrefix, lease.token, ttl] });
  const [tag] = await core.io.commands([['GET', pointer]]);
  if (typeof tag === 'string') {
    const [value] = await core.io.commands([['GET', rt.keyspace.rowKeysForTag(tag).row]]);
    if (typeof value === 'string') return { kind: 'row', tag, value };
  }
  return core.io.run(takeReaderLease, { keys: [lease.key], argv: [lease.token, ttl] });
}

/**
 * The row's identity is unknown until Postgres is asked by the unique key. The row is then filled by the identity
 * protocol: take the row's lease, read the row again by its identity (a writer that commits after this read has
 * overridden the lease, so the fill is refused), fill. Filling the first read instead would be wrong whenever a write
 * committed between that read and the lease and its cached row was evicted before the lease was taken.
 */
async function uniqueMiss(
  core: StorageCore,
  rt: TableRuntime,
  key: KeyColumns,
  values: Values,
  corrupt: { tag: string; value: string } | undefined,
  pointerLease: PointerLease | undefined,
): Promise<Row | null> {
  const table = rt.info.display;
  core.emit('miss', table);
  let row: Row | null;
  try {
    row = await selectOne(core, core.db, rt, key, values);
  } catch (error) {
    // Waiters on this value stop waiting at once and read Postgres themselves.
    if (pointerLease !== undefined) {
      await core.io.run(failLease, { keys: [pointerLease.key], argv: [pointerLease.token] }).catch((e: unknown) => core.redisError(e, table));
    }
    throw error;
  }
  try {
    if (row !== null) await fillByIdentity(core, rt, row, corrupt);
  } finally {
    if (pointerLease !== undefined) {
      await core.io.run(releaseReaderLease, { keys: [pointerLease.key], argv: [pointerLease.token] }).catch((e: unknown) => core.redisError(e, table));
    }
  }
  // The answer is the row that carried the values when we asked; the cache gets the row as read under the lease.
  return row;
}

async function fillByIdentity(core: StorageCore, rt: TableRuntime, found: Row, corrupt: { tag: string; value: string } | undefined): Promise<void> {
  const table = rt.info.display;
  const keys = rt.rowKeys(found);
  if (core.repairs.has(keys.row)) return;
  await core.options.hooks.afterUniqueRead?.({ table, key: keys.row, row: found });
  const token = core.token('reader');
  try {
    const reply = await core.io.run(readRow, {
      keys: [keys.row, keys.lease],
      argv: [token, core.options.leaseTtlMs, corrupt?.tag === keys.tag ? corrupt.value : ''],
    });
    if (reply.kind !== 'lease') return; // cached already, or another reader or a writer is at work on it
  } catch (error) {
    core.redisError(error, table, keys.row);
    return;
  }
  let row: Row | null;
  try {
    row = await selectOne(core, core.db, rt, rt.info.identity, found);
  } catch (error) {
    await core.io.run(failLease, { keys: [keys.lease], argv: [token] }).catch((e: unknown) => core.redisError(e, table, keys.row));
    throw error;
  }
  await core.options.hooks.afterDbRead?.({ table, key: keys.row, row });
  await fill(core, rt, [{ keys, token, row }]);
}
