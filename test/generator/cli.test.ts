// The command line as users meet it: help, exit codes, inspect, config discovery, flags over config.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeProject, removeProject, runCli, snapshotFolder } from '../helpers/project.js';
import { timed } from '../helpers/timeout.js';
import { MODEL_VERSION } from '../../generator/model.js';

const SCHEMA = `import { pgTable, serial, text, unique } from 'drizzle-orm/pg-core';

export const users = pgTable(
  'users',
  {
    id: serial().primaryKey(),
    email: text().notNull().unique(),
    fullName: text().notNull(),
    phone: text().notNull(),
  },
  (t) => [unique().on(t.fullName, t.phone)],
);
`;

const projects: string[] = [];
function project(files: Record<string, string>): string {
  const dir = makeProject(files);
  projects.push(dir);
  return dir;
}

test(
  '--help on each command lists its flags and an example, and exits 0',
  timed(120_000, async () => {
    const dir = project({});
    const top = await runCli(dir, ['--help']);
    assert.is(top.code, 0);
    assert.match(top.stdout, 'hotstorage generate');
    assert.match(top.stdout, 'hotstorage inspect');
    const generate = await runCli(dir, ['generate', '--help']);
    assert.is(generate.code, 0);
    for (const flag of ['--config', '--schema', '--out', '--casing', '--extract', '--check', 'Examples:']) assert.match(generate.stdout, flag);
    const inspect = await runCli(dir, ['inspect', '--help']);
    assert.is(inspect.code, 0);
    for (const flag of ['--json', '--extract', 'Examples:']) assert.match(inspect.stdout, flag);
  }),
);

test(
  'usage errors exit 2 with one line saying what is wrong',
  timed(120_000, async () => {
    const dir = project({});
    const noCommand = await runCli(dir, []);
    assert.is(noCommand.code, 2);
    assert.is(noCommand.stderr, 'hotstorage: Name a command: generate, inspect, triggers, warm, verify, stats or purge.\nRun `hotstorage --help` for usage.\n');
    const unknown = await runCli(dir, ['generate', '--schema', 'x.ts', '--outdir', 'hot']);
    assert.is(unknown.code, 2);
    assert.match(unknown.stderr, /^hotstorage: Unknown argument: outdir\n/);
    const casing = await runCli(dir, ['generate', '--schema', 'x.ts', '--casing', 'kebab']);
    assert.is(casing.code, 2);
    assert.match(casing.stderr, 'Argument: casing, Given: "kebab"');
    assert.equal(snapshotFolder(dir), {});
  }),
);

test(
  'a mistyped command is suggested; --out without a folder and a number flag that is no number are refused, echoing what was typed',
  timed(120_000, async () => {
    const dir = project({ 'db/schema.ts': SCHEMA });
    const usage = 'Run `hotstorage --help` for usage.\n';
    const typo = await runCli(dir, ['wram']);
    assert.equal([typo.code, typo.stderr], [2, `hotstorage: Unknown argument: wram. Did you mean warm?\n${usage}`]);
    // Without the check, an empty --out is the project folder itself: generate wrote the modules there and exited 0.
    for (const args of [['--out'], ['--out', ''], ['--out=']]) {
      const run = await runCli(dir, ['generate', '--schema', 'db/schema.ts', '--casing', 'snake_case', ...args]);
      assert.equal([run.code, run.stderr], [2, `hotstorage: --out needs a folder, got none.\n${usage}`], args.join(' '));
    }
    const bulk = await runCli(dir, ['triggers', '--schema', 'db/schema.ts', '--casing', 'snake_case', '--bulk-limit', 'many']);
    assert.equal([bulk.code, bulk.stderr], [2, `hotstorage: --bulk-limit must be a positive whole number of rows, got "many".\n${usage}`]);
    assert.equal(Object.keys(snapshotFolder(dir)), ['db/schema.ts'], 'nothing was written');
  }),
);

test(
  'generate warns, once per key with the reason, about a unique key that gets no accessor, and about a schema with no table',
  timed(120_000, async () => {
    const dir = project({
      'db/schema.ts': `import { integer, pgTable, text } from 'drizzle-orm/pg-core';

export const members = pgTable('members', { id: integer('id').primaryKey(), nickname: text('nickname').unique() });
`,
      'db/empty.ts': 'export const nothing = 1;\n',
    });
    const run = await runCli(dir, ['generate', '--schema', 'db/schema.ts', '--out', 'hot']);
    assert.is(run.code, 0, run.stderr);
    assert.is(
      run.stderr,
      'db/schema.ts: warning: unique key members_nickname_unique (nickname) of table public.members gets no accessor: a column of it may be NULL, ' +
        'and Postgres lets rows share a key that holds a NULL, so it cannot name one row (make its columns NOT NULL, or declare it .nullsNotDistinct()) [skipped-key]\n',
    );
    const empty = await runCli(dir, ['generate', '--schema', 'db/empty.ts', '--out', 'empty']);
    assert.is(empty.code, 0, empty.stderr);
    assert.match(empty.stderr, /^warning: the schema files declare no table .*: the generated index exports nothing \[no-tables\]\n/);
  }),
);

