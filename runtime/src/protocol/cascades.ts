// Cascades without the change feed: a hotstorage write whose parent row's foreign keys cascade into cached tables
// changes child rows (and their lists) in the same statement — a remove (`ON DELETE CASCADE`, `SET NULL`, `SET
// DEFAULT`), or a save/update that changes a referenced column (`ON UPDATE CASCADE`, `SET NULL`, `SET DEFAULT`).
// Before the statement, inside its transaction, the children it will touch are read and locked (recursively: deleted
// children through their delete edges, updated children through the update edges of the columns the action changes;
// bounded); they become effects of the write like its own row: their leases are taken before the commit and, after
// it, they are written as absent (deleted) or as read again after the statement (updated), and their lists (old and
// new values) are deleted. A level with more rows than `MAX_ROWS`, or deeper than `MAX_DEPTH`, is not read row by
// row: its table's epoch is bumped after the commit, and so are the tables its cascades reach (honoured by processes
// under the change feed; see README "Lists").
import { and, eq, inArray, or, type SQL } from 'drizzle-orm';
import type { Effect } from '../storage/context.js';
import type { StorageCore } from '../storage/core.js';
import type { TableRuntime, Values } from '../table/table-runtime.js';
import type { Database } from '../types.js';
import { cascadeEdges, updateEdgesNamed, type CascadeEdge } from './cascade-edges.js';
import { listEffects } from './list-writes.js';
import type { Statement } from './statement.js';

type Row = Record<string, unknown>;

export const MAX_DEPTH = 4;
export const MAX_ROWS = 1000;

/** Child rows the statement will update (not delete): read and locked before it, read again after it. */
interface Level {
  readonly edge: CascadeEdge;
  /** The level holding these rows' parents (an index into the levels), or -1: the written row itself. */
  readonly from: number;
  readonly old: readonly Row[];
  now: readonly Row[];
}

interface Found {
  readonly effects: Effect[];
  readonly levels: Level[];
  readonly bumps: Set<TableRuntime>;
}

/**
 * Reads (and locks) what deleting `parents` of `parent` will cascade into, before the DELETE runs. Returns the effects
 * known now (deleted children) and a step to run after the DELETE (re-reading the children set to null or default).
 */
export async function readCascade(
  core: StorageCore,
  db: Database,
  parent: TableRuntime,
  parents: readonly Row[],
): Promise<{ effects: Effect[]; bumps: TableRuntime[]; afterDelete: () => Promise<Effect[]> }> {
  const found: Found = { effects: [], levels: [], bumps: new Set() };
  await descendDelete(core, db, parent, parents, 1, found);
  return { effects: found.effects, bumps: [...found.bumps], afterDelete: () => readAgain(core, db, found.levels, []) };
}

/**
 * Wraps a save or update of `parent` (`statement`, run in the caller's transaction) that names referenced columns of
 * its ON UPDATE edges (`named`: updateEdgesNamed, decided by the caller without I/O). The row is locked and read first; only if a referenced
 * value really changes (as the cache's key text sees it) are the children read and locked, then the statement runs,
 * then the children are read again: the cascade's effects join the statement's own.
 */
export function cascadingUpdate<T extends Row | null>(
  core: StorageCore,
  parent: TableRuntime,
  named: readonly CascadeEdge[],
  identityValues: Values,
  changes: Values,
  statement: Statement<T>,
): Statement<T> {
  return async (db) => {
    const found: Row[] = await core.query(() => db.select().from(parent.table).where(parent.where(parent.info.identity, identityValues)).for('update').limit(1));
    const old = found[0];
    const next = (prop: string) => (changes[prop] === undefined ? old?.[prop] : changes[prop]);
    const edges = old === undefined ? [] : named.filter((edge) => edge.parentProps.some((prop) => differs(parent, prop, old[prop], next(prop))));
    if (old === undefined || edges.length === 0) return statement(db);
    const out: Found = { effects: [], levels: [], bumps: new Set() };
    for (const edge of edges) {
      const rows = await lockChildren(core, db, edge, [old], 1, out);
      if (rows !== undefined) await descendUpdated(core, db, edge, rows, -1, 1, out);
    }
    const outcome = await statement(db);
    const row = outcome.result;
    // Postgres fires the action only when the referenced value changed: a value equal once stored (its key text)
    // changed no child, and the children read above stay as they are.
    if (row === null || !edges.some((edge) => edge.parentProps.some((prop) => differs(parent, prop, old[prop], row[prop])))) return outcome;
    const after = await readAgain(core, db, out.levels, [row]);
    const bumps = [...out.bumps];
    const own = outcome.effects.map((effect, i) => (i === 0 && bumps.length > 0 ? { ...effect, bumps: [...(effect.bumps ?? []), ...bumps] } : effect));
    return { ...outcome, effects: [...own, ...after] };
  };
}

