// defineTable: the accessor object a generated module exports for one table. It holds no state of its own: the
// table's runtime (checked keys, codec, key space) is built per storage on first use.
import type { PgTable } from 'drizzle-orm/pg-core';
import { checkGetBy, checkGetMany, checkRemove, checkSave, checkUpdate } from './arguments.js';
import { contextState } from './context.js';
import type { StorageCore } from './core.js';
import type { Context, HotTable, NewRow, Row, TableSpec } from './index.js';
import { getBy } from './read.js';
import { getManyByIdentity } from './read-many.js';
import type { TableRuntime } from './table-runtime.js';
import { remove, save, update } from './write.js';

export function defineTable<T extends PgTable>(table: T, spec: TableSpec): HotTable<T> {
  // One runtime per storage (each has its own prefix and codec seam), built on first use: the spec check runs then.
  const runtimes = new WeakMap<StorageCore, TableRuntime>();
  const runtimeFor = (core: StorageCore): TableRuntime => {
    let rt = runtimes.get(core);
    if (rt === undefined) {
      rt = core.buildRuntime(table, spec);
      runtimes.set(core, rt);
    }
    return rt;
  };
  // `check` validates the call's arguments before any I/O (the epoch read included); what it computed (keys, key
  // parts) goes on to the call, so the hot path builds them once.
  const prepare = <C>(ctx: Context, check: (rt: TableRuntime) => C) => {
    const state = contextState(ctx);
    const rt = runtimeFor(state.core);
    const checked = check(rt);
    // With the change feed on, a table's epoch is known before its first cached row is trusted.
    return { state, rt, checked, epochReady: state.core.epochReady(rt) };
  };
  const hot: HotTable<T> = {
    // Not async, unlike the others: the read path is every hit's, and an async layer costs a promise and a microtask
    // turn (runtime/README.md "Speed"). Whatever throws before the read starts is returned as a rejection all the same.
    getBy(ctx, key, values) {
      try {
        const { state, rt, checked, epochReady } = prepare(ctx, (rt) => checkGetBy(rt, key, values));
        const read = epochReady === undefined ? getBy(state, rt, checked, values) : epochReady.then(() => getBy(state, rt, checked, values));
        return read as Promise<Row<T> | null>;
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async getManyByIdentity(ctx, values) {
      const { state, rt, checked, epochReady } = prepare(ctx, (rt) => checkGetMany(rt, values));
      if (epochReady !== undefined) await epochReady;
      return (await getManyByIdentity(state, rt, values, checked)) as (Row<T> | null)[];
    },
    async save(ctx, row: NewRow<T>) {
      const { state, rt, epochReady } = prepare(ctx, (rt) => checkSave(rt, row));
      if (epochReady !== undefined) await epochReady;
      return (await save(state, rt, row)) as Row<T>;
    },
    async update(ctx, identity, patch) {
      const { state, rt, epochReady } = prepare(ctx, (rt) => checkUpdate(rt, identity, patch));
      if (epochReady !== undefined) await epochReady;
      return (await update(state, rt, identity, patch)) as Row<T> | null;
    },
    async remove(ctx, identity) {
      const { state, rt, epochReady } = prepare(ctx, (rt) => checkRemove(rt, identity));
      if (epochReady !== undefined) await epochReady;
      return remove(state, rt, identity);
    },
  };
  defined.set(hot, runtimeFor);
  return hot;
}

/** Every table defined in this process, with how to get its runtime in a storage (the outbox listener's tables). */
const defined = new Map<HotTable<PgTable>, (core: StorageCore) => TableRuntime>();

export function definedTables(): ReadonlyMap<HotTable<PgTable>, (core: StorageCore) => TableRuntime> {
  return defined;
}
