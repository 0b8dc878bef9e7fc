// `hotstorage warm --lists`: after a table's rows, each of its lists (one per distinct value of a foreign key or index's
// columns) is read once through the storage, so it is filled exactly as an application's miss fills it (the list's
// lease, one Postgres read, the fill only while the lease stands). Lists over maxListLength stay uncached, as always.
import type { PgColumn } from 'drizzle-orm/pg-core';
import { checkListBy, contextState, listBy, type TableRuntime } from '@hotstorage/runtime/internal';
import type { HotStorage } from '@hotstorage/runtime';

const CONCURRENCY = 16;

/** Fills every list of the table; returns how many lists were read. */
export async function warmLists(hs: HotStorage, rt: TableRuntime, signal: AbortSignal): Promise<number> {
  const state = contextState(hs);
  const { core } = state;
  let count = 0;
  for (const list of rt.info.lists) {
    const fields: Record<string, PgColumn> = {};
    list.props.forEach((prop, i) => {
      const column = list.columns[i];
      if (column !== undefined) fields[prop] = column;
    });
    const rows: Record<string, unknown>[] = await core.query(() => core.db.selectDistinct(fields).from(rt.table));
    const values = rows.filter((row) => list.props.every((prop) => row[prop] !== null && row[prop] !== undefined));
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      for (let n = next++; n < values.length && !signal.aborted; n = next++) {
        const value = values[n] ?? {};
        await listBy(state, rt, checkListBy(rt, list.props, value, { limit: 1 }, core.options), value);
        count += 1;
      }
    }));
  }
  return count;
}
