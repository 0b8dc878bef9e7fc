// getManyBy<Unique>: rows by a unique key in input order, null where absent. On a single Redis one script follows every
// pointer to its row (one round trip when all hit); each row is served only if it decodes and carries the queried
// values (invariant 3). Everything else (no pointer, a missing or moved row, a value queued for repair) takes the
// per-value lookup of read-unique.ts, which leases, reads Postgres and fills. A Cluster takes that path for all
// (pointers and rows live in other slots; auto-pipelining groups the lookups per node). By identity it is getMany.
import { readPointers } from '../redis/scripts.js';
import type { ContextState } from '../storage/context.js';
import type { StorageCore } from '../storage/core.js';
import type { CheckedKey, TableRuntime, Values } from '../table/table-runtime.js';
import { cachedValue, CORRUPT, selectOne, TO_POSTGRES } from './fill.js';
import { getManyByIdentity } from './read-many.js';
import { getByUnique } from './read-unique.js';

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
  if (!core.io.cluster) await followPointers(core, rt, checked, found);
  return Promise.all(
    found.map((row, i) => {
      const one = checked[i];
      const values = valuesList[i];
      if (row !== undefined || one === undefined || values === undefined) return row ?? null;
      return getByUnique(core, rt, one.key, one.parts, values);
    }),
  );
}

/** One read-pointers script: fills `found` with the rows it can serve; leaves the rest undefined. */
async function followPointers(core: StorageCore, rt: TableRuntime, checked: readonly CheckedKey[], found: (Row | null | undefined)[]): Promise<void> {
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
    if (rt.carries(served, one.key, one.parts)) found[i] = served;
  });
}
