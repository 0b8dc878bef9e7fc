// The disk edge. `compareOutput` reads the output folder against rendered files; `writeOutput` applies that
// comparison, `generate --check` reports it: one code path, so check says exactly what write would do.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { GENERATED_HEADER } from '../templates/header.js';

export interface StaleFile {
  /** Relative to the output folder. */
  readonly path: string;
  readonly current: string;
  readonly next: string;
}

export interface OutputComparison {
  /** Absolute output folder. */
  readonly outDir: string;
  readonly unchanged: readonly string[];
  readonly stale: readonly StaleFile[];
  readonly missing: readonly { readonly path: string; readonly next: string }[];
  /** Files an earlier run generated (first line is the header) that the new output no longer has. */
  readonly orphaned: readonly string[];
}

export class OutputError extends Error {
  readonly code = 'output';
}

export function hasDrift(comparison: OutputComparison): boolean {
  return comparison.stale.length > 0 || comparison.missing.length > 0 || comparison.orphaned.length > 0;
}

function isGenerated(path: string): boolean {
  const text = readFileSync(path, 'utf8');
  return text.startsWith(`${GENERATED_HEADER}\n`) || text === GENERATED_HEADER;
}

export function compareOutput(outDir: string, files: ReadonlyMap<string, string>): OutputComparison {
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) {
    throw new OutputError(`The output path ${outDir} exists and is not a folder.`);
  }
  const present = existsSync(outDir)
    ? readdirSync(outDir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort()
    : [];
  const unchanged: string[] = [];
  const stale: StaleFile[] = [];
  const missing: { path: string; next: string }[] = [];
  for (const [path, next] of files) {
    if (!present.includes(path)) {
      missing.push({ path, next });
      continue;
    }
    const current = readFileSync(join(outDir, path), 'utf8');
    if (current === next) unchanged.push(path);
    else stale.push({ path, current, next });
  }
  const orphaned = present.filter((name) => !files.has(name) && isGenerated(join(outDir, name)));
  return { outDir, unchanged, stale, missing, orphaned };
}

/** A unified diff from the file on disk to what generate would write. */
export function diffStale(file: StaleFile, shownPath: string): string {
  return createTwoFilesPatch(`a/${shownPath}`, `b/${shownPath}`, file.current, file.next, undefined, undefined, { context: 3 });
}

/**
 * Writes new and stale files (each to a temp file first, then all renamed, so no file is ever half-written
 * and a failed write renames nothing) and removes orphans. Unchanged files are not touched, so their
 * modification times stay put for watchers and build caches.
 */
export function writeOutput(comparison: OutputComparison): void {
  const writes = [...comparison.stale, ...comparison.missing];
  mkdirSync(comparison.outDir, { recursive: true });
  const temps: { temp: string; target: string }[] = [];
  try {
    for (const file of writes) {
      const target = join(comparison.outDir, file.path);
      const temp = join(comparison.outDir, `.${file.path}.${process.pid}.tmp`);
      writeFileSync(temp, file.next);
      temps.push({ temp, target });
    }
  } catch (caught) {
    for (const { temp } of temps) rmSync(temp, { force: true });
    throw caught;
  }
  for (const { temp, target } of temps) renameSync(temp, target);
  for (const name of comparison.orphaned) unlinkSync(join(comparison.outDir, name));
}