test(
  'inspect --json prints the versioned model, keyed by TypeScript property names',
  timed(120_000, async () => {
    const dir = project({ 'db/schema.ts': SCHEMA });
    const run = await runCli(dir, ['inspect', '--json', '--schema', 'db/schema.ts', '--casing', 'snake_case']);
    assert.is(run.code, 0, run.stderr);
    const model: unknown = JSON.parse(run.stdout);
    assert.equal(model, {
      version: 2,
      tables: [
        {
          exportName: 'users',
          schema: 'public',
          name: 'users',
          file: 'db/schema.ts',
          primaryKey: ['id'],
          uniqueKeys: [['email'], ['fullName', 'phone']],
          identity: ['id'],
          columns: [
            { key: 'id', name: 'id', notNull: true },
            { key: 'email', name: 'email', notNull: true },
            { key: 'fullName', name: 'full_name', notNull: true },
            { key: 'phone', name: 'phone', notNull: true },
          ],
          lists: [],
          skipped: [],
        },
      ],
      unread: [],
      diagnostics: [],
    });
  }),
);

const PARTLY_UNREADABLE = `import { pgTable, serial, text } from 'drizzle-orm/pg-core';

export const users = pgTable('users', { id: serial('id').primaryKey(), email: text('email').notNull().unique() });
export const notes = pgTable('notes', { id: serial('id').primaryKey(), body: text('body') });

const longCodes = process.env.LONG_CODES === '1';
export const coupons = pgTable('coupons', {
  id: serial('id').primaryKey(),
  code: longCodes ? text('code').notNull() : text('short_code').notNull(),
});

function tenantTable(tenant: string) {
  return pgTable(\`\${tenant}_members\`, { id: serial('id').primaryKey() });
}
export const acmeMembers = tenantTable('acme');
`;

test(
  'one table that cannot be read hides no other: inspect shows every table read and names the others, exit 2; generate writes nothing',
  timed(120_000, async () => {
    const dir = project({ 'db/schema.ts': PARTLY_UNREADABLE });
    const text = await runCli(dir, ['inspect', '--schema', 'db/schema.ts']);
    assert.is(text.code, 2, text.stderr);
    assert.is(
      text.stdout,
      'public.notes  notes in db/schema.ts\n  primary key (id)\n' +
        'public.users  users in db/schema.ts\n  primary key (id)\n  unique (email)\n' +
        'not read  acmeMembers in db/schema.ts\n' +
        'not read  coupons in db/schema.ts\n',
    );
    const lines = text.stderr.trimEnd().split('\n');
    assert.equal(lines.filter((l) => l.includes(': error: ')).map((l) => l.replace(/: error: .*/, '')), ['db/schema.ts:9:9', 'db/schema.ts:15:14']);
    assert.match(text.stderr, 'export `acmeMembers` may be a table');
    assert.is(lines[lines.length - 1], 'hotstorage: 2 errors; 2 tables read, 2 not read.');

    const json = await runCli(dir, ['inspect', '--json', '--schema', 'db/schema.ts']);
    assert.is(json.code, 2, json.stderr);
    const printed = JSON.parse(json.stdout) as { version: number; tables: { exportName: string }[]; unread: unknown[]; diagnostics: { severity: string; file: string; line: number; code: string }[] };
    assert.is(printed.version, MODEL_VERSION);
    assert.equal(printed.tables.map((t) => t.exportName), ['notes', 'users']);
    assert.equal(printed.unread, [{ file: 'db/schema.ts', exportName: 'acmeMembers' }, { file: 'db/schema.ts', exportName: 'coupons' }]);
    assert.equal(printed.diagnostics.map((d) => [d.severity, d.file, d.line, d.code]), [
      ['error', 'db/schema.ts', 9, 'unresolved-value'],
      ['error', 'db/schema.ts', 15, 'unresolved-table'],
    ]);

    const generate = await runCli(dir, ['generate', '--schema', 'db/schema.ts', '--out', 'hot']);
    assert.is(generate.code, 2);
    assert.not.ok(existsSync(join(dir, 'hot')), 'nothing is written');
  }),
);

