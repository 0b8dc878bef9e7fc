// drizzle-orm is the oracle. For every fixture case, loading its schema modules and asking drizzle-orm's own
// getTableConfig (`--extract import`) must give exactly the case's model.json, and the static extractor must
// give the same model. Then the same import check runs under the drizzle-orm 1.0 release candidate, installed
// in test/drizzle-v1, so the day users upgrade, hotstorage already works. A new fixture is checked for free.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Diagnostic } from '../../generator/diagnostics.js';
import { formatDiagnostic } from '../../generator/diagnostics.js';
import { extractStatic } from '../../generator/extract/index.js';
import { findSchemaFiles } from '../../generator/find.js';
import { extractByImport } from '../../generator/load/extract-import.js';
import type { Model } from '../../generator/model.js';
import { normalize } from '../../generator/normalize.js';
import { fixtureCases } from '../helpers/fixtures.js';
import type { FixtureCase } from '../helpers/fixtures.js';
import { timed } from '../helpers/timeout.js';

const V1_DIR = resolve(import.meta.dirname, '../drizzle-v1');
const V1_CASES = join(V1_DIR, '.tmp-cases');
const V1_MISSING =
  'drizzle-orm 1.0 RC is not installed for the oracle test: run `npm ci --prefix test/drizzle-v1` (CI does it after the main npm ci)';

const cases = fixtureCases().filter((c) => !c.mustFail);

/** The case's schema entries as the CLI reads them (drizzle-kit semantics), relative to the case folder. */
async function schemaFiles(root: string, patterns: readonly string[]): Promise<readonly string[]> {
  const found = await findSchemaFiles(
    root,
    patterns.map((pattern) => ({ pattern, base: root, origin: undefined })),
  );
  assert.is(errorsOf(found.diagnostics), '', 'the case\'s schema entries name files');
  return found.files;
}

function expectedModel(c: FixtureCase): Model {
  return JSON.parse(readFileSync(join(c.dir, 'model.json'), 'utf8')) as Model;
}

function errorsOf(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => formatDiagnostic(d))
    .join('\n');
}

// Loading a case takes a few hundred ms; the 0.x import model is computed once and shared by both of its tests.
const importModels = new Map<string, Promise<Model>>();
function importModelOnce(c: FixtureCase): Promise<Model> {
  let model = importModels.get(c.dir);
  if (!model) {
    model = importModel(c.dir, c);
    importModels.set(c.dir, model);
  }
  return model;
}

async function importModel(root: string, c: FixtureCase): Promise<Model> {
  const files = await schemaFiles(root, c.schema);
  const extracted = await extractByImport({ root, files });
  const normalized = normalize(extracted.findings, { casing: c.casing });
  assert.is(errorsOf([...extracted.diagnostics, ...normalized.diagnostics]), '', 'import extraction reports no errors');
  return normalized.model;
}

async function staticModel(c: FixtureCase): Promise<Model> {
  const files = await schemaFiles(c.dir, c.schema);
  const statically = extractStatic({ root: c.dir, files });
  const normalized = normalize(statically.findings, { casing: c.casing });
  assert.is(errorsOf([...statically.diagnostics, ...normalized.diagnostics]), '', 'static extraction reports no errors');
  return normalized.model;
}

// drizzle-orm 0.x: the project's own install (package.json devDependencies).
for (const c of cases.filter((c) => c.drizzle !== '1.x')) {
  test(
    `${c.name}: drizzle-orm 0.x getTableConfig (--extract import) gives model.json`,
    timed(60_000, async () => {
      assert.equal(await importModelOnce(c), expectedModel(c));
    }),
  );

  if (c.extract === 'both') {
    test(
      `${c.name}: static extraction agrees with drizzle-orm's getTableConfig`,
      timed(60_000, async () => {
        assert.equal(await staticModel(c), await importModelOnce(c));
      }),
    );
  }
}

// A case static reading cannot settle must say so, pointing at the way out, rather than guess a model.
for (const c of cases.filter((c) => c.extract === 'import')) {
  test(
    `${c.name}: static extraction says it cannot settle the case and names --extract import`,
    timed(60_000, async () => {
      const files = await schemaFiles(c.dir, c.schema);
      const statically = extractStatic({ root: c.dir, files });
      const normalized = normalize(statically.findings, { casing: c.casing });
      const pointers = [...statically.diagnostics, ...normalized.diagnostics].filter(
        (d) => d.severity === 'error' && `${d.message} ${d.hint ?? ''}`.includes('--extract import'),
      );
      assert.ok(pointers.length > 0, 'an error diagnostic names --extract import');
    }),
  );
}

// drizzle-orm 1.0 RC: the case folder is copied under test/drizzle-v1, where 'drizzle-orm' resolves to the RC.
function requireRc(): void {
  if (!existsSync(join(V1_DIR, 'node_modules', 'drizzle-orm'))) assert.unreachable(V1_MISSING);
}

test('the drizzle-orm 1.0 RC install is present for the oracle', () => {
  requireRc();
  const pinned = (JSON.parse(readFileSync(join(V1_DIR, 'package.json'), 'utf8')) as { dependencies: Record<string, string> })
    .dependencies['drizzle-orm'];
  const installed = (JSON.parse(readFileSync(join(V1_DIR, 'node_modules', 'drizzle-orm', 'package.json'), 'utf8')) as { version: string })
    .version;
  assert.ok(pinned?.startsWith('1.0.0-rc'), `test/drizzle-v1 pins a 1.0 release candidate (found ${pinned})`);
  assert.is(installed, pinned, 'the installed drizzle-orm is the pinned one: run `npm ci --prefix test/drizzle-v1`');
});

/** The case's import model under the RC: extracted from a copy under test/drizzle-v1, once per case. */
const rcModels = new Map<string, Promise<Model>>();
function rcImportModelOnce(c: FixtureCase): Promise<Model> {
  let model = rcModels.get(c.dir);
  if (!model) {
    model = rcImportModel(c);
    rcModels.set(c.dir, model);
  }
  return model;
}

async function rcImportModel(c: FixtureCase): Promise<Model> {
  requireRc();
  const copy = join(V1_CASES, `${c.name}-${process.pid}`);
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(V1_CASES, { recursive: true });
  // verbatimSymlinks: a workspace link in the case (node_modules/@acme/db -> ../../packages/db) stays inside the copy.
  cpSync(c.dir, copy, { recursive: true, verbatimSymlinks: true });
  try {
    const resolved = createRequire(join(copy, 'case.json')).resolve('drizzle-orm');
    assert.ok(resolved.startsWith(join(V1_DIR, 'node_modules')), `the copy resolves drizzle-orm to the RC (got ${resolved})`);
    return await importModel(copy, c);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

for (const c of cases.filter((c) => c.drizzle !== '0.x')) {
  test(
    `${c.name}: drizzle-orm 1.0 RC getTableConfig (--extract import) gives model.json`,
    timed(60_000, async () => {
      assert.equal(await rcImportModelOnce(c), expectedModel(c));
    }),
  );

  // A case only 1.0 can load has no 0.x run above: its static agreement is checked against the RC here.
  if (c.drizzle === '1.x' && c.extract === 'both') {
    test(
      `${c.name}: static extraction agrees with drizzle-orm 1.0 RC's getTableConfig`,
      timed(60_000, async () => {
        assert.equal(await staticModel(c), await rcImportModelOnce(c));
      }),
    );
  }
}

test.run();
