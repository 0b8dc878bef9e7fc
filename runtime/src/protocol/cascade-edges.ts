// The foreign keys into a storage's cached tables whose referential action changes child rows in the parent's own
// statement: ON DELETE or ON UPDATE CASCADE, SET NULL, SET DEFAULT (drizzle's own foreign keys, read once per storage).
// NO ACTION and RESTRICT change nothing (the parent's statement fails instead), so they are no edges.
import { getTableColumns } from 'drizzle-orm';
import { getTableConfig, type PgColumn } from 'drizzle-orm/pg-core';
import type { StorageCore } from '../storage/core.js';
import type { TableRuntime, Values } from '../table/table-runtime.js';

export type CascadeAction = 'cascade' | 'set null' | 'set default';
export type CascadeEvent = 'delete' | 'update';

export interface CascadeEdge {
  readonly child: TableRuntime;
  readonly childColumns: readonly PgColumn[];
  /** The child's properties of `childColumns`, same order. */
  readonly childProps: readonly string[];
  /** The parent's referenced properties, same order. */
  readonly parentProps: readonly string[];
  readonly action: CascadeAction;
}

type ByParent = Map<TableRuntime, CascadeEdge[]>;
const edgesOf = new WeakMap<StorageCore, { size: number; delete: ByParent; update: ByParent }>();

/** The edges from `parent` that fire on its delete or on an update of its referenced columns. */
export function cascadeEdges(core: StorageCore, parent: TableRuntime, on: CascadeEvent): readonly CascadeEdge[] {
  const built = core.built();
  let known = edgesOf.get(core);
  if (known === undefined || known.size !== built.length) {
    known = { size: built.length, delete: new Map(), update: new Map() };
    for (const child of built) {
      const childProp = new Map(Object.entries(getTableColumns(child.table)).map(([prop, column]) => [column, prop] as const));
      for (const fk of getTableConfig(child.table).foreignKeys) {
        const reference = fk.reference();
        const to = built.find((rt) => rt.table === reference.foreignTable);
        if (to === undefined) continue;
        const parentProp = new Map(Object.entries(getTableColumns(to.table)).map(([prop, column]) => [column, prop] as const));
        const columns = reference.columns as PgColumn[];
        const edge = {
          child,
          childColumns: columns,
          childProps: columns.map((column) => childProp.get(column) ?? ''),
          parentProps: reference.foreignColumns.map((column) => parentProp.get(column as never) ?? ''),
        };
        for (const [event, action] of [['delete', fk.onDelete], ['update', fk.onUpdate]] as const) {
          if (action !== 'cascade' && action !== 'set null' && action !== 'set default') continue;
          const edges = known[event].get(to) ?? [];
          edges.push({ ...edge, action });
          known[event].set(to, edges);
        }
      }
    }
    edgesOf.set(core, known);
  }
  return known[on].get(parent) ?? [];
}

/**
 * The ON UPDATE edges a write setting `changes` on `parent` may fire: those whose referenced columns it names. No
 * query, no I/O: a write that names no referenced column (the common update) takes its usual path unchanged.
 */
export function updateEdgesNamed(core: StorageCore, parent: TableRuntime, changes: Values): CascadeEdge[] {
  return cascadeEdges(core, parent, 'update').filter((edge) => edge.parentProps.some((prop) => changes[prop] !== undefined));
}
