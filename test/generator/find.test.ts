// Schema files from --schema / "schema" entries, the way drizzle-kit reads them.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SchemaEntry } from '../../generator/config.js';
import { formatDiagnostic } from '../../generator/diagnostics.js';
import { findSchemaFiles } from '../../generator/find.js';
import { makeProject, removeProject } from '../helpers/project.js';

const dir = makeProject({
  'db/users.ts': '',
  'db/posts.mts': '',
  'db/types.d.ts': '',
  'db/notes.md': '',
  'db/nested/deep.ts': '',
  'other/b.ts': '',
  'other/a.ts': '',
  'app/config.ts': '',
});

const entries = (base: string, ...patterns: string[]): SchemaEntry[] => patterns.map((pattern) => ({ pattern, base, origin: undefined }));

test('a folder gives its own schema files, one level deep, without declaration files or other files', async () => {
  const found = await findSchemaFiles(dir, entries(dir, './db'));
  assert.equal(found.diagnostics, []);
  assert.equal(found.files, ['db/posts.mts', 'db/users.ts']);
});

test('files, folders and globs combine into one sorted list without duplicates', async () => {
  const found = await findSchemaFiles(dir, entries(dir, 'other/*.ts', 'db/users.ts', './db/users.ts', 'db/**/*.ts'));
  assert.equal(found.files, ['db/nested/deep.ts', 'db/users.ts', 'other/a.ts', 'other/b.ts']);
});

test('a glob that matches a folder takes that folder’s files', async () => {
  const found = await findSchemaFiles(dir, entries(dir, 'o*'));
  assert.equal(found.files, ['other/a.ts', 'other/b.ts']);
});

test('entries resolve against their own base and come out relative to the root', async () => {
  const found = await findSchemaFiles(dir, entries(join(dir, 'app'), 'config.ts', '../other/a.ts'));
  assert.equal(found.files, ['app/config.ts', 'other/a.ts']);
});

test('a missing file and an empty glob are errors that point at the config line naming them', async () => {
  const origin = { file: 'hotstorage.config.ts', line: 3, col: 11 };
  const found = await findSchemaFiles(dir, [
    { pattern: 'db/missing.ts', base: dir, origin },
    { pattern: 'db/*.sql', base: dir, origin: undefined },
    { pattern: 'app/nothing', base: dir, origin: undefined },
  ]);
  assert.equal(found.files, []);
  assert.equal(found.diagnostics.map(formatDiagnostic), [
    'hotstorage.config.ts:3:11: error: Schema file db/missing.ts does not exist. [missing-schema-file]\n' +
      '  hint: check the path in --schema or in the config\'s "schema"',
    'error: The schema glob db/*.sql matches no schema files. [empty-glob]\n  hint: check the path in --schema or in the config\'s "schema"',
    'error: Schema file app/nothing does not exist. [missing-schema-file]\n  hint: check the path in --schema or in the config\'s "schema"',
  ]);
});

test.after(() => removeProject(dir));

test.run();
