// Write path (DESIGN §5): the row's lease is taken before the commit (overriding readers' leases); after the commit
// one script per row writes the committed row (or the absent marker) and its pointers while the lease stands, else
// leaves the invalid marker. If Redis fails after the commit the write stands and the row is queued for repair.
import { sql } from 'drizzle-orm';
import type { ContextState } from './context.js';
import type { StorageCore } from './core.js';
import type { RowKeys } from './keys.js';
import { INVALID } from './markers.js';
import { pointersOfValue, storedValue } from './stored-value.js';
import type { Database } from './options.js';
import { applyWrite, releaseLease, takeWriteLease } from './scripts/scripts.js';
import type { TableRuntime, Values } from './table-runtime.js';
import { runTransaction } from './transaction.js';
import { writeClusterPointers } from './cluster-pointers.js';

type Row = Record<string, unknown>;

/** What a committed statement did to one cached row: the new row, or null when the row is gone. */
export interface Effect {
  readonly rt: TableRuntime;
  readonly keys: RowKeys;
  readonly row: Row | null;
}

interface Outcome<T> {
  readonly result: T;
  readonly effects: readonly Effect[];
}

type Statement<T> = (db: Database) => Promise<Outcome<T>>;

export async function save(state: ContextState, rt: TableRuntime, input: Values): Promise<Row> {
  const identity = rt.info.identity;
  const set: Record<string, unknown> = {};
  for (const [prop, value] of Object.entries(input)) if (value !== undefined && !identity.props.includes(prop)) set[prop] = value;
  const first = identity.props[0] ?? '';
  // A row made only of its identity still needs a SET clause for RETURNING to give the existing row back.
  if (Object.keys(set).length === 0) set[first] = input[first];
  const statement: Statement<Row> = async (db) => {
    const rows: Row[] = await state.core.query(() =>
      db.insert(rt.table).values(input as never).onConflictDoUpdate({ target: [...identity.columns], set: set as never }).returning(),
    );
    const row = rows[0];
    if (row === undefined) throw new Error(`hotstorage: table ${rt.info.display}: the upsert returned no row`);
    return { result: row, effects: [{ rt, keys: rt.rowKeys(row), row }] };
  };
  // Without its identity (a serial left to the database) the row is only known after the insert: a transaction
  // lets the lease be taken after the insert and still before the commit.
  return runWrite(state, rt, rt.hasIdentity(input) ? [rt.rowKeys(input)] : undefined, statement);
}

export async function update(state: ContextState, rt: TableRuntime, identityValues: Values, patch: Values): Promise<Row | null> {
  const identity = rt.info.identity;
  const oldKeys = rt.rowKeys(identityValues);
  const changes = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  if (Object.keys(changes).length === 0) {
    return selectByIdentity(state, rt, identityValues);
  }
  const moved = identity.props.some((prop) => prop in changes);
  const newKeys = moved ? rt.rowKeys({ ...identityValues, ...changes }) : undefined;
  const leaseKeys = newKeys === undefined || newKeys.row === oldKeys.row ? [oldKeys] : [oldKeys, newKeys];
  return runWrite(state, rt, leaseKeys, async (db) => {
    const rows: Row[] = await state.core.query(() =>
      db.update(rt.table).set(changes as never).where(rt.where(identity, identityValues)).returning(),
    );
    const row = rows[0] ?? null;
    const effects: Effect[] = [];
    if (row === null) effects.push({ rt, keys: oldKeys, row: null });
    else {
      const keys = rt.rowKeys(row);
      if (keys.row !== oldKeys.row) effects.push({ rt, keys: oldKeys, row: null });
      effects.push({ rt, keys, row });
    }
    return { result: row, effects };
  });
}

export async function remove(state: ContextState, rt: TableRuntime, identityValues: Values): Promise<boolean> {
  const keys = rt.rowKeys(identityValues);
  return runWrite(state, rt, [keys], async (db) => {
    const rows: Row[] = await state.core.query(() => db.delete(rt.table).where(rt.where(rt.info.identity, identityValues)).returning());
    return { result: rows.length > 0, effects: [{ rt, keys, row: null }] };
  });
}

async function selectByIdentity(state: ContextState, rt: TableRuntime, values: Values): Promise<Row | null> {
  const db = state.tx?.db ?? state.core.db;
  const rows: Row[] = await state.core.query(() => db.select().from(rt.table).where(rt.where(rt.info.identity, values)).limit(1));
  return rows[0] ?? null;
}

async function runWrite<T>(state: ContextState, rt: TableRuntime, knownKeys: readonly RowKeys[] | undefined, statement: Statement<T>): Promise<T> {
  const { core, tx } = state;
  if (tx !== undefined) {
    // Leases are taken for everything the transaction wrote just before it commits.
    tx.assertOpen();
    const outcome = core.changeFeed ? await markedStatement(tx.db, tx.token, statement, true) : await statement(tx.db);
    tx.record(outcome.effects);
    return outcome.result;
  }
  if (knownKeys === undefined) return runTransaction(core, (inner) => runWrite(inner, rt, undefined, statement));
  const hooks = core.options.hooks;
  const token = core.token('w');
  const leaseKeys = knownKeys.map((keys) => keys.lease);
  const leased = await takeWriteLeases(core, knownKeys, token, rt.info.pointerKeys.length > 0);
  let outcome: Outcome<T>;
  try {
    await hooks.beforeCommit?.({ keys: leaseKeys });
    outcome = core.changeFeed ? await core.db.transaction((dtx) => markedStatement(dtx, token, statement, false)) : await statement(core.db);
  } catch (error) {
    await releaseWriteLeases(core, knownKeys, token);
    throw error;
  }
  await hooks.afterCommit?.({ keys: outcome.effects.map((e) => e.keys.row) });
  await applyEffects(core, outcome.effects, token, leased);
  await hooks.afterApply?.({ keys: outcome.effects.map((e) => e.keys.row) });
  return outcome.result;
}

