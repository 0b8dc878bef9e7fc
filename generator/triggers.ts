// Out-of-band writes (DESIGN §5): the SQL that installs the durable change feed. Pure: model → SQL text.
//
// Every cached table gets statement-level AFTER triggers with transition tables (one per event: Postgres allows
// transition tables only on single-event triggers) and a TRUNCATE trigger. They record the changed identities in
// hotstorage.outbox inside the writing transaction, so an invalidation commits exactly when the write commits, and
// send one pg_notify wake-up per statement. A statement touching more than `bulkLimit` rows records one table-level
// entry instead (the runtime then bumps the table's epoch). Everything is create-or-replace / if-not-exists: running
// the script twice changes nothing.
import { createHash } from 'node:crypto';
import type { Model, Table } from './model.js';

/** Bump when the shape of the emitted SQL changes: it is part of every version hash. */
export const TRIGGERS_VERSION = 2;
export const OUTBOX_SCHEMA = 'hotstorage';
export const DEFAULT_BULK_LIMIT = 1000;
export const TRIGGER_EVENTS = ['insert', 'update', 'delete', 'truncate'] as const;

export interface TriggerOptions {
  /** Statements touching more rows than this record one table-level entry (default 1000). */
  readonly bulkLimit?: number;
  /** Schema of the outbox and the capture functions, also the NOTIFY channel (default `hotstorage`). */
  readonly outboxSchema?: string;
}

/** What one table gets: its capture function and the version embedded in the function body. */
export interface TablePlan {
  readonly schema: string;
  readonly name: string;
  /** Function name inside the hotstorage schema (unquoted). */
  readonly functionName: string;
  readonly version: string;
  readonly functionSql: string;
  readonly triggersSql: string;
}

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

const hash = (text: string, length: number): string => createHash('sha256').update(text).digest('hex').slice(0, length);

/** Function names must fit Postgres's 63 bytes and stay distinct for any schema/table pair. */
export function functionNameOf(schema: string, table: string): string {
  const readable = `capture_${schema}_${table}`.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 48);
  return `${readable}_${hash(`${schema}\u0000${table}`, 8)}`;
}

export const VERSION_MARK = 'hotstorage:version';
/**
 * The columns a capture function reads, as a JSON list of SQL names on a line of its own in the function's source: the
 * runtime (createHotStorage) and `triggers --check` compare them with the table's live columns, so a function that
 * would fail every write is refused before one can (runtime/src/storage/feed-detection.ts reads it). List every
 * column the body reads here.
 */
export const COLUMNS_MARK = 'hotstorage:columns';

export function outboxSql(options: TriggerOptions = {}): string {
  const s = ident(options.outboxSchema ?? OUTBOX_SCHEMA);
  return [
    `create schema if not exists ${s};`,
    '',
    '-- One row per changed identity (or one per table for TRUNCATE and huge statements), drained by hs.listen().',
    `create table if not exists ${s}.outbox (`,
    '  id bigserial primary key,',
    '  table_schema text not null,',
    '  table_name text not null,',
    "  kind text not null, -- 'insert' | 'update' | 'delete' | 'table'",
    '  pk text[], -- identity columns in order, as ::text; null for a table-level entry',
    '  unique_changed boolean, -- update only: the identity or a unique-key column changed',
    "  origin text, -- current_setting('hotstorage.origin'): the hotstorage writer, null for other writes",
    '  created_at timestamptz not null default now()',
    ');',
    '-- The old and then the new values of the listed columns (foreign keys, non-unique indexes) as ::text, null on the',
    '-- side a row lacks: the listener invalidates the lists the row left and joined. Added to outboxes made before lists.',
    `alter table ${s}.outbox add column if not exists lists text[];`,
  ].join('\n');
}

function columnsOf(table: Table, props: readonly string[]): string[] {
  return props.map((prop) => {
    const column = table.columns.find((c) => c.key === prop);
    if (column === undefined) throw new Error(`hotstorage triggers: table ${table.schema}.${table.name} has no column \`${prop}\``);
    return column.name;
  });
}

