// Shared by the verify suites (single Redis and Cluster): fill an application's cache, then damage it by hand in each
// way verify must find, k times each, and say what verify must report.
import type { Cluster, Redis } from 'ioredis';
import { contextState } from '../../runtime/src/storage/context.js';
import { ABSENT } from '../../runtime/src/codecs/markers.js';
import type { TableRuntime } from '../../runtime/src/table/table-runtime.js';
import type { HotStorage } from '@hotstorage/runtime';
import type { OperateWorld } from './world.js';

export const USERS_SPEC = { primaryKey: ['id'], uniqueKeys: [['email']], identity: ['id'] };
export const MEMBERS_SPEC = { primaryKey: ['id'], uniqueKeys: [['tenantId', 'slug']], identity: ['id'] };

/** The runtime an application storage uses for `users` (its key space and codec), to find the keys to damage. */
export function usersRuntime(world: OperateWorld, hs: HotStorage): Promise<TableRuntime> {
  return contextState(hs).core.openRuntime(world.tables.users, USERS_SPEC);
}

/** Reads users 1..users-1 by id and by email, every member by id, and `absent` missing ids (cached absences). */
export async function fillCache(world: OperateWorld, hs: HotStorage, input: { users: number; absent: readonly number[] }): Promise<void> {
  for (let id = 1; id < input.users; id++) {
    await world.hot.users.getBy(hs, ['id'], { id });
    await world.hot.users.getBy(hs, ['email'], { email: `u${id}@example.com` });
  }
  for (const id of input.absent) await world.hot.users.getBy(hs, ['id'], { id });
  const members = await world.admin.sql.unsafe<{ id: string }[]>(`select id from "${world.schema}".members`);
  for (const { id } of members) await world.hot.members.getBy(hs, ['id'], { id });
}

export interface Damage {
  readonly stale: number;
  readonly missingIndex: number;
  readonly orphanedPointers: number;
  /** Row keys added by the damage (garbage and absences at keys that held nothing). */
  readonly addedRows: number;
}

/**
 * k of each, on users (cached ids from 1; `uncached` ids exist in Postgres but are not cached): a row renamed in
 * Redis, a row deleted in Postgres behind the cache, a garbage value, a cached absence of an existing row, a deleted
 * pointer, an orphan pointer (an email the row does not carry, naming it).
 */
export async function damageUsers(input: { world: OperateWorld; redis: Redis | Cluster; rt: TableRuntime; k: number; uncached: number }): Promise<Damage> {
  const { world, redis, rt, k } = input;
  const ids = (from: number) => Array.from({ length: k }, (_, i) => from + i);
  const rowKey = (id: number) => rt.rowKeys({ id }).row;
  const emailPointer = (id: number, email = `u${id}@example.com`) => rt.pointersOf({ id, email, name: '', version: 1 })[0] ?? '';
  for (const id of ids(1)) {
    const value = await redis.get(rowKey(id));
    if (value === null || !value.includes(`"user ${id}"`)) throw new Error(`user ${id} is not cached as expected: ${value}`);
    await redis.set(rowKey(id), value.replace(`"user ${id}"`, `"renamed ${id}"`));
  }
  await world.admin.sql.unsafe(`delete from "${world.schema}".users where id = any($1::int[])`, [ids(1 + k)]);
  for (const id of ids(input.uncached)) await redis.set(rowKey(id), 'garbage, not a row');
  for (const id of ids(input.uncached + k)) await redis.set(rowKey(id), ABSENT);
  for (const id of ids(1 + 2 * k)) {
    if ((await redis.del(emailPointer(id))) !== 1) throw new Error(`user ${id} has no email pointer to delete`);
  }
  for (const id of ids(1 + 3 * k)) {
    // The value a real pointer of this row holds, under an email the row does not carry.
    const value = await redis.get(emailPointer(id));
    if (value === null) throw new Error(`user ${id} has no email pointer`);
    await redis.set(emailPointer(id, `ghost${id}@example.com`), value);
  }
  return { stale: 4 * k, missingIndex: k, orphanedPointers: k, addedRows: 2 * k };
}
