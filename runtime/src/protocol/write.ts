// Write path (DESIGN §5): the row's lease is taken before the commit (overriding readers' leases); after the commit
// one script per row writes the committed row (or the absent marker) and its pointers while the lease stands, else
// leaves the invalid marker. If Redis fails after the commit the write stands and the row is queued for repair.
import { sql } from 'drizzle-orm';
import type { ContextState, Effect } from '../storage/context.js';
import type { RowKeys } from '../table/keys.js';
import type { TableRuntime, Values } from '../table/table-runtime.js';
import type { Database } from '../types.js';
import { cascadeEdges, updateEdgesNamed } from './cascade-edges.js';
import { cascadingUpdate, readCascade } from './cascades.js';
import { listEffects } from './list-writes.js';
import type { Outcome, Statement } from './statement.js';
import { runTransaction } from './transaction.js';
import { applyEffects, releaseWriteLeases, takeWriteLeases } from './write-leases.js';

type Row = Record<string, unknown>;

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
    return { result: row, effects: [{ rt, keys: rt.rowKeys(row), row }], changed: true };
  };
  // ON UPDATE cascades: a save of an existing row that names a column referenced by them (protocol/cascades.ts).
  const named = rt.hasIdentity(input) ? updateEdgesNamed(state.core, rt, set) : [];
  if (named.length > 0) {
    const inner = rt.info.lists.length > 0 ? listedSave(state, rt, input, set) : statement;
    return runWrite(state, rt, undefined, cascadingUpdate(state.core, rt, named, input, set, inner));
  }
  // A table with lists: its old list values are read (and locked) in the write's transaction, whose list leases are
  // taken before the commit.
  if (rt.info.lists.length > 0) return runWrite(state, rt, undefined, listedSave(state, rt, input, set));
  // Without its identity (a serial left to the database) the row is only known after the insert: a transaction
  // lets the lease be taken after the insert and still before the commit.
  return runWrite(state, rt, rt.hasIdentity(input) ? [rt.rowKeys(input)] : undefined, statement);
}

/**
 * The upsert of a table with lists, in the caller's transaction: the existing row is locked and read first, so its old
 * list values are known (an upsert's RETURNING gives only the new ones); a row inserted meanwhile by another
 * transaction makes the insert do nothing, and the update path runs again.
 */
function listedSave(state: ContextState, rt: TableRuntime, input: Values, set: Record<string, unknown>): Statement<Row> {
  const identity = rt.info.identity;
  const outcome = (row: Row | undefined, old: Row | undefined): Outcome<Row> => {
    if (row === undefined) throw new Error(`hotstorage: table ${rt.info.display}: the write returned no row`);
    return { result: row, effects: [{ rt, keys: rt.rowKeys(row), row, lists: listEffects(rt, old, row) }], changed: true };
  };
  return async (db) => {
    const query = <T>(run: () => Promise<T>) => state.core.query(run);
    if (!rt.hasIdentity(input)) {
      const rows: Row[] = await query(() => db.insert(rt.table).values(input as never).returning());
      return outcome(rows[0], undefined);
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const found: Row[] = await query(() => db.select().from(rt.table).where(rt.where(identity, input)).for('update').limit(1));
      const old = found[0];
      if (old !== undefined) {
        const rows: Row[] = await query(() => db.update(rt.table).set(set as never).where(rt.where(identity, input)).returning());
        if (rows[0] !== undefined) return outcome(rows[0], old);
        continue; // deleted between the two statements
      }
      const rows: Row[] = await query(() => db.insert(rt.table).values(input as never).onConflictDoNothing({ target: [...identity.columns] }).returning());
      if (rows[0] !== undefined) return outcome(rows[0], undefined);
    }
    throw new Error(`hotstorage: table ${rt.info.display}: the row kept being inserted and deleted by other transactions during save`);
  };
}

export async function update(state: ContextState, rt: TableRuntime, identityValues: Values, patch: Values): Promise<Row | null> {
  const identity = rt.info.identity;
  const oldKeys = rt.rowKeys(identityValues);
  const changes = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
  if (Object.keys(changes).length === 0) {
    return selectByIdentity(state, rt, identityValues);
  }
  const moved = identity.props.some((prop) => prop in changes);
  // A change of a listed column (or of the identity, which lists hold) changes the members of the old and new lists.
  const listed = rt.info.lists.some((list) => list.props.some((prop) => prop in changes)) || (moved && rt.info.lists.length > 0);
  const statement = listed ? listedUpdate(state, rt, identityValues, changes, oldKeys) : plainUpdate(state, rt, identityValues, changes, oldKeys);
  // ON UPDATE cascades: only an update naming a column they reference takes this path (protocol/cascades.ts).
  const named = updateEdgesNamed(state.core, rt, changes);
  if (named.length > 0) return runWrite(state, rt, undefined, cascadingUpdate(state.core, rt, named, identityValues, changes, statement));
  if (listed) return runWrite(state, rt, undefined, statement);
  const newKeys = moved ? rt.rowKeys({ ...identityValues, ...changes }) : undefined;
  const leaseKeys = newKeys === undefined || newKeys.row === oldKeys.row ? [oldKeys] : [oldKeys, newKeys];
  return runWrite(state, rt, leaseKeys, statement);
}