/** The SQL names of the columns a table's capture function reads: its identity, then its unique keys' other columns. */
export function capturedColumns(table: Table): { identity: string[]; unique: string[] } {
  const identity = columnsOf(table, table.identity);
  const unique = [...new Set(table.uniqueKeys.flatMap((key) => columnsOf(table, key)))].filter((c) => !identity.includes(c));
  return { identity, unique };
}

/**
 * The SQL names of a table's listed columns, each once, in the order of its lists: the order of the outbox's `lists`
 * values, which the runtime reads back by the same rule (runtime/src/feed/outbox.ts, listedColumns).
 */
export function listedColumns(table: Table): string[] {
  return [...new Set(table.lists.flatMap((list) => columnsOf(table, list.columns)))];
}

export function planTable(table: Table, options: TriggerOptions = {}): TablePlan {
  const limit = options.bulkLimit ?? DEFAULT_BULK_LIMIT;
  const { identity, unique: uniqueCols } = capturedColumns(table);
  const fn = functionNameOf(table.schema, table.name);
  const schema = options.outboxSchema ?? OUTBOX_SCHEMA;
  const qualified = `${ident(schema)}.${ident(fn)}`;
  const outbox = `${ident(schema)}.outbox`;
  const pkOf = (alias: string) => `array[${identity.map((c) => `${alias}.${ident(c)}::text`).join(', ')}]`;
  const join = identity.map((c) => `o.${ident(c)} = n.${ident(c)}`).join(' and ');
  const changed = ['o', 'n'].map((a) => identity.map((c) => `${a}.${ident(c)} is null`).join(' or '));
  const uniqueDiff = uniqueCols.map((c) => `o.${ident(c)} is distinct from n.${ident(c)}`);
  const listed = listedColumns(table);
  // `lists`: the listed columns of the old row, then of the new one (null for the side a row has not).
  const listsOf = (old: string | undefined, fresh: string | undefined) =>
    listed.length === 0 ? '' : `, array[${[old, fresh].flatMap((alias) => listed.map((c) => (alias ? `${alias}.${ident(c)}::text` : 'null::text'))).join(', ')}]`;
  const listsColumn = listed.length === 0 ? '' : ', lists';
  const body = [
    'declare',
    '  n bigint;',
    "  origin text := nullif(current_setting('hotstorage.origin', true), '');",
    'begin',
    "  if tg_op = 'TRUNCATE' then",
    `    insert into ${outbox} (table_schema, table_name, kind, origin) values (tg_table_schema, tg_table_name, 'table', origin);`,
    "  elsif tg_op = 'DELETE' then",
    '    select count(*) into n from old_rows;',
    `    if n > ${limit} then`,
    `      insert into ${outbox} (table_schema, table_name, kind, origin) values (tg_table_schema, tg_table_name, 'table', origin);`,
    '    elsif n > 0 then',
    `      insert into ${outbox} (table_schema, table_name, kind, pk, origin${listsColumn}) select tg_table_schema, tg_table_name, 'delete', ${pkOf('o')}, origin${listsOf('o', undefined)} from old_rows o;`,
    '    end if;',
    "  elsif tg_op = 'INSERT' then",
    '    select count(*) into n from new_rows;',
    `    if n > ${limit} then`,
    `      insert into ${outbox} (table_schema, table_name, kind, origin) values (tg_table_schema, tg_table_name, 'table', origin);`,
    '    elsif n > 0 then',
    `      insert into ${outbox} (table_schema, table_name, kind, pk, origin${listsColumn}) select tg_table_schema, tg_table_name, 'insert', ${pkOf('n')}, origin${listsOf(undefined, 'n')} from new_rows n;`,
    '    end if;',
    '  else',
    '    select count(*) into n from new_rows;',
    `    if n > ${limit} then`,
    `      insert into ${outbox} (table_schema, table_name, kind, origin) values (tg_table_schema, tg_table_name, 'table', origin);`,
    '    elsif n > 0 then',
    '      -- Transition tables do not pair old and new rows: they are joined on the identity. A row whose identity',
    '      -- changed appears twice (its old identity and its new one), both flagged unique_changed.',
    `      insert into ${outbox} (table_schema, table_name, kind, pk, unique_changed, origin${listsColumn})`,
    `      select tg_table_schema, tg_table_name, 'update', case when ${changed[1]} then ${pkOf('o')} else ${pkOf('n')} end,`,
    `        (${[changed[0], changed[1], ...uniqueDiff].join(' or ')}), origin${listsOf('o', 'n')}`,
    `      from old_rows o full join new_rows n on ${join};`,
    '    end if;',
    '  end if;',
    `  perform pg_notify(${literal(schema)}, tg_table_schema || '.' || tg_table_name);`,
    '  return null;',
    'end;',
  ].join('\n');
  const version = hash(`${TRIGGERS_VERSION}\n${body}`, 16);
  const target = `${ident(table.schema)}.${ident(table.name)}`;
  const functionSql = [
    `create or replace function ${qualified}() returns trigger language plpgsql as $hotstorage$`,
    `-- ${VERSION_MARK} ${version} (${table.schema}.${table.name}; generated by hotstorage triggers)`,
    `-- ${COLUMNS_MARK} ${JSON.stringify([...new Set([...identity, ...uniqueCols, ...listed])])}`,
    body,
    '$hotstorage$;',
  ].join('\n');
  const triggersSql = [
    `create or replace trigger hotstorage_insert after insert on ${target} referencing new table as new_rows for each statement execute function ${qualified}();`,
    `create or replace trigger hotstorage_update after update on ${target} referencing old table as old_rows new table as new_rows for each statement execute function ${qualified}();`,
    `create or replace trigger hotstorage_delete after delete on ${target} referencing old table as old_rows for each statement execute function ${qualified}();`,
    `create or replace trigger hotstorage_truncate after truncate on ${target} for each statement execute function ${qualified}();`,
  ].join('\n');
  return { schema: table.schema, name: table.name, functionName: fn, version, functionSql, triggersSql };
}

