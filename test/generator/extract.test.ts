// Static extraction, case by case: every fixture's schema files read by ts-morph and normalised must give exactly
// its model.json (the `inspect --json` output drizzle's own getTableConfig leads to), a case static reading cannot
// settle must say so and name `--extract import`, and a case that must fail must print exactly its stderr.txt.
// Then the normalisation rules on hand-built findings. UPDATE_GOLDEN=1 rewrites model.json / stderr.txt.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { globSync } from 'tinyglobby';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareDiagnostics, formatDiagnostic } from '../../generator/diagnostics.js';
import type { Diagnostic } from '../../generator/diagnostics.js';
import { extractStatic } from '../../generator/extract/index.js';
import type { ColumnFinding, KeyFinding, TableFinding } from '../../generator/findings.js';
import type { Model } from '../../generator/model.js';
import { normalize, toCamelCase, toSnakeCase } from '../../generator/normalize.js';
import { MODEL_VERSION } from '../../generator/model.js';
import { toCamelCase as drizzleCamel, toSnakeCase as drizzleSnake } from 'drizzle-orm/casing';
import { fixtureCases, UPDATE_GOLDEN } from '../helpers/fixtures.js';
import type { FixtureCase } from '../helpers/fixtures.js';

function runStatic(c: FixtureCase) {
  const files = globSync([...c.schema], { cwd: c.dir }).sort();
  const extracted = extractStatic({ root: c.dir, files });
  const normalized = normalize(extracted.findings, { casing: c.casing });
  const diagnostics = [...extracted.diagnostics, ...normalized.diagnostics].sort(compareDiagnostics);
  return { model: normalized.model, diagnostics, unread: extracted.unread };
}

function expectedModel(c: FixtureCase): Model {
  return JSON.parse(readFileSync(join(c.dir, 'model.json'), 'utf8')) as Model;
}

function compareGolden(path: string, actual: string): void {
  if (UPDATE_GOLDEN) {
    if (!existsSync(path) || readFileSync(path, 'utf8') !== actual) writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `${path} is missing (UPDATE_GOLDEN=1 writes it)`);
  assert.fixture(actual, readFileSync(path, 'utf8'));
}

const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === 'error');

for (const c of fixtureCases()) {
  if (c.mustFail) {
    test(`${c.name}: static extraction fails with exactly the diagnostics of stderr.txt`, () => {
      const { diagnostics } = runStatic(c);
      assert.ok(errors(diagnostics).length > 0, 'a case with stderr.txt must produce an error');
      compareGolden(join(c.dir, 'stderr.txt'), `${diagnostics.map(formatDiagnostic).join('\n')}\n`);
    });
  } else if (c.extract === 'import') {
    test(`${c.name}: static extraction says it cannot settle the case and names --extract import`, () => {
      const { diagnostics } = runStatic(c);
      const found = errors(diagnostics);
      assert.ok(found.length > 0, 'expected an error diagnostic');
      for (const d of found) {
        assert.ok(d.line > 0 && d.file !== '', `diagnostic without a place: ${formatDiagnostic(d)}`);
        assert.match(d.hint ?? '', '--extract import');
      }
    });

    // None missing in silence: every table drizzle reads (model.json) is read the same, or named as not read.
    test(`${c.name}: every table drizzle reads is read by static extraction with the same model, or named as not read`, () => {
      const { model, unread } = runStatic(c);
      for (const table of expectedModel(c).tables) {
        const same = model.tables.find((t) => t.file === table.file && t.exportName === table.exportName);
        if (same) assert.equal(same, table, `${table.exportName}: read statically, so read the same`);
        else {
          // Named, or in a source whose tables static reading cannot name (`export * from '<package>'`, a file it cannot read).
          const named = unread.some((u) => u.file === table.file && (u.exportName === table.exportName || u.exportName === undefined));
          assert.ok(named, `${table.exportName} (${table.file}) is missing in silence`);
        }
      }
    });
  } else {
    test(`${c.name}: static extraction gives model.json`, () => {
      const { model, diagnostics, unread } = runStatic(c);
      assert.equal(errors(diagnostics).map(formatDiagnostic), []);
      assert.equal(unread, []);
      compareGolden(join(c.dir, 'model.json'), `${JSON.stringify({ version: MODEL_VERSION, tables: model.tables }, null, 2)}\n`);
    });
  }
}

