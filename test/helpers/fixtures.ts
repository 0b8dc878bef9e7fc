// The fixture corpus: one folder per case under fixtures/. Adding a case adds no test code.
//
// fixtures/<case>/
//   case.json      { "schema": [paths/globs relative to the case folder, as --schema takes them],
//                    "casing"?: "snake_case" | "camelCase",
//                    "extract"?: "both" (default: static and import must agree) | "import" (static reading cannot
//                                settle it and must say so with a diagnostic; import extraction gives the model),
//                    "drizzle"?: "0.x" | "1.x" | "both" (default "both": which drizzle-orm majors can load it) }
//   *.ts           the user's schema files
//   model.json     expected `inspect --json` output (paths relative to the case folder)
//   stderr.txt     for a case that must fail: the expected diagnostics, formatted, sorted
//   expected/      golden generated modules
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FIXTURES_DIR = resolve(import.meta.dirname, '../../fixtures');
export const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';

export interface FixtureCase {
  readonly name: string;
  /** Absolute path of the case folder. */
  readonly dir: string;
  readonly schema: readonly string[];
  readonly casing: 'snake_case' | 'camelCase' | undefined;
  readonly extract: 'both' | 'import';
  readonly drizzle: '0.x' | '1.x' | 'both';
  /** The case must fail with the diagnostics in stderr.txt. */
  readonly mustFail: boolean;
}

export function fixtureCases(): FixtureCase[] {
  return readdirSync(FIXTURES_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(FIXTURES_DIR, entry.name, 'case.json')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const dir = join(FIXTURES_DIR, name);
      const raw: unknown = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8'));
      if (typeof raw !== 'object' || raw === null) throw new Error(`fixtures/${name}/case.json: expected an object`);
      const spec = raw as Record<string, unknown>;
      const schema = spec.schema;
      if (!Array.isArray(schema) || !schema.every((s): s is string => typeof s === 'string')) {
        throw new Error(`fixtures/${name}/case.json: "schema" must be an array of strings`);
      }
      const casing = spec.casing === 'snake_case' || spec.casing === 'camelCase' ? spec.casing : undefined;
      const extract = spec.extract === 'import' ? 'import' : 'both';
      const drizzle = spec.drizzle === '0.x' || spec.drizzle === '1.x' ? spec.drizzle : 'both';
      return { name, dir, schema, casing, extract, drizzle, mustFail: existsSync(join(dir, 'stderr.txt')) };
    });
}