/** Tables the cache holds: those with an identity. */
export function cachedTables(model: Model): readonly Table[] {
  return model.tables.filter((t) => t.identity.length > 0);
}

export function triggersSql(model: Model, options: TriggerOptions = {}): string {
  const plans = cachedTables(model).map((t) => planTable(t, options));
  const parts = [
    '-- hotstorage change feed: records writes that bypass hotstorage (raw SQL, bulk statements, other services) so',
    '-- hs.listen() can invalidate them. Idempotent: safe to run again. Generated by `hotstorage triggers`.',
    outboxSql(options),
    ...plans.flatMap((p) => ['', `-- ${p.schema}.${p.name}`, p.functionSql, p.triggersSql]),
  ];
  return `${parts.join('\n')}\n`;
}

/** Removes what triggersSql installs (the outbox and its pending entries included). */
export function dropSql(model: Model, options: TriggerOptions = {}): string {
  const schema = ident(options.outboxSchema ?? OUTBOX_SCHEMA);
  const lines = ['-- Removes the hotstorage change feed. Generated by `hotstorage triggers --drop`.'];
  for (const t of cachedTables(model)) {
    const target = `${ident(t.schema)}.${ident(t.name)}`;
    for (const event of TRIGGER_EVENTS) lines.push(`drop trigger if exists hotstorage_${event} on ${target};`);
    lines.push(`drop function if exists ${schema}.${ident(functionNameOf(t.schema, t.name))}();`);
  }
  lines.push(`drop table if exists ${schema}.outbox;`, `drop schema if exists ${schema};`);
  return `${lines.join('\n')}\n`;
}

