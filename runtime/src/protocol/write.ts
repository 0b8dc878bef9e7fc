// Write path (DESIGN §5): the row's lease is taken before the commit (overriding readers' leases); after the commit
// one script per row writes the committed row (or the absent marker) and its pointers while the lease stands, else
// leaves the invalid marker. If Redis fails after the commit the write stands and the row is queued for repair.
import { sql } from 'drizzle-orm';
import type { ContextState, Effect } from '../storage/context.js';
import type { RowKeys } from '../table/keys.js';
import type { TableRuntime, Values } from '../table/table-runtime.js';
import type { Database } from '../types.js';
import { runTransaction } from './transaction.js';
import { applyEffects, releaseWriteLeases, takeWriteLeases } from './write-leases.js';

type Row = Record<string, unknown>;

interface Outcome<T> {
  readonly result: T;
  readonly effects: readonly Effect[];
  /** False when the statement matched no row (an update or remove of a missing row): it changed nothing. */
  readonly changed: boolean;
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
    return { result: row, effects: [{ rt, keys: rt.rowKeys(row), row }], changed: true };
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
    return { result: row, effects, changed: row !== null };
  });
}

export async function remove(state: ContextState, rt: TableRuntime, identityValues: Values): Promise<boolean> {
  const keys = rt.rowKeys(identityValues);
  return runWrite(state, rt, [keys], async (db) => {
    const rows: Row[] = await state.core.query(() => db.delete(rt.table).where(rt.where(rt.info.identity, identityValues)).returning());
    return { result: rows.length > 0, effects: [{ rt, keys, row: null }], changed: rows.length > 0 };
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

