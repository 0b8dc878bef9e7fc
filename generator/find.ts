// Schema entries → schema files, the way drizzle-kit reads its `schema` setting: a file, a folder (its files,
// one level), or a glob (a matched folder counts as a folder). Sorted, deduplicated, POSIX, relative to the
// project root. A path that does not exist or a glob that matches nothing is an error, never an empty run.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { rootRelative, type SchemaEntry } from './config.js';
import type { Diagnostic } from './diagnostics.js';

const SCHEMA_FILE = /\.[mc]?[jt]sx?$/;
const isSchemaFile = (path: string): boolean => SCHEMA_FILE.test(path) && !/\.d\.[mc]?ts$/.test(path);

export interface FindResult {
  /** Relative to the root, POSIX, sorted by code unit. */
  readonly files: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

function folderFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && isSchemaFile(entry.name))
    .map((entry) => join(dir, entry.name));
}

function notFound(entry: SchemaEntry, code: string, message: string): Diagnostic {
  return {
    severity: 'error',
    file: entry.origin?.file ?? '',
    line: entry.origin?.line ?? 0,
    col: entry.origin?.col ?? 0,
    code,
    message,
    hint: 'check the path in --schema or in the config\'s "schema"',
  };
}

async function expand(entry: SchemaEntry): Promise<{ files: string[]; diagnostic?: Diagnostic }> {
  if (isDynamicPattern(entry.pattern)) {
    const matches = await glob(entry.pattern, { cwd: entry.base, absolute: true, onlyFiles: false, expandDirectories: false });
    const files = matches.flatMap((match) => {
      const stat = statSync(match);
      if (stat.isDirectory()) return folderFiles(match);
      return stat.isFile() && isSchemaFile(match) ? [match] : [];
    });
    if (files.length === 0) {
      return { files, diagnostic: notFound(entry, 'empty-glob', `The schema glob ${entry.pattern} matches no schema files.`) };
    }
    return { files };
  }
  const path = resolve(entry.base, entry.pattern);
  if (!existsSync(path)) {
    return { files: [], diagnostic: notFound(entry, 'missing-schema-file', `Schema file ${entry.pattern} does not exist.`) };
  }
  if (statSync(path).isDirectory()) {
    const files = folderFiles(path);
    if (files.length === 0) {
      return { files, diagnostic: notFound(entry, 'empty-schema-folder', `Schema folder ${entry.pattern} holds no schema files.`) };
    }
    return { files };
  }
  return { files: [path] };
}

export async function findSchemaFiles(root: string, entries: readonly SchemaEntry[]): Promise<FindResult> {
  const diagnostics: Diagnostic[] = [];
  const files = new Set<string>();
  for (const entry of entries) {
    const result = await expand(entry);
    if (result.diagnostic) diagnostics.push(result.diagnostic);
    for (const file of result.files) files.add(rootRelative(root, file));
  }
  return { files: [...files].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), diagnostics };
}