async function descendDelete(core: StorageCore, db: Database, parent: TableRuntime, parents: readonly Row[], depth: number, out: Found): Promise<void> {
  for (const edge of cascadeEdges(core, parent, 'delete')) {
    const rows = await lockChildren(core, db, edge, parents, depth, out);
    if (rows === undefined) continue;
    if (edge.action !== 'cascade') {
      await descendUpdated(core, db, edge, rows, -1, depth, out);
      continue;
    }
    for (const row of rows) out.effects.push({ rt: edge.child, keys: edge.child.rowKeys(row), row: null, lists: listEffects(edge.child, row) });
    await descendDelete(core, db, edge.child, rows, depth + 1, out);
  }
}

/**
 * Child rows `edge`'s action updates: a level to read again after the statement; the columns it changes may be
 * referenced in turn by ON UPDATE edges of the child (Postgres fires them from the action's own UPDATE).
 */
async function descendUpdated(core: StorageCore, db: Database, edge: CascadeEdge, rows: readonly Row[], from: number, depth: number, out: Found): Promise<void> {
  const level = out.levels.push({ edge, from, old: rows, now: [] }) - 1;
  const changed = Object.fromEntries(edge.childProps.map((prop) => [prop, true]));
  for (const next of updateEdgesNamed(core, edge.child, changed)) {
    const children = await lockChildren(core, db, next, rows, depth + 1, out);
    if (children !== undefined) await descendUpdated(core, db, next, children, level, depth + 1, out);
  }
}

/** The child rows of `edge` referencing any of `parents`, locked; undefined when none, or over the bound (bumped). */
async function lockChildren(core: StorageCore, db: Database, edge: CascadeEdge, parents: readonly Row[], depth: number, out: Found): Promise<Row[] | undefined> {
  const condition = matching(edge, parents);
  if (condition === undefined) return undefined;
  if (depth > MAX_DEPTH) {
    bumpReachable(core, edge.child, out.bumps);
    return undefined;
  }
  const rows: Row[] = await core.query(() => db.select().from(edge.child.table).where(condition).limit(MAX_ROWS + 1).for('update'));
  if (rows.length === 0) return undefined;
  if (rows.length > MAX_ROWS) {
    bumpReachable(core, edge.child, out.bumps);
    return undefined;
  }
  return rows;
}

/** A table not read row by row, and every table its own cascades reach (they change with it, unread). */
function bumpReachable(core: StorageCore, table: TableRuntime, bumps: Set<TableRuntime>): void {
  if (bumps.has(table)) return;
  bumps.add(table);
  for (const edge of [...cascadeEdges(core, table, 'delete'), ...cascadeEdges(core, table, 'update')]) bumpReachable(core, edge.child, bumps);
}

/**
 * After the statement, in order (parents before children): each level's rows read again, by their old identity and,
 * for a cascade, by their parents' new values (a cascade may move a child's identity). A row found is written as it
 * now is; an old row not found again is gone from its key. Lists of the old and the new values are invalidated.
 */
async function readAgain(core: StorageCore, db: Database, levels: readonly Level[], root: readonly Row[]): Promise<Effect[]> {
  const after: Effect[] = [];
  for (const level of levels) {
    const { child, action } = level.edge;
    const byIdentity = child.whereAny(child.info.identity, level.old);
    const parents = level.from < 0 ? root : (levels[level.from]?.now ?? []);
    const moved = action === 'cascade' ? matching(level.edge, parents) : undefined;
    const condition = moved === undefined ? byIdentity : or(byIdentity, moved);
    const now: Row[] = await core.query(() => db.select().from(child.table).where(condition));
    level.now = now;
    const oldByKey = new Map(level.old.map((row) => [child.rowKeys(row).row, row] as const));
    for (const row of now) {
      const keys = child.rowKeys(row);
      after.push({ rt: child, keys, row, lists: listEffects(child, oldByKey.get(keys.row), row) });
      oldByKey.delete(keys.row);
    }
    for (const old of oldByKey.values()) after.push({ rt: child, keys: child.rowKeys(old), row: null, lists: listEffects(child, old) });
  }
  return after;
}

/** Do two values of a parent column differ as the cache keys them? A value the codec refuses counts as a change. */
function differs(parent: TableRuntime, prop: string, a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) !== (b ?? null);
  try {
    const codec = parent.codec.codecFor(prop);
    return codec.keyPart(a) !== codec.keyPart(b);
  } catch {
    return true;
  }
}

/** `fk = parent values` for any of the parents (none null: a null foreign key references nothing). */
function matching(edge: CascadeEdge, parents: readonly Row[]): SQL | undefined {
  const tuples = parents.map((row) => edge.parentProps.map((prop) => row[prop])).filter((values) => values.every((v) => v !== null && v !== undefined));
  if (tuples.length === 0) return undefined;
  const [only] = edge.childColumns;
  if (edge.childColumns.length === 1 && only !== undefined) return inArray(only, tuples.map((values) => values[0]));
  return or(...tuples.map((values) => and(...edge.childColumns.map((column, i) => eq(column, values[i])))));
}