test('under drizzle-orm 1.x a nameless column is named by its key (no run-time casing) and over-nested keys are errors', () => {
  const root = mkdtempSync(join(tmpdir(), 'hotstorage-extract-'));
  try {
    mkdirSync(join(root, 'node_modules', 'drizzle-orm'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'drizzle-orm', 'package.json'), '{ "name": "drizzle-orm", "version": "1.0.0-rc.5" }\n');
    writeFileSync(
      join(root, 'schema.ts'),
      [
        "import { pgTable, snakeCase, text, unique } from 'drizzle-orm/pg-core';",
        "export const plain = pgTable('plain', { userId: text().primaryKey() });",
        "export const cased = snakeCase.table('cased', { userId: text().primaryKey() });",
        "export const nested = pgTable('nested', { id: text().primaryKey() }, (t) => [[[unique().on(t.id)]]]);",
        '',
      ].join('\n'),
    );
    const { findings, diagnostics } = extractStatic({ root, files: ['schema.ts'] });
    const { model } = normalize(findings, { casing: 'camelCase' });
    assert.equal(model.tables.map((t) => [t.name, t.columns[0]?.name]), [['cased', 'user_id'], ['nested', 'id'], ['plain', 'userId']]);
    // drizzle 0.x skips a key nested two arrays deep (a warning); 1.x getTableConfig throws on it.
    assert.equal(diagnostics.map((d) => [d.severity, d.code, d.line]), [['error', 'nested-extra-config', 4]]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an export static reading cannot settle that may be a table is an error naming it; other unsettled values are not', () => {
  const root = mkdtempSync(join(tmpdir(), 'hotstorage-extract-'));
  try {
    mkdirSync(join(root, 'lib'));
    writeFileSync(
      join(root, 'lib/own.ts'),
      [
        "import { pgTable, text } from 'drizzle-orm/pg-core';",
        'export function makeTable(name: string) {',
        "  if (!name) throw new Error('no name');",
        "  return pgTable(name, { id: text('id').primaryKey() });",
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(root, 'schema.ts'),
      [
        "import { pgTable, text } from 'drizzle-orm/pg-core';",
        "import { createInsertSchema } from 'drizzle-zod';",
        "import { defineTables } from '@auth/drizzle-adapter';",
        "import { makeTable } from './lib/own';",
        "export const things = pgTable('things', { id: text('id').primaryKey() });",
        'export const { usersTable, accountsTable } = defineTables({});',
        "export const made = makeTable('made');",
        "export const picked = process.env.LEGACY ? pgTable('legacy_things', { id: text('id').primaryKey() }) : things;",
        'export const insertThingSchema = createInsertSchema(things);',
        "export const databaseUrl = process.env.DATABASE_URL ?? 'postgres://localhost/app';",
        "export const isProduction = process.env.NODE_ENV === 'production';",
        '',
      ].join('\n'),
    );
    const { findings, unread, diagnostics } = extractStatic({ root, files: ['schema.ts'] });
    assert.equal(findings.map((f) => f.exportName), ['things']);
    assert.equal(unread.map((u) => u.exportName), ['accountsTable', 'made', 'picked', 'usersTable']);
    assert.equal(
      diagnostics.map((d) => [d.severity, `${d.file}:${d.line}:${d.col}`, /^export `(\w+)` may be a table/.exec(d.message)?.[1], d.hint]),
      [
        ['error', 'schema.ts:6:16', 'usersTable', 'run with --extract import'],
        ['error', 'schema.ts:6:28', 'accountsTable', 'run with --extract import'],
        ['error', 'schema.ts:7:14', 'made', 'run with --extract import'],
        ['error', 'schema.ts:8:14', 'picked', 'run with --extract import'],
      ],
    );
    assert.match(diagnostics[2]?.message ?? '', '(lib/own.ts:3)');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a schema file exporting through module.exports is an error naming the way out, and counted as not read', () => {
  const root = mkdtempSync(join(tmpdir(), 'hotstorage-extract-'));
  try {
    writeFileSync(
      join(root, 'schema.cjs'),
      [
        "const { pgTable, serial } = require('drizzle-orm/pg-core');",
        "const users = pgTable('users', { id: serial('id').primaryKey() });",
        'module.exports = { users };',
        '',
      ].join('\n'),
    );
    const { findings, unread, diagnostics } = extractStatic({ root, files: ['schema.cjs'] });
    assert.equal(findings, []);
    assert.equal(unread, [{ file: 'schema.cjs', exportName: undefined }]);
    assert.equal(diagnostics.map((d) => [d.severity, `${d.file}:${d.line}`, d.code, d.hint]), [['error', 'schema.cjs:3', 'commonjs-exports', 'run with --extract import']]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a schema file that cannot be read is an error naming it', () => {
  const root = mkdtempSync(join(tmpdir(), 'hotstorage-extract-'));
  try {
    const { findings, diagnostics } = extractStatic({ root, files: ['db/missing.ts'] });
    assert.equal(findings, []);
    assert.equal(diagnostics.map((d) => [d.severity, d.file, d.code]), [['error', 'db/missing.ts', 'missing-file']]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

// ---- normalisation rules on hand-built findings ----

const col = (key: string, over: Partial<ColumnFinding> = {}): ColumnFinding => ({ key, name: key, notNull: true, primaryKey: false, ...over });
const uniq = (columns: string[], over: Partial<KeyFinding> = {}): KeyFinding => ({
  kind: 'unique',
  name: `k_${columns.join('_')}`,
  columns,
  nullsNotDistinct: false,
  partial: false,
  expression: false,
  line: 3,
  ...over,
});
const table = (over: Partial<TableFinding> = {}): TableFinding => ({
  exportName: 't',
  file: 'db/schema.ts',
  line: 7,
  schema: undefined,
  name: 't',
  columns: [col('id', { primaryKey: true }), col('a'), col('b')],
  keys: [],
  casing: undefined,
  ...over,
});
const one = (finding: TableFinding, casing?: 'snake_case' | 'camelCase') => {
  const { model, diagnostics } = normalize([finding], { casing });
  const t = model.tables[0];
  if (!t) throw new Error('no table');
  return { t, diagnostics };
};

test('casing: the same words as drizzle-orm\'s own toSnakeCase / toCamelCase', () => {
  for (const word of ['isHTMLEnabled', 'legacyID2', 'created_at', 'UserID', 'a1B2c3', "o'neilName", 'X']) {
    assert.is(toSnakeCase(word), drizzleSnake(word), word);
    assert.is(toCamelCase(word), drizzleCamel(word), word);
  }
});

test('a nameless column takes the table casing first, then the configured one', () => {
  const nameless = [col('id', { primaryKey: true }), col('createdAt', { name: undefined })];
  assert.is(one(table({ columns: nameless }), 'camelCase').t.columns[1]?.name, 'createdAt');
  assert.is(one(table({ columns: nameless }), 'snake_case').t.columns[1]?.name, 'created_at');
  assert.is(one(table({ columns: nameless, casing: 'snake_case' }), 'camelCase').t.columns[1]?.name, 'created_at');
});

test('with no casing configured a nameless column is named by its key, verbatim (drizzle\'s default), without a diagnostic', () => {
  const nameless = [col('id', { primaryKey: true, name: undefined }), col('createdAt', { name: undefined }), col('legacyID', { name: 'legacy_id' })];
  const { t, diagnostics } = one(table({ columns: nameless }));
  assert.equal(t.columns.map((c) => c.name), ['id', 'createdAt', 'legacy_id']);
  assert.equal(diagnostics, []);
});

test('schema defaults to public; tables sort by schema, then name', () => {
  const { model } = normalize(
    [table({ name: 'b' }), table({ name: 'a', schema: 'z' }), table({ name: 'c', schema: 'auth' }), table({ name: 'a' })],
    { casing: undefined },
  );
  assert.equal(model.tables.map((t) => `${t.schema}.${t.name}`), ['auth.c', 'public.a', 'public.b', 'z.a']);
});

test('two primary keys on one table are an error', () => {
  const { diagnostics } = one(table({ keys: [{ ...uniq(['a', 'b']), kind: 'primary' }] }));
  assert.equal(diagnostics.map((d) => d.code), ['multiple-primary-keys']);
});

test('primary key columns count as NOT NULL, and a primaryKey() key is the primary key', () => {
  const { t } = one(table({ columns: [col('a', { notNull: false }), col('b', { notNull: false })], keys: [{ ...uniq(['b', 'a']), kind: 'primary' }, uniq(['a', 'b'])] }));
  assert.equal(t.primaryKey, ['b', 'a']);
  assert.equal(t.columns.map((c) => c.notNull), [true, true]);
  assert.equal(t.uniqueKeys, [], 'a unique key equal to the primary key as a set is merged away');
});

test('expression, partial and nullable unique keys are skipped with their reason; NULLS NOT DISTINCT is usable', () => {
  const { t } = one(
    table({
      columns: [col('id', { primaryKey: true }), col('a'), col('n', { notNull: false })],
      keys: [
        uniq([], { name: 'x_expr', expression: true }),
        uniq(['a'], { name: 'x_partial', partial: true }),
        uniq(['a', 'n'], { name: 'x_nullable' }),
        uniq(['n'], { name: 'x_nnd', nullsNotDistinct: true }),
      ],
    }),
  );
  assert.equal(t.skipped, [
    { name: 'x_expr', columns: [], reason: 'expression' },
    { name: 'x_nullable', columns: ['a', 'n'], reason: 'nullable' },
    { name: 'x_partial', columns: ['a'], reason: 'partial' },
  ]);
  assert.equal(t.uniqueKeys, [['n']]);
});

test('an unnamed index is skipped under the name drizzle-kit would give it', () => {
  const { t } = one(table({ columns: [col('id', { primaryKey: true }), col('ownerId', { name: 'owner_id', notNull: false })], keys: [uniq(['ownerId'], { name: undefined })] }));
  assert.equal(t.skipped, [{ name: 't_owner_id_index', columns: ['ownerId'], reason: 'nullable' }]);
});

test('unique keys sort by column positions (a prefix first) and duplicates as sets are kept once', () => {
  const { t } = one(
    table({
      columns: [col('id', { primaryKey: true }), col('a'), col('b'), col('c')],
      keys: [uniq(['c']), uniq(['b', 'a']), uniq(['a', 'b', 'c']), uniq(['a', 'b']), uniq(['b']), uniq(['id'])],
    }),
  );
  assert.equal(t.uniqueKeys, [['a', 'b'], ['a', 'b', 'c'], ['b'], ['c']]);
});

test('without a primary key the first unique key over NOT NULL columns is the identity', () => {
  const { t } = one(
    table({
      columns: [col('n', { notNull: false }), col('a'), col('b')],
      keys: [uniq(['b']), uniq(['n'], { nullsNotDistinct: true }), uniq(['a', 'b'])],
    }),
  );
  assert.equal(t.primaryKey, []);
  assert.equal(t.uniqueKeys, [['n'], ['a', 'b'], ['b']]);
  assert.equal(t.identity, ['a', 'b'], 'a NULLS NOT DISTINCT key over a nullable column is usable but not an identity');
});

test('a table without a usable key stays in the model with a no-key skip and a warning', () => {
  const { t, diagnostics } = one(table({ name: 'log', columns: [col('a', { notNull: false })], keys: [uniq(['a'], { name: 'log_a_key' })] }));
  assert.equal(t.identity, []);
  assert.equal(t.skipped, [
    { name: 'log', columns: [], reason: 'no-key' },
    { name: 'log_a_key', columns: ['a'], reason: 'nullable' },
  ]);
  assert.equal(diagnostics.map((d) => [d.severity, d.code]), [['warning', 'no-key']]);
});

test('two exports naming the same SQL table are an error', () => {
  const { diagnostics } = normalize([table({ exportName: 'a' }), table({ exportName: 'b' })], { casing: undefined });
  assert.equal(diagnostics.map((d) => d.code), ['duplicate-table']);
});

test.run();
