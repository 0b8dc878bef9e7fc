// Cascades without the change feed: a parent removed through hotstorage whose foreign keys `ON DELETE CASCADE`, `SET
// NULL` or `SET DEFAULT` into cached tables changes child rows (and their lists) in the same statement. Before the
// DELETE, inside its transaction, the children it will touch are read and locked (recursively through cascading
// deletes, bounded); they become effects of the write like its own row: their leases are taken before the commit and,
// after it, they are written as absent (deleted) or as re-read (set null / set default), and their lists are deleted.
// A level with more rows than `MAX_ROWS`, or deeper than `MAX_DEPTH`, is not read row by row: its table's epoch is
// bumped after the commit (honoured by processes under the change feed; see README "Lists").
import { and, eq, getTableColumns, inArray, or, type SQL } from 'drizzle-orm';
import { getTableConfig, type PgColumn } from 'drizzle-orm/pg-core';
import type { Effect } from '../storage/context.js';
import type { StorageCore } from '../storage/core.js';
import type { TableRuntime } from '../table/table-runtime.js';
import type { Database } from '../types.js';
import { listEffects } from './list-writes.js';

type Row = Record<string, unknown>;

export const MAX_DEPTH = 4;
export const MAX_ROWS = 1000;

interface CascadeEdge {
  readonly child: TableRuntime;
  readonly childColumns: readonly PgColumn[];
  readonly parentProps: readonly string[];
  readonly action: 'cascade' | 'set null' | 'set default';
}

const edgesOf = new WeakMap<StorageCore, { size: number; byParent: Map<TableRuntime, CascadeEdge[]> }>();

/** The cascading foreign keys into this storage's tables whose parent is `parent` (drizzle's own foreign keys). */
export function cascadeEdges(core: StorageCore, parent: TableRuntime): readonly CascadeEdge[] {
  const built = core.built();
  let known = edgesOf.get(core);
  if (known === undefined || known.size !== built.length) {
    known = { size: built.length, byParent: new Map() };
    for (const child of built) {
      for (const fk of getTableConfig(child.table).foreignKeys) {
        const action = fk.onDelete;
        if (action !== 'cascade' && action !== 'set null' && action !== 'set default') continue;
        const reference = fk.reference();
        const to = built.find((rt) => rt.table === reference.foreignTable);
        if (to === undefined) continue;
        const propOf = new Map(Object.entries(getTableColumns(to.table)).map(([prop, column]) => [column, prop] as const));
        const parentProps = reference.foreignColumns.map((column) => propOf.get(column as never) ?? '');
        const edges = known.byParent.get(to) ?? [];
        edges.push({ child, childColumns: reference.columns as PgColumn[], parentProps, action });
        known.byParent.set(to, edges);
      }
    }
    edgesOf.set(core, known);
  }
  return known.byParent.get(parent) ?? [];
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
  const effects: Effect[] = [];
  const updated: { child: TableRuntime; rows: Row[] }[] = [];
  const bumps = new Set<TableRuntime>();
  await descend(core, db, parent, parents, 1, { effects, updated, bumps });
  return {
    effects,
    bumps: [...bumps],
    async afterDelete() {
      const after: Effect[] = [];
      for (const { child, rows } of updated) {
        const identity = child.info.identity;
        const now: Row[] = await core.query(() => db.select().from(child.table).where(child.whereAny(identity, rows)));
        const byKey = new Map(now.map((row) => [child.rowKeys(row).row, row] as const));
        for (const old of rows) {
          const keys = child.rowKeys(old);
          const row = byKey.get(keys.row) ?? null;
          after.push({ rt: child, keys, row, lists: listEffects(child, old, row) });
        }
      }
      return after;
    },
  };
}

async function descend(
  core: StorageCore,
  db: Database,
  parent: TableRuntime,
  parents: readonly Row[],
  depth: number,
  out: { effects: Effect[]; updated: { child: TableRuntime; rows: Row[] }[]; bumps: Set<TableRuntime> },
): Promise<void> {
  for (const edge of cascadeEdges(core, parent)) {
    const condition = matching(edge, parents);
    if (condition === undefined) continue;
    if (depth > MAX_DEPTH) {
      out.bumps.add(edge.child);
      continue;
    }
    const rows: Row[] = await core.query(() => db.select().from(edge.child.table).where(condition).limit(MAX_ROWS + 1).for('update'));
    if (rows.length === 0) continue;
    if (rows.length > MAX_ROWS) {
      out.bumps.add(edge.child);
      continue;
    }
    if (edge.action !== 'cascade') {
      out.updated.push({ child: edge.child, rows });
      continue;
    }
    for (const row of rows) out.effects.push({ rt: edge.child, keys: edge.child.rowKeys(row), row: null, lists: listEffects(edge.child, row) });
    await descend(core, db, edge.child, rows, depth + 1, out);
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
