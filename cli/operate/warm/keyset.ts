// Keyset pagination over a table's identity columns: `WHERE (id...) > (last...) ORDER BY id... LIMIT n`. Never
// OFFSET: each batch costs an index range scan from where the last one stopped, however far into the table it is.
import { bindIfParam, type SQL, sql } from 'drizzle-orm';
import type { Database } from '@hotstorage/runtime';
import { type TableRuntime, type Values } from '@hotstorage/runtime/internal';

/** The identity values of up to `limit` rows after `after` (from the start when undefined), in identity order. */
export async function readIdentityBatch(db: Database, rt: TableRuntime, after: Values | undefined, limit: number): Promise<Values[]> {
  const { props, columns } = rt.info.identity;
  const selection = Object.fromEntries(columns.map((column, i) => [props[i] ?? column.name, column]));
  const query = db.select(selection).from(rt.table);
  const filtered = after === undefined ? query : query.where(afterCondition(rt, after));
  return filtered.orderBy(...columns).limit(limit);
}

/**
 * `(a, b) > ($1, $2)`: a row-value comparison orders exactly as `ORDER BY a, b` (same collations, ascending), so it
 * resumes right after the last row however many identity columns there are. Each value is bound through its column,
 * so it reaches Postgres in the column's driver form (a Date as a timestamp, a bigint as text).
 */
function afterCondition(rt: TableRuntime, after: Values): SQL {
  const { props, columns } = rt.info.identity;
  const values = columns.map((column, i) => bindIfParam(after[props[i] ?? ''], column));
  return sql`(${sql.join([...columns], sql`, `)}) > (${sql.join(values, sql`, `)})`;
}
