// Loads a user's TypeScript module at run time (config files, and schema modules for `--extract import`),
// the way drizzle-kit does: compiled on the fly by tsx, honouring the user's tsconfig (path aliases).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';

/** The nearest tsconfig.json at or above `from`, or undefined. */
export function findTsconfig(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Imports `file` (absolute) and returns its module namespace. */
export async function importTypeScript(file: string, options: { tsconfig?: string } = {}): Promise<Record<string, unknown>> {
  const tsconfig = options.tsconfig ?? findTsconfig(dirname(file));
  const loaded: unknown = await tsImport(pathToFileURL(file).href, {
    parentURL: import.meta.url,
    ...(tsconfig ? { tsconfig } : {}),
  });
  return loaded as Record<string, unknown>;
}
