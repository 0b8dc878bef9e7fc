// `generate --check` (the CI drift check) and what `generate` does to an existing output folder, run as the
// user runs them: the CLI in its own process.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeProject, removeProject, runCli, snapshotFolder } from '../helpers/project.js';
import { timed } from '../helpers/timeout.js';

const SCHEMA = `import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
});

export const tags = pgTable('tags', {
  id: integer('id').primaryKey(),
  slug: text('slug').notNull(),
});
`;

const CONFIG = `import { defineConfig } from 'hotstorage/config';

export default defineConfig({ schema: './db/schema.ts', out: './hot' });
`;

const projects: string[] = [];

/** A project whose hot/ folder has just been generated. */
async function generated(): Promise<string> {
  const dir = makeProject({ 'db/schema.ts': SCHEMA, 'hotstorage.config.ts': CONFIG });
  projects.push(dir);
  const run = await runCli(dir, ['generate']);
  assert.is(run.code, 0, run.stderr);
  assert.equal(Object.keys(snapshotFolder(join(dir, 'hot'))), ['index.ts', 'tags.ts', 'users.ts']);
  return dir;
}

async function check(dir: string) {
  const before = snapshotFolder(dir);
  const run = await runCli(dir, ['generate', '--check']);
  assert.equal(snapshotFolder(dir), before, '--check must write nothing');
  return run;
}

test(
  'a clean output folder passes the check with exit 0',
  timed(120_000, async () => {
    const dir = await generated();
    const run = await check(dir);
    assert.is(run.code, 0, run.stderr);
    assert.is(run.stdout, 'hotstorage: hot/ is up to date (3 files).\n');
  }),
);

test(
  'an edited schema makes the check fail with exit 1 and a diff of the stale module',
  timed(120_000, async () => {
    const dir = await generated();
    const schema = join(dir, 'db/schema.ts');
    writeFileSync(schema, readFileSync(schema, 'utf8').replace("slug: text('slug').notNull()", "slug: text('slug').notNull().unique()"));
    const run = await check(dir);
    assert.is(run.code, 1, run.stderr);
    assert.match(run.stdout, 'stale: hot/tags.ts\n');
    assert.match(run.stdout, '--- a/hot/tags.ts\n+++ b/hot/tags.ts\n');
    assert.match(run.stdout, "\n+export function getBySlug(ctx: Context, slug: Row['slug']): Promise<Row | null> {\n");
    assert.match(run.stdout, "\n-  uniqueKeys: [],\n+  uniqueKeys: [['slug']],\n");
    assert.match(run.stdout, 'hot/ is out of date: 1 stale, 0 missing, 0 orphaned');
  }),
);

test(
  'a hand-edited generated file fails the check, and the diff shows the edit being undone',
  timed(120_000, async () => {
    const dir = await generated();
    const users = join(dir, 'hot/users.ts');
    writeFileSync(users, readFileSync(users, 'utf8').replace('return table.save(ctx, row);', 'return table.save(ctx, { ...row });'));
    const run = await check(dir);
    assert.is(run.code, 1);
    assert.match(run.stdout, 'stale: hot/users.ts\n');
    assert.match(run.stdout, '\n-  return table.save(ctx, { ...row });\n+  return table.save(ctx, row);\n');
  }),
);

test(
  'a generated file whose table no longer exists is reported as orphaned, and generate removes it',
  timed(120_000, async () => {
    const dir = await generated();
    const schema = join(dir, 'db/schema.ts');
    writeFileSync(schema, readFileSync(schema, 'utf8').replace(/export const tags[^;]*;\n/, ''));
    writeFileSync(join(dir, 'hot/README.md'), 'Not generated: hotstorage leaves this alone.\n');
    const run = await check(dir);
    assert.is(run.code, 1);
    assert.match(run.stdout, 'orphaned: hot/tags.ts (generated for a table that no longer exists)\n');
    assert.match(run.stdout, 'stale: hot/index.ts\n');
    assert.not.match(run.stdout, 'README');

    const again = await runCli(dir, ['generate']);
    assert.is(again.code, 0, again.stderr);
    assert.match(again.stdout, '  removed  hot/tags.ts\n');
    assert.equal(Object.keys(snapshotFolder(join(dir, 'hot'))), ['README.md', 'index.ts', 'users.ts']);
  }),
);

test(
  'a missing generated file fails the check, and generate restores it',
  timed(120_000, async () => {
    const dir = await generated();
    const before = snapshotFolder(join(dir, 'hot'));
    rmSync(join(dir, 'hot/users.ts'));
    const run = await check(dir);
    assert.is(run.code, 1);
    assert.match(run.stdout, 'missing: hot/users.ts\n');
    assert.match(run.stdout, '0 stale, 1 missing, 0 orphaned');
    assert.is((await runCli(dir, ['generate'])).code, 0);
    assert.equal(snapshotFolder(join(dir, 'hot')), before);
  }),
);

test(
  'generate on an up-to-date folder rewrites nothing',
  timed(120_000, async () => {
    const dir = await generated();
    const run = await runCli(dir, ['generate']);
    assert.is(run.code, 0);
    assert.is(run.stdout, 'hotstorage: hot/ is up to date (3 files).\n');
  }),
);

test(
  'a schema glob that also matches the output folder does not read the generated modules as schema',
  timed(120_000, async () => {
    const dir = makeProject({ 'src/db/schema.ts': SCHEMA, 'hotstorage.config.ts': "export default { schema: './src/**/*.ts', out: './src/hot', extract: 'import' };\n" });
    projects.push(dir);
    const first = await runCli(dir, ['generate']);
    assert.is(first.code, 0, first.stderr);
    const run = await runCli(dir, ['generate', '--check']);
    assert.is(run.code, 0, run.stdout + run.stderr);
    assert.is(run.stderr, '');
    assert.is(run.stdout, 'hotstorage: src/hot/ is up to date (3 files).\n');
  }),
);

test.after(() => {
  for (const dir of projects) removeProject(dir);
});

test.run();