test(
  'with --extract import, a schema file that throws hides no other file\'s tables, and the count says a file was not read',
  timed(120_000, async () => {
    const dir = project({
      'db/users.ts': "import { pgTable, serial } from 'drizzle-orm/pg-core';\nexport const users = pgTable('users', { id: serial('id').primaryKey() });\n",
      'db/broken.ts': "export const x = 1;\nthrow new Error('DATABASE_URL is not set');\n",
    });
    const run = await runCli(dir, ['inspect', '--extract', 'import', '--schema', 'db/*.ts']);
    assert.is(run.code, 2, run.stderr);
    assert.is(run.stdout, 'public.users  users in db/users.ts\n  primary key (id)\nnot read  db/broken.ts\n');
    assert.match(run.stderr, /^db\/broken\.ts:2:\d+: error: importing db\/broken\.ts failed: DATABASE_URL is not set \[import-failed\]/);
    assert.match(run.stderr, /\nhotstorage: 1 error; 1 table read, 0 not read, 1 file not read at all\.\n$/);
  }),
);

test(
  'with no casing configured, nameless columns are named by their keys (drizzle\'s default), by static and import extraction alike',
  timed(120_000, async () => {
    const dir = project({ 'db/schema.ts': SCHEMA, 'drizzle.config.ts': "export default { dialect: 'postgresql', schema: './db/schema.ts' };\n" });
    const names = async (extract: string): Promise<unknown> => {
      const run = await runCli(dir, ['inspect', '--json', '--extract', extract]);
      assert.is(run.code, 0, run.stderr);
      assert.is(run.stderr, '');
      const model = JSON.parse(run.stdout) as { tables: { columns: { name: string }[] }[] };
      return model.tables[0]?.columns.map((c) => c.name);
    };
    assert.equal(await names('static'), ['id', 'email', 'fullName', 'phone']);
    assert.equal(await names('import'), ['id', 'email', 'fullName', 'phone']);
    const generate = await runCli(dir, ['generate']);
    assert.is(generate.code, 0, generate.stderr);
  }),
);

test(
  'without hotstorage.config.ts, generate takes schema and casing from drizzle.config.ts and writes ./hotstorage',
  timed(120_000, async () => {
    const dir = project({
      'db/schema.ts': SCHEMA,
      'drizzle.config.ts': "export default { dialect: 'postgresql', schema: './db/schema.ts', out: './drizzle', casing: 'snake_case' };\n",
    });
    const run = await runCli(dir, ['generate']);
    assert.is(run.code, 0, run.stderr);
    assert.equal(Object.keys(snapshotFolder(join(dir, 'hotstorage'))), ['index.ts', 'users.ts']);
    assert.not.ok(existsSync(join(dir, 'drizzle')));
    assert.match(snapshotFolder(join(dir, 'hotstorage'))['users.ts'] ?? '', 'export function getByFullNameAndPhone(');
  }),
);

test(
  'flags override the config: --out and --schema are taken relative to the working folder',
  timed(120_000, async () => {
    const dir = project({
      'db/schema.ts': SCHEMA,
      'db/other.ts': "import { pgTable, text } from 'drizzle-orm/pg-core';\nexport const notes = pgTable('notes', { slug: text('slug').notNull().unique() });\n",
      'hotstorage.config.ts': "export default { schema: './db/schema.ts', out: './hot', casing: 'snake_case' };\n",
    });
    const run = await runCli(dir, ['generate', '--schema', 'db/other.ts', '--out', 'gen/hot']);
    assert.is(run.code, 0, run.stderr);
    assert.not.ok(existsSync(join(dir, 'hot')));
    assert.equal(Object.keys(snapshotFolder(join(dir, 'gen/hot'))), ['index.ts', 'notes.ts']);
    assert.match(snapshotFolder(join(dir, 'gen/hot'))['notes.ts'] ?? '', "import { notes } from '../../db/other.js';");
  }),
);

test(
  'diagnostics are printed relative to the working folder, so they point at the file from where you stand',
  timed(120_000, async () => {
    const dir = project({ 'app/hotstorage.config.ts': "export default {\n  schema: './db/missing.ts',\n};\n" });
    const run = await runCli(dir, ['generate', '--config', 'app/hotstorage.config.ts']);
    assert.is(run.code, 2);
    assert.match(run.stderr, /^app\/hotstorage\.config\.ts:2:11: error: Schema file \.\/db\/missing\.ts does not exist\./);
  }),
);

test.after(() => {
  for (const dir of projects) removeProject(dir);
});

test.run();
