// Bad input: exit 2, `file:line:col: error: <one sentence>`, and the output folder byte-identical to before.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeProject, removeProject, runCli, snapshotFolder, writeFiles } from '../helpers/project.js';
import { timed } from '../helpers/timeout.js';

const GOOD_SCHEMA = `import { pgTable, serial, text } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  email: text('email').notNull().unique(),
});
`;

const config = (body: string): string => `import { defineConfig } from 'hotstorage/config';

export default defineConfig({
${body}
});
`;
const GOOD_CONFIG = config("  schema: './db/schema.ts',\n  out: './hot',");

const projects: string[] = [];

/** Generates a good project, applies `breakage`, runs `args`, and checks the failure contract. */
async function failsCleanly(breakage: Record<string, string>, expected: { file: string; line?: number; message: RegExp }, args: string[] = ['generate']) {
  const dir = makeProject({ 'db/schema.ts': GOOD_SCHEMA, 'hotstorage.config.ts': GOOD_CONFIG });
  projects.push(dir);
  const good = await runCli(dir, ['generate']);
  assert.is(good.code, 0, good.stderr);
  const before = snapshotFolder(join(dir, 'hot'));
  assert.ok(Object.keys(before).length > 1);

  writeFiles(dir, breakage);
  const run = await runCli(dir, args);
  assert.is(run.code, 2, `exit code; stderr:\n${run.stderr}`);
  assert.is(run.stdout, '');
  assert.equal(snapshotFolder(join(dir, 'hot')), before, 'the output folder must be left byte-identical');
  const lines = run.stderr.trimEnd().split('\n');
  const head = lines[0] ?? '';
  const where = expected.line === undefined ? '\\d+' : String(expected.line);
  assert.match(head, new RegExp(`^${expected.file.replace(/\./g, '\\.')}:${where}:\\d+: error: `), run.stderr);
  assert.match(head, expected.message);
  assert.match(lines[lines.length - 1] ?? '', /^hotstorage: \d+ errors?; nothing was written\.$/);
}

test(
  'a schema file with a syntax error',
  timed(120_000, () =>
    failsCleanly({ 'db/schema.ts': `${GOOD_SCHEMA}\nexport const broken = pgTable('broken', {\n  id: serial('id').primaryKey(\n});\n` }, {
      file: 'db/schema.ts',
      message: /./,
    }),
  ),
);

test(
  'a schema file that does not exist',
  timed(120_000, () =>
    failsCleanly(
      { 'hotstorage.config.ts': config("  schema: ['./db/schema.ts', './db/gone.ts'],\n  out: './hot',") },
      { file: 'hotstorage.config.ts', line: 4, message: /^hotstorage\.config\.ts:4:\d+: error: Schema file \.\/db\/gone\.ts does not exist\. \[missing-schema-file\]$/ },
    ),
  ),
);

test(
  'an unknown config key',
  timed(120_000, () =>
    failsCleanly(
      { 'hotstorage.config.ts': config("  schema: './db/schema.ts',\n  out: './hot',\n  output: './elsewhere',") },
      { file: 'hotstorage.config.ts', line: 6, message: /error: Unknown config key "output" in hotstorage\.config\.ts\. \[unknown-config-key\]$/ },
    ),
  ),
);

test(
  'a syntax error in the config file points at its line and column with the compiler\'s message',
  timed(120_000, () =>
    failsCleanly(
      // `out` lacks its comma: the error is at `casing` (line 6, column 3).
      { 'hotstorage.config.ts': config("  schema: './db/schema.ts',\n  out: './hot'\n  casing: 'snake_case',") },
      {
        file: 'hotstorage.config.ts',
        line: 6,
        message: /^hotstorage\.config\.ts:6:3: error: Config file hotstorage\.config\.ts failed to load: Expected "}" but found "casing" \[config-load\]$/,
      },
    ),
  ),
);

test(
  'a glob that matches no schema file',
  timed(120_000, () =>
    failsCleanly(
      { 'hotstorage.config.ts': config("  schema: './db/*.schema.ts',\n  out: './hot',") },
      { file: 'hotstorage.config.ts', line: 4, message: /error: The schema glob \.\/db\/\*\.schema\.ts matches no schema files\. \[empty-glob\]$/ },
    ),
  ),
);

test(
  'a column helper imported from a file that cannot be resolved',
  timed(120_000, () =>
    failsCleanly(
      {
        'db/schema.ts': `import { pgTable, serial, text } from 'drizzle-orm/pg-core';
import { timestamps } from './columns.helpers.js';

export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  email: text('email').notNull().unique(),
  ...timestamps,
});
`,
      },
      { file: 'db/schema.ts', message: /./ },
    ),
  ),
);

test(
  'a --schema flag naming a missing file fails before anything is read',
  timed(120_000, async () => {
    const dir = makeProject({});
    projects.push(dir);
    const run = await runCli(dir, ['generate', '--schema', 'db/schema.ts']);
    assert.is(run.code, 2);
    assert.is(
      run.stderr,
      'error: Schema file db/schema.ts does not exist. [missing-schema-file]\n' +
        '  hint: check the path in --schema or in the config\'s "schema"\n' +
        'hotstorage: 1 error; nothing was written.\n',
    );
    assert.equal(snapshotFolder(dir), {});
  }),
);

test.after(() => {
  for (const dir of projects) removeProject(dir);
});

test.run();
