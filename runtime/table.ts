// defineTable: the accessor object a generated module exports for one table. It holds no state of its own: the
// table's runtime (checked keys, codec, key space) is built per storage on first use.
import type { PgTable } from 'drizzle-orm/pg-core';
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
  const resolve = (ctx: Context) => {
    const state = contextState(ctx);
    let rt = runtimes.get(state.core);
    if (rt === undefined) {
      rt = state.core.buildRuntime(table, spec);
      runtimes.set(state.core, rt);
    }
    return { state, rt };
  };
  return {
    async getBy(ctx, key, values) {
      const { state, rt } = resolve(ctx);
      return (await getBy(state, rt, key, values)) as Row<T> | null;
    },
    async getManyByIdentity(ctx, values) {
      const { state, rt } = resolve(ctx);
      return (await getManyByIdentity(state, rt, values)) as (Row<T> | null)[];
    },
    async save(ctx, row: NewRow<T>) {
      const { state, rt } = resolve(ctx);
      return (await save(state, rt, row)) as Row<T>;
    },
    async update(ctx, identity, patch) {
      const { state, rt } = resolve(ctx);
      return (await update(state, rt, identity, patch)) as Row<T> | null;
    },
    async remove(ctx, identity) {
      const { state, rt } = resolve(ctx);
      return remove(state, rt, identity);
    },
  };
}