/**
 * With the change feed installed the statement runs in a transaction that names its writer (`hotstorage.origin`), so
 * the outbox listener can skip the entry once this writer's apply-write has put the committed row in the cache. The
 * setting is sent without waiting for it: postgres.js pipelines it with the statement on the transaction's connection.
 */
async function markedStatement<T>(db: Database, token: string, statement: Statement<T>, unmark: boolean): Promise<Outcome<T>> {
  const marked = markOrigin(db, token);
  try {
    return await statement(db);
  } finally {
    await marked.catch(() => undefined); // its failure fails the statement too (same connection, same transaction)
    // Inside hs.transaction the application's own statements (tx.db) come between ours: they must not carry our name,
    // or the listener would skip their entries. Not awaited: the connection runs it before anything sent later.
    if (unmark) markOrigin(db, '').catch(() => undefined);
  }
}

/** Marks the current transaction as hotstorage's writer `token` (the capture triggers record it as the origin). */
export async function markOrigin(db: Database, token: string): Promise<void> {
  await db.execute(sql`select set_config('hotstorage.origin', ${token}, true)`);
}

/**
 * Row keys whose write lease Redis confirmed, each with the value cached there at that moment (null: none, or not
 * asked for): the pointers of that value are the ones the apply removes if the commit does not keep them.
 */
export type ConfirmedLeases = ReadonlyMap<string, string | null>;

/**
 * Overrides readers' leases before the commit. A Redis failure here does not stop the write (invariant 5).
 * `withValues`: the rows have pointers, so the cached values are wanted back.
 */
export async function takeWriteLeases(core: StorageCore, keys: readonly RowKeys[], token: string, withValues = true): Promise<ConfirmedLeases> {
  const taken = new Map<string, string | null>();
  try {
    const results = await core.io.runMany(
      takeWriteLease,
      keys.map((k) => ({ keys: [k.lease, k.writers, k.contended, k.row], argv: [token, core.options.leaseTtlMs, withValues ? '1' : '0'] })),
    );
    results.forEach((result, i) => {
      const row = keys[i]?.row;
      if (result instanceof Error) core.redisError(result);
      else if (row !== undefined) taken.set(row, result);
    });
  } catch (error) {
    core.redisError(error);
  }
  return taken;
}

export async function releaseWriteLeases(core: StorageCore, keys: readonly RowKeys[], token: string): Promise<void> {
  try {
    await core.io.runMany(releaseLease, keys.map((k) => ({ keys: [k.lease, k.writers, k.contended], argv: [token] })));
  } catch (error) {
    core.redisError(error);
  }
}

/** After the commit: one apply-write script per row, all in one round trip. */
export async function applyEffects(core: StorageCore, all: readonly Effect[], token: string, leased: ConfirmedLeases): Promise<void> {
  // A row whose lease Redis did not confirm before the commit (down, slow, paused) is never written: the lease may still
  // be taken late, after this commit and after a newer writer's update, and make this older row look current. It is
  // invalidated through the repair queue instead (now, if Redis answers).
  const unconfirmed = all.filter((effect) => !leased.has(effect.keys.row));
  for (const effect of unconfirmed) core.queueRepair(effect.rt.info.display, [effect.keys]);
  if (unconfirmed.length > 0) await core.flushRepairs();
  const effects = all.filter((effect) => leased.has(effect.keys.row));
  if (effects.length === 0) return;
  const { io, options } = core;
  const calls = effects.map(({ rt, keys, row }) => {
    const pointers = row === null || io.cluster ? [] : rt.pointersOf(row);
    const previous = io.cluster ? [] : pointersOfValue(rt, leased.get(keys.row) ?? null);
    return {
      keys: [keys.row, keys.lease, keys.writers, keys.contended, keys.applied],
      argv: [
        token, row === null ? rt.codec.absent() : storedValue(core, rt, keys.row, row), row === null ? options.tombstoneTtlMs : options.rowTtlMs,
        INVALID, options.invalidTtlMs, keys.tag, core.changeFeed ? options.appliedTtlMs : 0, pointers.length, ...pointers, ...previous,
      ],
    };
  });
  try {
    if (!options.guard) {
      // Test-only switch: make every writer uncontended and in flight so the script's checks always pass.
      await io.commands(effects.flatMap((e) => [['ZADD', e.keys.writers, '+inf', token] as const, ['DEL', e.keys.contended] as const]));
    }
    const results = await io.runMany(applyWrite, calls);
    const written: Effect[] = [];
    results.forEach((result, i) => {
      const effect = effects[i];
      if (effect === undefined) return;
      const table = effect.rt.info.display;
      if (result instanceof Error) {
        core.redisError(result, table, effect.keys.row);
        core.queueRepair(table, [effect.keys]);
      } else if (result) {
        core.repairs.delete(effect.keys.row);
        core.emit('write', table, effect.keys.row);
        written.push(effect);
      } else core.emit('invalidation', table, effect.keys.row);
    });
    if (io.cluster) await writeClusterPointers(core, written);
  } catch (error) {
    core.redisError(error);
    for (const effect of effects) core.queueRepair(effect.rt.info.display, [effect.keys]);
  }
}
