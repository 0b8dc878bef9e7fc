// `hotstorage triggers --check`: reads what a live database holds (the outbox table, hotstorage's capture
// functions with their version marks, the triggers that call them). The comparison itself is pure (triggers.ts).
import postgres from 'postgres';
import { columnsRead } from '@hotstorage/runtime/internal';
import type { Table } from './model.js';
import { ident, OUTBOX_SCHEMA, versionIn, type LiveState } from './triggers.js';

/** Reads the feed's objects in the outbox schema `schema`, and the live columns of each of `tables`. */
export async function readLiveState(
  database: { readonly url: string; readonly ssl?: Readonly<Record<string, unknown>> },
  tables: readonly Table[],
  schema: string = OUTBOX_SCHEMA,
): Promise<LiveState> {
  const sql = postgres(database.url, { max: 1, connect_timeout: 5, onnotice: () => {}, ...(database.ssl ? { ssl: { ...database.ssl } } : {}) });
  try {
    const [outbox] = await sql<{ found: boolean }[]>`select to_regclass(${`${ident(schema)}.outbox`}) is not null as found`;
    const tableColumns = new Map<string, readonly string[]>();
    for (const table of tables) {
      const [row] = await sql<{ columns: string[] | null }[]>`
        select (select array_agg(a.attname::text order by a.attnum) from pg_attribute a
          where a.attrelid = r.rel and a.attnum > 0 and not a.attisdropped) as columns
        from (select to_regclass(${`${ident(table.schema)}.${ident(table.name)}`}) as rel) r where r.rel is not null`;
      if (row !== undefined) tableColumns.set(`${table.schema}.${table.name}`, row.columns ?? []);
    }
    const functions = await sql<{ name: string; source: string }[]>`
      select p.proname as name, p.prosrc as source from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = ${schema}`;
    const triggers = await sql<{ schema: string; table: string; trigger: string; fn: string }[]>`
      select tn.nspname as schema, c.relname as table, t.tgname as trigger, p.proname as fn
      from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace tn on tn.oid = c.relnamespace
      join pg_proc p on p.oid = t.tgfoid join pg_namespace pn on pn.oid = p.pronamespace
      where not t.tgisinternal and t.tgenabled <> 'D' and pn.nspname = ${schema}`;
    const byTable = new Map<string, Map<string, string>>();
    for (const row of triggers) {
      const key = `${row.schema}.${row.table}`;
      const map = byTable.get(key) ?? new Map<string, string>();
      map.set(row.trigger, row.fn);
      byTable.set(key, map);
    }
    return {
      outbox: outbox?.found === true,
      functions: new Map(functions.map((f) => [f.name, versionIn(f.source)] as const)),
      functionColumns: new Map(functions.map((f) => [f.name, columnsRead(f.source)] as const)),
      triggers: byTable,
      tableColumns,
    };
  } finally {
    await sql.end({ timeout: 1 });
  }
}
