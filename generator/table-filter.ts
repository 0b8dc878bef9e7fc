// drizzle-kit's `tablesFilter` and `schemaFilter`, applied as drizzle-kit applies them (push and pull,
// drizzle-kit/src/cli/commands/pgIntrospect.ts and serializer/pgSerializer.ts): `schemaFilter` keeps tables of the
// schemas it names exactly; `tablesFilter` is a list of globs over the table's SQL name without its schema, where a
// `!pattern` excludes. A name is kept when at least one glob speaks about it and none of those excludes it. Unlike
// drizzle-kit, an unset `schemaFilter` keeps every schema: drizzle-kit's default (`public`) would drop `pgSchema` tables
// the user's migrations create. Pure.
import picomatch from 'picomatch';
import type { TableFilter } from './config.js';

export type TableTest = (schema: string, name: string) => boolean;

export function tableFilter(filter: TableFilter): TableTest {
  const schemas = filter.schemaFilter;
  const globs = (filter.tablesFilter ?? []).map((pattern) => {
    const negate = pattern.startsWith('!');
    // minimatch (drizzle-kit's matcher) and picomatch agree on table names, which hold no path separators.
    const matches = picomatch(negate ? pattern.slice(1) : pattern);
    return { negate, matches };
  });
  const nameKept = (name: string): boolean => {
    if (globs.length === 0) return true;
    const votes: boolean[] = [];
    for (const glob of globs) {
      const hit = glob.matches(name);
      // An exclusion votes on every name (no when it matches); an inclusion only on the names it matches.
      if (glob.negate) votes.push(!hit);
      else if (hit) votes.push(true);
    }
    return votes.length > 0 && votes.every(Boolean);
  };
  return (schema, name) => (schemas === undefined || schemas.includes(schema)) && nameKept(name);
}
