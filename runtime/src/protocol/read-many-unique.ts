// getManyBy<Unique>: rows by a unique key in input order, null where absent. On a single Redis the rows this process
// last found each value's pointer naming (read-unique.ts's hints) are read with one MGET, and one script follows the
// other pointers to their rows (one round trip when all hit); each row is served only if it decodes and carries the queried
// values (invariant 3). Everything else (no pointer, a missing or moved row, a value queued for repair) takes the
// per-value lookup of read-unique.ts, which leases, reads Postgres and fills. A Cluster takes that path for all
// (pointers and rows live in other slots; auto-pipelining groups the lookups per node). By identity it is getMany.
import { nearHinted, nearValues } from './near-reads.js';
import { readPointers } from '../redis/scripts.js';
import type { ContextState } from '../storage/context.js';
import type { StorageCore } from '../storage/core.js';
import type { CheckedKey, TableRuntime, Values } from '../table/table-runtime.js';
import { cachedValue, CORRUPT, selectOne, TO_POSTGRES } from './fill.js';
import { getManyByIdentity } from './read-many.js';
import { getByUnique, hintOf, hintsOf, remember } from './read-unique.js';

type Row = Record<string, unknown>;

export async function getManyByUnique(state: ContextState, rt: TableRuntime, checked: readonly CheckedKey[], valuesList: readonly Values[]): Promise<(Row | null)[]> {
  const { core, tx } = state;
  const key = checked[0]?.key;
  if (key === undefined) return [];
  if (rt.isIdentity(key)) return getManyByIdentity(state, rt, valuesList);
  if (tx !== undefined) {
    tx.assertOpen();
    return Promise.all(valuesList.map((values) => selectOne(core, tx.db, rt, key, values)));
  }
  const found: (Row | null | undefined)[] = valuesList.map(() => undefined);
  if (!core.io.cluster) {
    // The rows this process last saw each value's pointer name (read-unique.ts's hints): one MGET, each row re-checked.
    await readHinted(core, rt, checked, found);
    const rest = checked.flatMap((one, i) => (found[i] === undefined ? [i] : []));
    if (rest.length > 0) await followPointers(core, rt, rest.map((i) => checked[i] as CheckedKey), found, rest);
  }
  // A full hit answers as it is: Promise.all over plain values would still make a promise and a microtask turn for each.
  if (!found.includes(undefined)) return found as (Row | null)[];
  return Promise.all(
    found.map((row, i) => {
      const one = checked[i];
      const values = valuesList[i];
      if (row !== undefined || one === undefined || values === undefined) return row ?? null;
      return getByUnique(core, rt, one.key, one.parts, values);
    }),
  );
}

/** One MGET of the hinted rows: serves those that decode and carry their values; drops the other hints. */
async function readHinted(core: StorageCore, rt: TableRuntime, checked: readonly CheckedKey[], found: (Row | null | undefined)[]): Promise<void> {
  const key = checked[0]?.key;
  if (key === undefined) return;
  const hints = hintsOf(key);
  const wanted: { i: number; hint: string; rowKey: string }[] = [];
  checked.forEach((one, i) => {
    const hint = hintOf(one.parts);
    const rowKey = hints.get(hint);
    if (rowKey !== undefined && !core.repairs.has(rowKey)) wanted.push({ i, hint, rowKey });
  });
  if (wanted.length === 0) return;
  // The near-cache (option `nearCache`): hinted rows held in memory are served when they carry their values (as
  // read-unique.ts does); the MGET reads the rest on its tracking connection.
  const toRead = core.near === undefined ? wanted : wanted.filter(({ i, rowKey }) => {
    const one = checked[i];
    const held = one === undefined ? undefined : nearHinted(core, rt, rowKey, one.key, one.parts);
    if (held === undefined) return true;
    found[i] = held;
    return false;
  });
  if (toRead.length === 0) return;
  const mark = core.repairs.mark();
  let values: (string | null)[];
  try {
    values = await nearValues(core, rt, toRead.map((w) => w.rowKey));
  } catch (error) {
    core.redisError(error, rt.info.display);
    return;
  }
  toRead.forEach(({ i, hint, rowKey }, n) => {
    const value = values[n] ?? null;
    const one = checked[i];
    if (one === undefined || value === null || core.repairs.untrusted(rowKey, mark) || rt.codec.isAbsent(value)) {
      hints.delete(hint);
      return;
    }
    const served = cachedValue(core, rt, rowKey, value);
    if (served !== TO_POSTGRES && served !== CORRUPT && served !== null && rt.carries(served, one.key, one.parts)) found[i] = served;
    else hints.delete(hint);
  });
}

/** One read-pointers script: fills `found` (at `at[n]` for checked[n]) with the rows it can serve; leaves the rest. */
async function followPointers(core: StorageCore, rt: TableRuntime, checked: readonly CheckedKey[], found: (Row | null | undefined)[], at: readonly number[]): Promise<void> {
  const table = rt.info.display;
  const mark = core.repairs.mark();
  let replies: { tag: string | null; value: string | null }[];
  try {
    const pointers = checked.map(({ key, parts }) => rt.keyspace.pointer(key.sqlNames, parts));
    replies = await core.io.run(readPointers, { keys: [], argv: [rt.keyspace.rowPrefix, ...pointers] });
  } catch (error) {
    core.redisError(error, table);
    return;
  }
  replies.forEach((reply, i) => {
    const one = checked[i];
    if (one === undefined || reply.tag === null || reply.value === null) return;
    const rowKey = rt.keyspace.rowKeysForTag(reply.tag).row;
    if (core.repairs.untrusted(rowKey, mark)) return;
    if (rt.codec.isAbsent(reply.value)) return; // a pointer to a removed row: the per-value path decides
    const served = cachedValue(core, rt, rowKey, reply.value);
    if (served === TO_POSTGRES || served === CORRUPT || served === null) return;
    if (!rt.carries(served, one.key, one.parts)) return;
    found[at[i] ?? i] = served;
    remember(hintsOf(one.key), hintOf(one.parts), rowKey);
  });
}
