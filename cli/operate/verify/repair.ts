// `verify --repair`: divergent rows are invalidated exactly as the outbox listener invalidates them (lease overridden
// first, so a reader holding an older Postgres read cannot fill it back; then the row and the pointers naming it); the
// next read refills them from Postgres, pointers included. Orphaned pointers are deleted only if they still hold the
// value verify saw, so a pointer rewritten by the application meanwhile is kept.
import { type StorageCore, type TableRuntime, invalidateRowKeys } from '@hotstorage/runtime/internal';
import { type RedisClient, redisFailure } from '../scan.js';
import type { TableFindings } from './check.js';
import type { Orphan } from './pointers.js';

const DELETE_IF_EQUAL = 'hotstorageDeleteIfEqual';
/** KEYS[1] key, ARGV[1] expected value. Returns 1 deleted | 0 kept (the value changed). */
const DELETE_IF_EQUAL_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface Repaired {
  readonly rowsInvalidated: number;
  readonly pointersDeleted: number;
  readonly listsInvalidated: number;
}

export async function repairTable(input: { core: StorageCore; redis: RedisClient; rt: TableRuntime; findings: TableFindings }): Promise<Repaired> {
  const { core, redis, rt, findings } = input;
  const rows = findings.divergentRows;
  // A stale list is invalidated like a row (its lease overridden first, then the list deleted); the next read refills it.
  const listKeys = findings.staleLists.map((key) => ({ keys: { tag: '', row: key, lease: `${key}:lease`, writers: `${key}:writers`, contended: `${key}:contended`, applied: `${key}:applied` }, origin: '' }));
  const results = await invalidateRowKeys(core, [...rows.map(({ tag }) => ({ keys: rt.keyspace.rowKeysForTag(tag), origin: '', rt })), ...listKeys]);
  const failed = results.find((r): r is Error => r instanceof Error);
  if (failed !== undefined) throw failed;
  // On a Cluster the pointers live in other slots than the row, out of the invalidation script's reach: the row's
  // own pointers go here, by the same compare-and-delete (a no-op on a single Redis, where the script removed them).
  const pointersOfRows: Orphan[] = rows.flatMap(({ tag, row }) => (row === null ? [] : rt.pointersOf(row).map((key) => ({ key, value: tag }))));
  const deleted = await deleteIfEqual(redis, findings.orphans);
  await deleteIfEqual(redis, pointersOfRows);
  return { rowsInvalidated: rows.length, pointersDeleted: deleted, listsInvalidated: listKeys.length };
}

async function deleteIfEqual(redis: RedisClient, pointers: readonly Orphan[]): Promise<number> {
  if (pointers.length === 0) return 0;
  const host = redis as unknown as Record<string, ((key: string, value: string) => Promise<number>) | undefined>;
  if (host[DELETE_IF_EQUAL] === undefined) redis.defineCommand(DELETE_IF_EQUAL, { numberOfKeys: 1, lua: DELETE_IF_EQUAL_LUA });
  const run = host[DELETE_IF_EQUAL];
  if (run === undefined) throw new Error('hotstorage: the delete-if-equal script is not registered');
  const replies = await Promise.all(pointers.map(({ key, value }) => run.call(redis, key, value))).catch((error: unknown) => {
    throw redisFailure(redis, error);
  });
  return replies.reduce((n, reply) => n + Number(reply), 0);
}
