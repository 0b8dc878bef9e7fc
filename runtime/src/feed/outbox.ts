// The outbox as the change feed's listener reads it: entries → the rows they name (keys decoded from the trigger's
// text values) → invalidate-row calls (one per row, one round trip per batch) and table epoch bumps. Throws when Redis
// fails, so the caller's transaction rolls back and the entries stay.
import type { PgColumn } from 'drizzle-orm/pg-core';
import { bumpEpoch, invalidateRowKeys } from '../protocol/invalidate.js';
import type { StorageCore } from '../storage/core.js';
import type { RowKeys } from '../table/keys.js';
import type { TableRuntime, Values } from '../table/table-runtime.js';

/** One outbox row as the listener reads it. */
export interface OutboxEntry {
  readonly id: string;
  readonly schema: string;
  readonly table: string;
  /** 'insert' | 'update' | 'delete' | 'table' */
  readonly kind: string;
  /** Identity columns as ::text, in order; null for a table-level entry. */
  readonly pk: readonly string[] | null;
  readonly origin: string | null;
  /** The old, then the new values of the table's listed columns as ::text (null where absent); null: none recorded. */
  readonly lists: readonly (string | null)[] | null;
}

/**
 * A value as the trigger recorded it (`::text`) → the value Drizzle would have returned for that column, so the
 * codec's keyPart gives the key a read would use. postgres.js parses some types before Drizzle sees them (numbers,
 * booleans), so those are parsed here by the column's data type; the rest go through the column's own
 * mapFromDriverValue, which expects the text the driver hands over.
 */
export function fromPkText(column: PgColumn, text: string): unknown {
  switch (column.dataType) {
    case 'number':
      return Number(text);
    case 'bigint':
      return BigInt(text);
    case 'boolean':
      return text === 'true' || text === 't';
    default:
      return column.mapFromDriverValue(text);
  }
}

/** The keys of the row an entry names; undefined when its values cannot be keys here (the table is bumped instead). */
export function entryKeys(rt: TableRuntime, pk: readonly string[]): RowKeys | undefined {
  const { props, columns } = rt.info.identity;
  if (pk.length !== props.length) return undefined;
  const values: Record<string, unknown> = {};
  try {
    props.forEach((prop, i) => {
      const column = columns[i];
      const text = pk[i];
      if (column === undefined || text === undefined) throw new Error('identity mismatch');
      values[prop] = fromPkText(column, text);
    });
    return rt.rowKeys(values as Values);
  } catch {
    return undefined;
  }
}

/**
 * The table's listed columns, each once, in the order of its lists: the order the capture trigger records their values
 * in (generator/triggers.ts, listedColumns).
 */
export function listedColumns(rt: TableRuntime): { prop: string; column: PgColumn }[] {
  const seen = new Map<string, PgColumn>();
  for (const list of rt.info.lists) list.props.forEach((prop, i) => {
    const column = list.columns[i];
    if (!seen.has(prop) && column !== undefined) seen.set(prop, column);
  });
  return [...seen].map(([prop, column]) => ({ prop, column }));
}

/**
 * The keys of the lists an entry's row left and joined (its old and new list values); undefined when the values
 * cannot be read here (the table is bumped instead).
 */
export function entryListKeys(rt: TableRuntime, values: readonly (string | null)[]): RowKeys[] | undefined {
  const columns = listedColumns(rt);
  if (values.length !== 2 * columns.length) return undefined;
  const found = new Map<string, RowKeys>();
  try {
    for (const half of [0, 1]) {
      const row: Record<string, unknown> = {};
      columns.forEach(({ prop, column }, i) => {
        const text = values[half * columns.length + i];
        row[prop] = text === null || text === undefined ? null : fromPkText(column, text);
      });
      for (const keys of rt.listsOf(row)) found.set(keys.row, keys);
    }
  } catch {
    return undefined;
  }
  return [...found.values()];
}

/** Invalidates what the entries name; throws on a Redis failure (nothing may be deleted from the outbox then). */
export async function invalidateEntries(
  core: StorageCore,
  tables: ReadonlyMap<string, TableRuntime>,
  entries: readonly OutboxEntry[],
): Promise<void> {
  const bump = new Set<TableRuntime>();
  const calls: { rt: TableRuntime; keys: RowKeys; origin: string }[] = [];
  const listCalls: { rt: TableRuntime; keys: RowKeys; origin: string }[] = [];
  for (const entry of entries) {
    const rt = tables.get(tableId(entry.schema, entry.table));
    if (rt === undefined) continue; // the drain only selects known tables
    const keys = entry.kind === 'table' || entry.pk === null ? undefined : entryKeys(rt, entry.pk);
    if (keys === undefined) bump.add(rt);
    else calls.push({ rt, keys, origin: entry.origin ?? '' });
    if (keys === undefined || rt.info.lists.length === 0) continue;
    // An entry without list values (a trigger installed before lists) says nothing of lists: the table is bumped.
    const lists = entry.lists === null ? undefined : entryListKeys(rt, entry.lists);
    if (lists === undefined) bump.add(rt);
    // Always invalidated, whoever wrote: a hotstorage writer already deleted them, and deleting twice costs a miss.
    else for (const list of lists) listCalls.push({ rt, keys: list, origin: '' });
  }
  for (const rt of bump) await bumpEpoch(core, rt);
  if (listCalls.length > 0) {
    // Lists hold no pointers: invalidated without their table (invalidateRowKeys reads pointers for calls naming one).
    const results = await invalidateRowKeys(core, listCalls.map(({ keys, origin }) => ({ keys, origin })));
    results.forEach((result, i) => {
      if (result instanceof Error) throw result;
      const call = listCalls[i];
      if (call !== undefined) core.emit('listInvalidation', call.rt.info.display, call.keys.row);
    });
  }
  if (calls.length === 0) return;
  const results = await invalidateRowKeys(core, calls);
  results.forEach((result, i) => {
    const call = calls[i];
    if (call === undefined) return;
    if (result instanceof Error) throw result;
    // 'pending': the entry's own writer is still in flight; its apply-write will write this commit's row.
    core.emit(result === 'invalidated' ? 'outboxInvalidation' : 'outboxSkip', call.rt.info.display, call.keys.row);
  });
}

export function tableId(schema: string, table: string): string {
  return `${schema}\u0000${table}`;
}
