// The change feed, detected per table (DESIGN §5, out-of-band writes): a table is under the feed when hotstorage's
// capture triggers are installed on it, calling functions of this storage's outbox schema, and the outbox exists.
// One statement reads every table asked about: the relation the storage's own statements reach (a table declared
// without a schema is found through the connection's search_path, as Drizzle's unqualified statements are), its live
// columns, and the triggers named hotstorage_* on it with their functions' source.
//
// A capture function that reads a column the table does not have makes every INSERT, UPDATE and DELETE of the table
// fail inside Postgres (a schema read with the wrong casing installs exactly that). Such a table is refused here, with
// one sentence naming it and the column, before any write can fail. The columns a function reads are listed in its
// source by `hotstorage triggers` (generator/triggers.ts, `-- hotstorage:columns [...]`); a function installed before
// that mark existed is read for its `o."col"` / `n."col"` references instead.
import { sql, type SQL } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { FeedMismatchError } from '../errors.js';
import type { TableFeedStatus } from '../types.js';
import { rowsOf } from './driver.js';

export const CAPTURE_TRIGGERS = ['hotstorage_insert', 'hotstorage_update', 'hotstorage_delete', 'hotstorage_truncate'] as const;
/** The mark `hotstorage triggers` writes in each capture function: the SQL names of the columns it reads, as JSON. */
export const COLUMNS_MARK = 'hotstorage:columns';

export interface LiveTrigger {
  readonly name: string;
  readonly enabled: boolean;
  /** Schema and name of the function it calls, and that function's source. */
  readonly functionSchema: string;
  readonly functionName: string;
  readonly source: string;
}

/** What the database holds for one table. */
export interface LiveCapture {
  readonly exists: boolean;
  readonly outbox: boolean;
  readonly columns: readonly string[];
  readonly triggers: readonly LiveTrigger[];
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The relation as the storage's statements name it: qualified when Drizzle declares a schema, else by search_path. */
export function relationName(table: PgTable): string {
  const { schema, name } = getTableConfig(table);
  return schema === undefined ? quote(name) : `${quote(schema)}.${quote(name)}`;
}

/** One statement for every table (at least one): a row per table, in order, with what `parseCapture` reads. */
export function captureQuery(outboxSchema: string, tables: readonly PgTable[]): SQL {
  const wanted = sql.join(tables.map((table, i) => sql`(${i}::int, to_regclass(${relationName(table)}::text))`), sql`, `);
  const names = sql.raw(CAPTURE_TRIGGERS.map((n) => `'${n}'`).join(', '));
  return sql`select w.i as i, w.rel is not null as "exists", to_regclass(${`${quote(outboxSchema)}.outbox`}::text) is not null as outbox,
    coalesce((select json_agg(a.attname::text) from pg_attribute a
      where a.attrelid = w.rel and a.attnum > 0 and not a.attisdropped), '[]'::json) as columns,
    coalesce((select json_agg(json_build_object('name', t.tgname::text, 'enabled', t.tgenabled <> 'D',
        'functionSchema', pn.nspname::text, 'functionName', p.proname::text, 'source', p.prosrc))
      from pg_trigger t join pg_proc p on p.oid = t.tgfoid join pg_namespace pn on pn.oid = p.pronamespace
      where t.tgrelid = w.rel and not t.tgisinternal and t.tgname::text in (${names})), '[]'::json) as triggers
    from (values ${wanted}) as w(i, rel) order by w.i`;
}

/** The statement's result (either driver's shape) → one LiveCapture per table, in the order asked. */
export function parseCapture(result: unknown): LiveCapture[] {
  const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);
  return rowsOf<Record<string, unknown>>(result).map((row) => ({
    exists: row.exists === true,
    outbox: row.outbox === true,
    columns: (json(row.columns) as string[] | null) ?? [],
    triggers: (json(row.triggers) as LiveTrigger[] | null) ?? [],
  }));
}

/** The SQL names of the columns a capture function reads: its mark, else its `o."x"` / `n."x"` references. */
export function columnsRead(source: string): string[] {
  const mark = new RegExp(`${COLUMNS_MARK} (\\[.*\\])`).exec(source)?.[1];
  if (mark !== undefined) {
    try {
      const parsed: unknown = JSON.parse(mark);
      if (Array.isArray(parsed) && parsed.every((c) => typeof c === 'string')) return parsed as string[];
    } catch {
      // a mangled mark: read the references instead
    }
  }
  const found = new Set<string>();
  for (const match of source.matchAll(/\b[on]\."((?:[^"]|"")+)"/g)) found.add((match[1] ?? '').replace(/""/g, '"'));
  return [...found];
}

/**
 * The table's feed as this storage sees it; throws FeedMismatchError when its capture triggers would break a write.
 * `display` is `schema.table` for messages.
 */
export function judgeCapture(display: string, outboxSchema: string, live: LiveCapture): TableFeedStatus {
  if (!live.exists) return { table: display, changeFeed: false, triggers: 'absent', detail: 'the table was not found in the database' };
  const enabled = live.triggers.filter((t) => t.enabled);
  // Any enabled capture trigger runs on the user's writes, whichever outbox it feeds: each must read real columns.
  const present = new Set(live.columns);
  for (const trigger of enabled) {
    const missing = columnsRead(trigger.source).find((column) => !present.has(column));
    if (missing !== undefined) {
      throw new FeedMismatchError(display, `its change-feed function ${trigger.functionSchema}.${trigger.functionName} reads column "${missing}", which the table does not have, so every write to the table would fail in Postgres`);
    }
  }
  const ours = enabled.filter((t) => t.functionSchema === outboxSchema);
  if (ours.length === 0) return { table: display, changeFeed: false, triggers: 'absent' };
  if (!live.outbox) {
    throw new FeedMismatchError(display, `its change-feed triggers write to ${outboxSchema}.outbox, which does not exist, so every write to the table would fail in Postgres`);
  }
  const missing = CAPTURE_TRIGGERS.filter((name) => !ours.some((t) => t.name === name));
  if (missing.length === 0) return { table: display, changeFeed: true, triggers: 'installed' };
  // Some writes are recorded: the feed is on (its listener must drain them, epochs must hold), the rest is reported.
  return { table: display, changeFeed: true, triggers: 'incomplete', detail: `missing trigger${missing.length === 1 ? '' : 's'} ${missing.join(', ')}` };
}

/** Reads and judges the feed of each table in one statement (run through `query`, the storage's counted runner). */
export async function detectFeeds(
  run: (statement: SQL) => Promise<unknown>,
  outboxSchema: string,
  tables: readonly { table: PgTable; display: string }[],
): Promise<TableFeedStatus[]> {
  if (tables.length === 0) return [];
  const live = parseCapture(await run(captureQuery(outboxSchema, tables.map((t) => t.table))));
  return tables.map((t, i) => {
    const found = live[i];
    if (found === undefined) throw new Error(`hotstorage: internal: no feed detection row for ${t.display}`);
    return judgeCapture(t.display, outboxSchema, found);
  });
}
