// `hotstorage --version`: this CLI's version, and the versions of the runtime and drizzle-orm the project in the
// working folder resolves (as drizzle-kit prints drizzle-orm's beside its own): the three must agree on key layout and
// table shapes, so an operator sees at a glance what runs.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The version in the nearest package.json named `name` at or above `from`; undefined when there is none. */
function versionAbove(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === name) return manifest.version;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The version of `name` as a module in `cwd` resolves it; undefined when it is not installed there. Found from its
 * resolved entry: not every package exports its package.json.
 */
function installedVersion(cwd: string, name: string): string | undefined {
  try {
    return versionAbove(dirname(createRequire(join(cwd, 'package.json')).resolve(name)), name);
  } catch {
    return undefined;
  }
}

export function versionText(cwd: string): string {
  // Found upward from this file: the same from the sources and from dist/.
  const lines = [`hotstorage: v${versionAbove(import.meta.dirname, 'hotstorage') ?? 'unknown'}`];
  for (const name of ['@hotstorage/runtime', 'drizzle-orm']) {
    const version = installedVersion(cwd, name);
    lines.push(`${name}: ${version === undefined ? 'not installed here' : `v${version}`}`);
  }
  return `${lines.join('\n')}\n`;
}
