// Which drizzle-orm major the project installs. Two rules changed in 1.0: there is no run-time casing
// (`drizzle({ casing })` is gone; casing belongs to `snakeCase.table` & co.), so a nameless column of a table
// without its own casing is named by its key; and getTableConfig throws on extra-config values that 0.x skipped.
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
