// The command line as users meet it: help, exit codes, inspect, config discovery, flags over config.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeProject, removeProject, runCli, snapshotFolder } from '../helpers/project.js';
import { timed } from '../helpers/timeout.js';

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
    });
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
