// The total a progress bar counts towards: the planner's estimate (free, and close enough for an ETA on a big table),
// or an exact count when there is no estimate (never analysed) or it is small enough that counting is cheap and a
// bar stopping at 80% would look wrong.
import { count, sql } from 'drizzle-orm';
import type { Database } from '@hotstorage/runtime';
import { type TableRuntime } from '@hotstorage/runtime/internal';

/** Below this estimate, count exactly. */
export const EXACT_COUNT_BELOW = 200_000;

export async function estimateRows(db: Database, rt: TableRuntime): Promise<number> {
  const { schema, name } = rt.info;
  // format('%I') quotes as Postgres does, so odd names (dots, quotes, capitals) find their table.
  const [planned] = await db
    .select({ n: sql<number>`reltuples::float8`.mapWith(Number) })
    .from(sql`pg_class`)
    .where(sql`oid = to_regclass(format('%I.%I', ${schema}::text, ${name}::text))`);
  const n = planned?.n ?? -1;
  if (n >= EXACT_COUNT_BELOW) return Math.round(n);
  const [exact] = await db.select({ n: count() }).from(rt.table);
  return exact?.n ?? 0;
}
