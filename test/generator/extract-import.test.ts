// `--extract import` on its own: which exports count, which file a table belongs to, how load failures read,
// and that the user's drizzle-orm (0.x here, the 1.0 RC under test/drizzle-v1) is the one asked.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { extractByImport } from '../../generator/load/extract-import.js';
import type { ExtractOutput } from '../../generator/extract/index.js';
import { timed } from '../helpers/timeout.js';

const ROOT = resolve(import.meta.dirname, '../..');
const V1_DIR = join(ROOT, 'test/drizzle-v1');
let counter = 0;

/** Writes a throwaway project (under a folder whose node_modules holds the wanted drizzle-orm) and extracts it. */
async function extract(files: Record<string, string>, options: { under?: string; only?: string[] } = {}): Promise<ExtractOutput> {
  const dir = join(options.under ?? join(ROOT, '.tmp'), `extract-import-${process.pid}-${counter++}`);
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const schema = options.only ?? Object.keys(files).filter((f) => f.endsWith('.ts')).sort();
    return await extractByImport({ root: dir, files: schema });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const USERS = `import { pgTable, integer, text } from 'drizzle-orm/pg-core';
export const users = pgTable('users', { id: integer().primaryKey(), email: text('email').notNull().unique() });
`;

test(
  'a table belongs to the first sorted schema file that exports it, under the name it has there',
  timed(30_000, async () => {
    const out = await extract({
      'db/b-users.ts': USERS,
      'db/a-index.ts': `export { users as people } from './b-users.js';\n`,
    });
    assert.equal(out.diagnostics, []);
    assert.equal(
      out.findings.map((f) => [f.file, f.exportName, f.name]),
      [['db/a-index.ts', 'people', 'users']],
    );
  }),
);

test(
  'a namespace re-export (`export * as ns`) is not a table and does not break the reading of the file',
  timed(30_000, async () => {
    const out = await extract({
      'db/a.ts': USERS,
      'db/schema.ts': `export * as ns from './a.js';\nexport { users } from './a.js';\n`,
    }, { only: ['db/schema.ts'] });
    assert.equal(out.diagnostics, []);
    assert.equal(out.findings.map((f) => [f.file, f.exportName]), [['db/schema.ts', 'users']]);
  }),
);

test(
  'relations, enums, views, aliases and plain values are not tables',
  timed(30_000, async () => {
    const out = await extract({
      'schema.ts': `${USERS}
import { relations } from 'drizzle-orm';
import { alias, pgEnum, pgView } from 'drizzle-orm/pg-core';
export const mood = pgEnum('mood', ['sad', 'happy']);
export const usersRelations = relations(users, () => ({}));
export const usersView = pgView('users_view').as((qb) => qb.select().from(users));
export const author = alias(users, 'author');
export const config = { users: 1 };
export default 42;
`,
    });
    assert.equal(out.diagnostics, []);
    assert.equal(out.findings.map((f) => f.exportName), ['users']);
  }),
);

test(
  'keys come from getTableConfig: column unique, unique().on, unique indexes, expression and partial indexes',
  timed(30_000, async () => {
    const out = await extract({
      'schema.ts': `import { sql } from 'drizzle-orm';
import { pgTable, integer, text, unique, uniqueIndex, index, primaryKey } from 'drizzle-orm/pg-core';
export const members = pgTable('members', {
  orgId: integer('org_id').notNull(),
  userId: integer('user_id').notNull(),
  handle: text().unique('members_handle', { nulls: 'not distinct' }),
  email: text('email').notNull(),
}, (t) => [
  primaryKey({ columns: [t.orgId, t.userId] }),
  unique().on(t.orgId, t.email),
  uniqueIndex('members_email_ci').on(sql\`lower(\${t.email})\`),
  uniqueIndex('members_live_email').on(t.email).where(sql\`true\`),
  index('members_plain').on(t.handle),
]);
`,
    });
    assert.equal(out.diagnostics, []);
    const [members] = out.findings;
    assert.equal(
      members?.columns.map((c) => [c.key, c.name ?? null, c.notNull, c.primaryKey]),
      [
        ['orgId', 'org_id', true, false],
        ['userId', 'user_id', true, false],
        ['handle', null, false, false],
        ['email', 'email', true, false],
      ],
    );
    assert.equal(
      members?.keys.map((k) => [k.kind, k.name ?? null, k.columns, k.nullsNotDistinct, k.partial, k.expression]),
      [
        ['unique', 'members_handle', ['handle'], true, false, false],
        ['primary', null, ['orgId', 'userId'], false, false, false],
        ['unique', 'members_org_id_email_unique', ['orgId', 'email'], false, false, false],
        ['unique', 'members_email_ci', [], false, false, true],
        ['unique', 'members_live_email', ['email'], false, true, false],
        ['index', 'members_plain', ['handle'], false, false, false],
      ],
    );
    assert.is(members?.casing, undefined, 'drizzle 0.x leaves casing to the runtime drizzle() call');
  }),
);

test(
  'a module that throws is an import-failed error naming the file, its line and the message',
  timed(30_000, async () => {
    const out = await extract({
      'a.ts': USERS,
      'b.ts': `export const x = 1;\nthrow new Error('no DATABASE_URL');\n`,
    });
    assert.equal(out.findings.map((f) => f.exportName), ['users'], 'the other files still load');
    assert.equal(
      out.diagnostics.map((d) => [d.severity, d.file, d.line, d.code, d.message]),
      [['error', 'b.ts', 2, 'import-failed', 'importing b.ts failed: no DATABASE_URL']],
    );
  }),
);

test(
  'a missing schema file is an import-failed error naming it',
  timed(30_000, async () => {
    const out = await extract({ 'a.ts': USERS }, { only: ['a.ts', 'gone.ts'] });
    assert.equal(out.findings.length, 1);
    assert.equal(
      out.diagnostics.map((d) => [d.file, d.code, d.message]),
      [['gone.ts', 'import-failed', 'schema file gone.ts does not exist']],
    );
  }),
);

test(
  'a CommonJS project (no "type": "module") is read through module.exports, export * included',
  timed(30_000, async () => {
    const out = await extract({
      'package.json': '{ "type": "commonjs" }',
      'schema/index.ts': `export * from './users';\n`,
      'schema/users.ts': USERS,
    });
    assert.equal(out.diagnostics, []);
    assert.equal(out.findings.map((f) => [f.file, f.exportName]), [['schema/index.ts', 'users']]);
  }),
);

test(
  'tsconfig path aliases of the user project resolve',
  timed(30_000, async () => {
    const out = await extract(
      {
        'tsconfig.json': '{ "compilerOptions": { "baseUrl": ".", "paths": { "@db/*": ["src/db/*"] } } }',
        'src/db/columns.ts': `import { integer } from 'drizzle-orm/pg-core';\nexport const id = () => integer('id').primaryKey();\n`,
        'src/schema.ts': `import { pgTable } from 'drizzle-orm/pg-core';\nimport { id } from '@db/columns';\nexport const things = pgTable('things', { id: id() });\n`,
      },
      { only: ['src/schema.ts'] },
    );
    assert.equal(out.diagnostics, []);
    assert.equal(out.findings[0]?.columns, [{ key: 'id', name: 'id', notNull: true, primaryKey: true }]);
  }),
);

test(
  'a tsconfig tsx cannot read (extends an uninstalled package) is a warning, and the schema still loads',
  timed(30_000, async () => {
    const out = await extract({
      'tsconfig.json': '{ "extends": "@acme/tsconfig/base.json" }',
      'schema.ts': USERS,
    });
    assert.equal(out.findings.map((f) => f.exportName), ['users']);
    assert.equal(out.diagnostics.map((d) => [d.severity, d.file, d.code]), [['warning', 'tsconfig.json', 'tsconfig-unreadable']]);
  }),
);

test(
  'schema files that cannot resolve drizzle-orm at all are an error, not an empty model',
  timed(30_000, async () => {
    const out = await extract({ 'schema.ts': 'export const users = { id: 1 };\n' }, { under: tmpdir() });
    assert.equal(out.findings, []);
    assert.equal(out.diagnostics.map((d) => [d.severity, d.file, d.code]), [['error', 'schema.ts', 'drizzle-not-found']]);
  }),
);

test(
  'a project on drizzle-orm 1.0 is read by its own drizzle: table casing inferred, names kept when none fits',
  timed(30_000, async () => {
    assert.ok(existsSync(join(V1_DIR, 'node_modules', 'drizzle-orm')), 'run `npm ci --prefix test/drizzle-v1`');
    const out = await extract(
      {
        'schema.ts': `import { snakeCase, pgTable, pgTableCreator, integer, text } from 'drizzle-orm/pg-core';
export const accounts = snakeCase.table('accounts', { accountId: integer().primaryKey(), displayName: text().unique() });
export const links = pgTable('links', { id: integer().primaryKey(), URL: text() });
const appTable = pgTableCreator((name) => \`app_\${name}\`, 'camelCase');
export const prefs = appTable('prefs', { user_id: integer().primaryKey() });
`,
      },
      { under: join(V1_DIR, '.tmp-cases') },
    );
    assert.equal(out.diagnostics, []);
    const byName = new Map(out.findings.map((f) => [f.name, f]));
    assert.is(byName.get('accounts')?.casing, 'snake_case');
    assert.equal(byName.get('accounts')?.columns.map((c) => c.name), [undefined, undefined]);
    assert.equal(byName.get('accounts')?.keys.map((k) => k.name), ['accounts_display_name_unique']);
    assert.is(byName.get('links')?.casing, undefined);
    assert.equal(byName.get('links')?.columns.map((c) => c.name), ['id', 'URL']);
    assert.is(byName.get('app_prefs')?.casing, 'camelCase');
  }),
);

test(
  'a CommonJS project is read by the drizzle-orm its own folder resolves, not by hotstorage\'s',
  timed(30_000, async () => {
    assert.ok(existsSync(join(V1_DIR, 'node_modules', 'drizzle-orm')), 'run `npm ci --prefix test/drizzle-v1`');
    const out = await extract(
      {
        'package.json': '{ "type": "commonjs" }',
        'schema.ts': `import { snakeCase, integer } from 'drizzle-orm/pg-core';
export const accounts = snakeCase.table('accounts', { accountId: integer().primaryKey() });
`,
      },
      { under: join(V1_DIR, '.tmp-cases') },
    );
    assert.equal(out.diagnostics, []);
    assert.is(out.findings[0]?.casing, 'snake_case', 'drizzle-orm 1.0 (casing at build time) read the table');
  }),
);

test.run();
