// defineTable: the accessor object a generated module exports for one table. It holds no state of its own: each
// storage builds the table's runtime (checked keys, codec, key space) from its definition, at startup for the tables
// it was given, else on first use.
import type { PgTable } from 'drizzle-orm/pg-core';
import { getBy } from '../protocol/read.js';
import { getManyByIdentity } from '../protocol/read-many.js';
import { getManyByUnique } from '../protocol/read-many-unique.js';
import { listBy } from '../protocol/read-list.js';
import { remove, save, update } from '../protocol/write.js';
import { contextState } from '../storage/context.js';
import type { TableDefinition } from '../storage/core.js';
import type { TableRuntime } from '../table/table-runtime.js';
import type { Context, HotTable, NewRow, Row, TableSpec } from '../types.js';
import { checkGetBy, checkGetMany, checkGetManyBy, checkListBy, checkRemove, checkSave, checkUpdate } from './arguments.js';

export function defineTable<T extends PgTable>(table: T, spec: TableSpec): HotTable<T> {
  const definition: TableDefinition = { table, spec };
  // `check` validates the call's arguments before any I/O (the epoch read included); what it computed (keys, key
  // parts) goes on to the call, so the hot path builds them once.
  const prepare = <C>(ctx: Context, check: (rt: TableRuntime) => C) => {
    const state = contextState(ctx);
    const rt = state.core.runtimeOf(definition);
    const checked = check(rt);
    // Before a table's first cached row is trusted: its change feed is known and, under it, its epoch.
    return { state, rt, checked, firstUse: state.core.tableReady(rt) };
  };
  const hot: HotTable<T> = {
    // Not async, unlike the others: the read path is every hit's, and an async layer costs a promise and a microtask
    // turn (runtime/README.md "Speed"). Whatever throws before the read starts is returned as a rejection all the same.
    // prepare's steps written out: its closure and its result object cost a near-cache hit a tenth of its time.
    getBy(ctx, key, values) {
      try {
        const state = contextState(ctx);
        const rt = state.core.runtimeOf(definition);
        const checked = checkGetBy(rt, key, values);
        const firstUse = state.core.tableReady(rt);
        const read = firstUse === undefined ? getBy(state, rt, checked, values) : firstUse.then(() => getBy(state, rt, checked, values));
        return read as Promise<Row<T> | null>;
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async getManyByIdentity(ctx, values) {
      const { state, rt, checked, firstUse } = prepare(ctx, (rt) => checkGetMany(rt, values));
      if (firstUse !== undefined) await firstUse;
      return (await getManyByIdentity(state, rt, values, checked)) as (Row<T> | null)[];
    },
    async getManyBy(ctx, key, values) {
      const { state, rt, checked, firstUse } = prepare(ctx, (rt) => checkGetManyBy(rt, key, values));
      if (firstUse !== undefined) await firstUse;
      return (await getManyByUnique(state, rt, checked, values)) as (Row<T> | null)[];
    },
    // Not async either: a list hit is one round trip too (getBy above).
    listBy(ctx, key, values, options) {
      try {
        const limits = contextState(ctx).core.options;
        const { state, rt, checked, firstUse } = prepare(ctx, (rt) => checkListBy(rt, key, values, options, limits));
        const read = firstUse === undefined ? listBy(state, rt, checked, values) : firstUse.then(() => listBy(state, rt, checked, values));
        return read as Promise<Row<T>[]>;
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async save(ctx, row: NewRow<T>) {
      const { state, rt, firstUse } = prepare(ctx, (rt) => checkSave(rt, row));
      if (firstUse !== undefined) await firstUse;
      return (await save(state, rt, row)) as Row<T>;
    },
    async update(ctx, identity, patch) {
      const { state, rt, firstUse } = prepare(ctx, (rt) => checkUpdate(rt, identity, patch));
      if (firstUse !== undefined) await firstUse;
      return (await update(state, rt, identity, patch)) as Row<T> | null;
    },
    async remove(ctx, identity) {
      const { state, rt, firstUse } = prepare(ctx, (rt) => checkRemove(rt, identity));
      if (firstUse !== undefined) await firstUse;
      return remove(state, rt, identity);
    },
  };
  definitions.set(hot, definition);
  return hot;
}

// What each accessor object was defined with, so a storage given `tables` finds their definitions. A WeakMap: a brand,
// not a registry (nothing iterates it).
const definitions = new WeakMap<object, TableDefinition>();

/** The definition behind an accessor object made by defineTable; undefined for anything else. */
export function definitionOf(value: unknown): TableDefinition | undefined {
  return typeof value === 'object' && value !== null ? definitions.get(value) : undefined;
}
