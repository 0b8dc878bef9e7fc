// Which drizzle-orm major the project installs. It changes one rule: drizzle 1.0 has no run-time casing
// (`drizzle({ casing })` is gone; casing belongs to `snakeCase.table` & co.), so there a nameless column of a
// table without its own casing is named by its key, whatever the configured casing says.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function installedDrizzleMajor(root: string): number | undefined {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', 'drizzle-orm', 'package.json');
    if (existsSync(manifest)) {
      try {
        const version: unknown = (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version;
        const major = typeof version === 'string' ? Number.parseInt(version, 10) : Number.NaN;
        return Number.isNaN(major) ? undefined : major;
      } catch {
        return undefined;
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}
