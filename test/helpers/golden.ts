// Golden folders: compared whole (missing and extra files fail), rewritten only with UPDATE_GOLDEN=1.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';

function listFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort() : [];
}

/** Replaces the folder's files with `files` (the reviewed diff then shows in the same commit as the code). */
export function writeGoldenFolder(dir: string, files: ReadonlyMap<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const name of listFiles(dir)) if (!files.has(name)) rmSync(join(dir, name));
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
}

/** Asserts the folder holds exactly `files`, byte for byte. */
export function assertGoldenFolder(dir: string, files: ReadonlyMap<string, string>, label: string): void {
  assert.equal(listFiles(dir), [...files.keys()].sort(), `${label}: file list (run with UPDATE_GOLDEN=1 to accept)`);
  for (const [name, text] of files) {
    assert.fixture(readFileSync(join(dir, name), 'utf8'), text, `${label}: ${name} (run with UPDATE_GOLDEN=1 to accept)`);
  }
}
