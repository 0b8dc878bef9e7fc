// `hotstorage triggers`: the SQL is idempotent (a second run changes no function or trigger), `--check` reports what
// a live database lacks (exit 1), is quiet when current (exit 0) and says in one sentence when Postgres is not there
// (exit 2); `--drop` removes everything.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dropSql, triggersSql } from '../../generator/triggers.js';
import { makeProject, removeProject, runCli } from '../helpers/project.js';
import { connectPostgres, DATABASE_URL, suiteName } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';
import { ddl, modelOf } from './world.js';

const schema = suiteName('inval_sql');
const feed = `${schema}_feed`;
const admin = connectPostgres();
const dirs: string[] = [];

test.after(async () => {
  for (const dir of dirs) removeProject(dir);
  await admin.unsafe(`drop schema if exists "${schema}" cascade; drop schema if exists "${feed}" cascade`);
  await admin.end({ timeout: 1 });
});

/** Everything the script installs, as Postgres prints it back (definitions and identities). */
async function installed(): Promise<string> {
  const functions = await admin.unsafe<{ oid: number; def: string }[]>(
    `select p.oid::int as oid, pg_get_functiondef(p.oid) as def from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = $1 order by p.proname`,
    [feed],
  );
  const triggers = await admin.unsafe<{ oid: number; def: string; enabled: string }[]>(
    `select t.oid::int as oid, pg_get_triggerdef(t.oid) as def, t.tgenabled::text as enabled from pg_trigger t
     join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and not t.tgisinternal order by c.relname, t.tgname`,
    [schema],
  );
  const outbox = await admin.unsafe<{ oid: number }[]>(`select to_regclass($1)::oid::int as oid`, [`"${feed}".outbox`]);
  return JSON.stringify({ functions, triggers, outbox });
}

test('the SQL is deterministic, covers every cached table with four triggers, and names the outbox schema', () => {
  const model = modelOf(schema);
  const text = triggersSql(model, { outboxSchema: feed });
  assert.is(triggersSql(model, { outboxSchema: feed }), text);
  assert.is(text.match(/create or replace trigger/g)?.length, model.tables.length * 4);
  assert.match(text, `create table if not exists "${feed}".outbox`);
  assert.match(text, `pg_notify('${feed}'`);
  const noKey = { ...model, tables: [{ ...model.tables[0]!, identity: [], primaryKey: [], uniqueKeys: [] }] };
  assert.not.match(triggersSql(noKey), 'create or replace trigger', 'a table without identity is not cached: no trigger');
  assert.match(dropSql(model, { outboxSchema: feed }), `drop table if exists "${feed}".outbox`);
});

test('running the SQL twice changes nothing (functions, triggers, outbox)', timed(30_000, async () => {
  await admin.unsafe(ddl(schema));
  const sql = triggersSql(modelOf(schema), { outboxSchema: feed });
  await admin.unsafe(sql);
  const first = await installed();
  await admin.unsafe(sql);
  assert.is(await installed(), first);
  assert.match(first, 'hotstorage:version');
  await admin.unsafe(dropSql(modelOf(schema), { outboxSchema: feed }));
  assert.is(await installed(), JSON.stringify({ functions: [], triggers: [], outbox: [{ oid: null }] }), '--drop removes everything');
}));