/** What the live database holds, as --check reads it. */
export interface LiveState {
  readonly outbox: boolean;
  /** function name → version found in its body (undefined when no mark). */
  readonly functions: ReadonlyMap<string, string | undefined>;
  /** function name → the SQL names of the columns its body reads (its columns mark, else its references). */
  readonly functionColumns: ReadonlyMap<string, readonly string[]>;
  /** `schema.table` → trigger names (enabled) calling hotstorage functions, with the function each calls. */
  readonly triggers: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** `schema.table` → its live columns, for each cached table that exists. */
  readonly tableColumns: ReadonlyMap<string, readonly string[]>;
}

/**
 * Column mismatches that break writes, one sentence each: a capture function (installed, or the one `triggers` would
 * install) that reads a column the live table lacks makes every INSERT, UPDATE and DELETE of the table fail in
 * Postgres. Empty when every function reads real columns.
 */
export function columnMismatches(model: Model, live: LiveState, options: TriggerOptions = {}): string[] {
  const schema = options.outboxSchema ?? OUTBOX_SCHEMA;
  const problems: string[] = [];
  for (const t of cachedTables(model)) {
    const display = `${t.schema}.${t.name}`;
    const present = live.tableColumns.get(display);
    if (present === undefined) continue; // a missing table is reported with the rest
    const has = new Set(present);
    // The functions the table's triggers call run on every write: each must read real columns.
    const called = [...new Set(live.triggers.get(display)?.values() ?? [])].sort();
    const broken = called
      .map((fn) => ({ fn, column: live.functionColumns.get(fn)?.find((column) => !has.has(column)) }))
      .find((found) => found.column !== undefined);
    if (broken !== undefined) {
      problems.push(
        `table ${display} has no column "${broken.column}", which the installed change-feed function ${schema}.${broken.fn} reads: every write to the table fails in Postgres; remove the feed (\`hotstorage triggers --drop\`) or install it from a schema that names the table's columns.`,
      );
      continue;
    }
    const { identity, unique } = capturedColumns(t);
    const wrong = [...identity, ...unique, ...listedColumns(t)].find((column) => !has.has(column));
    if (wrong !== undefined) {
      const column = t.columns.find((c) => c.name === wrong);
      problems.push(
        `table ${display} has no column "${wrong}"${column ? ` (the schema's \`${column.key}\`)` : ''}, which the change-feed function would read: installing the feed would make every write to the table fail in Postgres; make the schema name the column as the table does (its live columns: ${present.join(', ')}).`,
      );
    }
  }
  return problems;
}

export function versionIn(source: string): string | undefined {
  return new RegExp(`${VERSION_MARK} ([0-9a-f]+)`).exec(source)?.[1];
}

/** Problems, one sentence each; empty when the database is current. */
export function compareLive(model: Model, live: LiveState, options: TriggerOptions = {}): string[] {
  const problems: string[] = [];
  const schema = options.outboxSchema ?? OUTBOX_SCHEMA;
  if (!live.outbox) problems.push(`missing: table ${schema}.outbox`);
  for (const t of cachedTables(model)) {
    const plan = planTable(t, options);
    const display = `${t.schema}.${t.name}`;
    if (!live.tableColumns.has(display)) problems.push(`missing: table ${display}`);
    const found = live.functions.get(plan.functionName);
    if (!live.functions.has(plan.functionName)) problems.push(`missing: function ${schema}.${plan.functionName} (${display})`);
    else if (found !== plan.version) problems.push(`outdated: function ${schema}.${plan.functionName} (${display}): version ${found ?? 'unknown'}, expected ${plan.version}`);
    const triggers = live.triggers.get(display);
    for (const event of TRIGGER_EVENTS) {
      const calls = triggers?.get(`hotstorage_${event}`);
      if (calls === undefined) problems.push(`missing: trigger hotstorage_${event} on ${display}`);
      else if (calls !== plan.functionName) problems.push(`outdated: trigger hotstorage_${event} on ${display} calls ${calls}`);
    }
  }
  return problems;
}