function plainUpdate(state: ContextState, rt: TableRuntime, identityValues: Values, changes: Values, oldKeys: RowKeys): Statement<Row | null> {
  return async (db) => {
    const rows: Row[] = await state.core.query(() =>
      db.update(rt.table).set(changes as never).where(rt.where(rt.info.identity, identityValues)).returning(),
    );
    const row = rows[0] ?? null;
    const effects: Effect[] = [];
    if (row === null) effects.push({ rt, keys: oldKeys, row: null });
    else {
      const keys = rt.rowKeys(row);
      if (keys.row !== oldKeys.row) effects.push({ rt, keys: oldKeys, row: null });
      effects.push({ rt, keys, row });
    }
    return { result: row, effects, changed: row !== null };
  };
}

/** An update that changes list members, in the caller's transaction: the row is locked and read first (old values). */
function listedUpdate(state: ContextState, rt: TableRuntime, identityValues: Values, changes: Values, oldKeys: RowKeys): Statement<Row | null> {
  const identity = rt.info.identity;
  return async (db) => {
    const found: Row[] = await state.core.query(() => db.select().from(rt.table).where(rt.where(identity, identityValues)).for('update').limit(1));
    const old = found[0];
    if (old === undefined) return { result: null, effects: [{ rt, keys: oldKeys, row: null }], changed: false };
    const rows: Row[] = await state.core.query(() => db.update(rt.table).set(changes as never).where(rt.where(identity, identityValues)).returning());
    const row = rows[0] ?? null;
    const lists = listEffects(rt, old, row);
    if (row === null) return { result: null, effects: [{ rt, keys: oldKeys, row: null, lists }], changed: false };
    const keys = rt.rowKeys(row);
    const effects: Effect[] = keys.row === oldKeys.row ? [] : [{ rt, keys: oldKeys, row: null }];
    effects.push({ rt, keys, row, lists });
    return { result: row, effects, changed: true };
  };
}

export async function remove(state: ContextState, rt: TableRuntime, identityValues: Values): Promise<boolean> {
  const keys = rt.rowKeys(identityValues);
  if (cascadeEdges(state.core, rt, 'delete').length > 0) return runWrite(state, rt, undefined, cascadingRemove(state, rt, identityValues, keys));
  // With lists, the deleted row (RETURNING) names the lists it leaves; their leases are taken in its transaction.
  return runWrite(state, rt, rt.info.lists.length > 0 ? undefined : [keys], async (db) => {
    const rows: Row[] = await state.core.query(() => db.delete(rt.table).where(rt.where(rt.info.identity, identityValues)).returning());
    return { result: rows.length > 0, effects: [{ rt, keys, row: null, lists: listEffects(rt, ...rows) }], changed: rows.length > 0 };
  });
}

/**
 * A remove whose foreign keys cascade into cached tables (protocol/cascades.ts), in the caller's transaction: the row is
 * locked and read, then what the DELETE will cascade into, then the DELETE; children set to null are read again after.
 */
function cascadingRemove(state: ContextState, rt: TableRuntime, identityValues: Values, keys: RowKeys): Statement<boolean> {
  const { core } = state;
  return async (db) => {
    const found: Row[] = await core.query(() => db.select().from(rt.table).where(rt.where(rt.info.identity, identityValues)).for('update').limit(1));
    const cascade = await readCascade(core, db, rt, found);
    const rows: Row[] = await core.query(() => db.delete(rt.table).where(rt.where(rt.info.identity, identityValues)).returning());
    const own: Effect = { rt, keys, row: null, lists: listEffects(rt, ...rows), bumps: cascade.bumps };
    return { result: rows.length > 0, effects: [own, ...cascade.effects, ...(await cascade.afterDelete())], changed: rows.length > 0 };
  };
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
    const outcome = core.hasFeed(rt) ? await markedStatement(tx.db, tx.token, statement, true) : await statement(tx.db);
    // A statement that matched no row records nothing. Its absent marker would be written under leases taken only
    // after the body, and a statement that found no row holds no row lock: another writer may insert that row, commit
    // and cache it in between, unseen by our lease (it is no longer in flight), and our marker would then hide a row
    // that exists. Such a write changed nothing in the database, so the cache needs nothing from it; whatever the row's
    // key holds is the business of the writers that did change the row. (Taking the lease before the statement, as
    // standalone writes do, would close it too, but at a round trip per statement inside the body and with a lease
    // that a long body outlives, which leaves the invalid marker instead of the committed row.) An earlier write of
    // the same row in this transaction keeps its effect: its statement matched, and holds the row's lock until COMMIT.
    if (outcome.changed) tx.record(outcome.effects);
    return outcome.result;
  }
  if (knownKeys === undefined) return runTransaction(core, (inner) => runWrite(inner, rt, undefined, statement));
  const hooks = core.options.hooks;
  const token = core.token('writer');
  const leaseKeys = knownKeys.map((keys) => keys.lease);
  // Taken before the statement: a writer of these rows that commits before our apply is in flight beside us, whatever
  // our statement matched, so even a remove or update that found no row may cache the absence it saw.
  const leased = await takeWriteLeases(core, knownKeys, token, rt.info.pointerKeys.length > 0);
  let outcome: Outcome<T>;
  try {
    await hooks.beforeCommit?.({ keys: leaseKeys });
    outcome = core.hasFeed(rt) ? await core.db.transaction((dtx) => markedStatement(dtx, token, statement, false)) : await statement(core.db);
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
async function markOrigin(db: Database, token: string): Promise<void> {
  await db.execute(sql`select set_config('hotstorage.origin', ${token}, true)`);
}