test('triggers --check: exit 1 listing what is missing or outdated, 0 when current, 2 with one sentence when Postgres is unreachable', timed(120_000, async () => {
  const dir = makeProject({
    'schema.ts': `import { integer, pgSchema, text } from 'drizzle-orm/pg-core';
export const s = pgSchema('${schema}');
export const items = s.table('items', { id: integer('id').primaryKey(), email: text('email').notNull().unique(), name: text('name').notNull() });
`,
  });
  dirs.push(dir);
  const flags = ['--schema', 'schema.ts', '--outbox-schema', feed, '--database-url', DATABASE_URL];
  const missing = await runCli(dir, ['triggers', '--check', ...flags]);
  assert.is(missing.code, 1, missing.stderr);
  assert.match(missing.stdout, `missing: table ${feed}.outbox`);
  assert.match(missing.stdout, `missing: trigger hotstorage_update on ${schema}.items`);

  const written = await runCli(dir, ['triggers', '--out', 'feed.sql', ...flags]);
  assert.is(written.code, 0, written.stderr);
  const { readFileSync } = await import('node:fs');
  await admin.unsafe(readFileSync(`${dir}/feed.sql`, 'utf8'));
  const current = await runCli(dir, ['triggers', '--check', ...flags]);
  assert.is(current.code, 0, current.stdout + current.stderr);
  assert.match(current.stdout, 'the change feed is current for 1 table');

  await admin.unsafe(`drop trigger hotstorage_update on "${schema}".items`);
  const dropped = await runCli(dir, ['triggers', '--check', ...flags]);
  assert.is(dropped.code, 1);
  assert.match(dropped.stdout, `missing: trigger hotstorage_update on ${schema}.items`);

  const older = await runCli(dir, ['triggers', '--bulk-limit', '5', '--out', 'older.sql', ...flags]);
  assert.is(older.code, 0);
  await admin.unsafe(readFileSync(`${dir}/older.sql`, 'utf8'));
  const outdated = await runCli(dir, ['triggers', '--check', ...flags]);
  assert.is(outdated.code, 1);
  assert.match(outdated.stdout, /outdated: function .*capture_.*items.*version [0-9a-f]+, expected [0-9a-f]+/);

  const away = await runCli(dir, ['triggers', '--check', '--schema', 'schema.ts', '--database-url', 'postgres://postgres@127.0.0.1:1/test']);
  assert.is(away.code, 2);
  assert.is(away.stderr.trim(), 'hotstorage: Postgres is not reachable at 127.0.0.1:1 (ECONNREFUSED): start it, or set --database-url to the right address.');
}));

test('triggers --check refuses a column the live table lacks (a wrong casing) before the feed can break a write, and names it', timed(120_000, async () => {
  const cased = `${schema}_cased`;
  const casedFeed = `${cased}_feed`;
  await admin.unsafe(`create schema "${cased}"; create table "${cased}".sessions ("sessionToken" text primary key, "userId" integer not null)`);
  try {
    // The SQL name a snake_case casing gives \`sessionToken\`; the table (created by drizzle's default) has "sessionToken".
    const wrong = makeProject({
      'schema.ts': `import { integer, pgSchema, text } from 'drizzle-orm/pg-core';
export const s = pgSchema('${cased}');
export const sessions = s.table('sessions', { sessionToken: text('session_token').primaryKey(), userId: integer('userId').notNull() });
`,
    });
    dirs.push(wrong);
    const flags = ['--schema', 'schema.ts', '--outbox-schema', casedFeed, '--database-url', DATABASE_URL];
    const before = await runCli(wrong, ['triggers', '--check', ...flags]);
    assert.is(before.code, 2, before.stdout + before.stderr);
    assert.is(before.stdout, '');
    assert.is(
      before.stderr,
      `hotstorage: table ${cased}.sessions has no column "session_token" (the schema's \`sessionToken\`), which the change-feed function would read: installing the feed would make every write to the table fail in Postgres; make the schema name the column as the table does (its live columns: sessionToken, userId).\n`,
    );

    // Installed anyway (the SQL applied without the check): every INSERT fails, and --check names the installed function.
    const printed = await runCli(wrong, ['triggers', ...flags]);
    assert.is(printed.code, 0, printed.stderr);
    await admin.unsafe(printed.stdout);
    const insert = await admin.unsafe(`insert into "${cased}".sessions values ('a', 1)`).then(() => 'inserted', (e: Error) => e.message);
    assert.match(insert, 'column n.session_token does not exist', insert);
    const after = await runCli(wrong, ['triggers', '--check', ...flags]);
    assert.is(after.code, 2);
    assert.match(after.stderr, new RegExp(`^hotstorage: table ${cased}\\.sessions has no column "session_token", which the installed change-feed function ${casedFeed}\\.capture_\\w+ reads: every write to the table fails in Postgres`));

    // The schema that names the columns as the table does: the check passes once its SQL is applied, and writes work.
    const right = makeProject({
      'schema.ts': `import { integer, pgSchema, text } from 'drizzle-orm/pg-core';
export const s = pgSchema('${cased}');
export const sessions = s.table('sessions', { sessionToken: text('sessionToken').primaryKey(), userId: integer('userId').notNull() });
`,
    });
    dirs.push(right);
    const fixed = await runCli(right, ['triggers', ...flags]);
    await admin.unsafe(fixed.stdout);
    const current = await runCli(right, ['triggers', '--check', ...flags]);
    assert.is(current.code, 0, current.stdout + current.stderr);
    await admin.unsafe(`insert into "${cased}".sessions values ('a', 1)`);
  } finally {
    await admin.unsafe(`drop schema if exists "${cased}" cascade; drop schema if exists "${casedFeed}" cascade`);
  }
}));

test.run();
