// `--extract import`: load the schema modules as drizzle-kit does (TypeScript at run time through tsx, the
// user's tsconfig paths) and ask the user's own drizzle-orm what each exported table is (getTableConfig).
// It settles what static reading cannot: factory functions, computed names, getters, destructured exports.
// The result is findings, like the static extractor's; normalize.ts alone applies the rules.
import { existsSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import type { ExtractInput, ExtractOutput } from '../extract/index.js';
import type { Casing, ColumnFinding, KeyFinding, TableFinding, UnreadTable } from '../findings.js';
import { createModuleImporter, findTsconfig } from './import-module.js';
import type { LoadedModule, ModuleImporter } from './import-module.js';
import { escapeRegExp } from '../regexp.js';
import { loadUserDrizzle } from './user-drizzle.js';
import type { ConstraintView, TableView, UserDrizzle } from './user-drizzle.js';

interface LoadedFile {
  readonly file: string;
  readonly absolute: string;
  readonly module: LoadedModule;
  readonly drizzle: UserDrizzle | undefined;
}

export async function extractByImport(input: ExtractInput): Promise<ExtractOutput> {
  const first = await extractOnce(input, false);
  // A file Node could only require (as drizzle-kit requires them all) was read from CommonJS modules, the others
  // from ES modules: a table two of them share would be two objects. Read them all as drizzle-kit does instead.
  if (!first.someRequired || input.files.length < 2) return first.output;
  return (await extractOnce(input, true)).output;
}

async function extractOnce(input: ExtractInput, requireAll: boolean): Promise<{ output: ExtractOutput; someRequired: boolean }> {
  const diagnostics: Diagnostic[] = [];
  const unread: UnreadTable[] = [];
  const session = new LoadSession(input.root, diagnostics, unread, requireAll);
  try {
    const loaded: LoadedFile[] = [];
    for (const file of [...input.files].sort(compareText)) {
      const result = await session.load(file);
      if (result) loaded.push(result);
    }
    const findings = collectTables(loaded, session.drizzles(), diagnostics, unread);
    unread.sort((a, b) => compareText(a.file, b.file) || compareText(a.exportName ?? '', b.exportName ?? ''));
    return { output: { findings, unread, diagnostics }, someRequired: loaded.some((f) => f.module.required) };
  } finally {
    await session.close();
  }
}

/** Loads schema files and the drizzle-orm each resolves; keeps one importer per tsconfig. */
class LoadSession {
  private readonly importers = new Map<string, ModuleImporter>();
  private readonly byFolder = new Map<string, UserDrizzle>();
  private readonly unresolved: Diagnostic[] = [];

  constructor(
    private readonly root: string,
    private readonly diagnostics: Diagnostic[],
    private readonly unread: UnreadTable[],
    private readonly requireAll: boolean,
  ) {}

  async load(file: string): Promise<LoadedFile | undefined> {
    const absolute = resolve(this.root, file);
    if (!existsSync(absolute)) {
      this.unread.push({ file, exportName: undefined });
      this.diagnostics.push({
        severity: 'error',
        file,
        line: 0,
        col: 0,
        code: 'import-failed',
        message: `schema file ${file} does not exist`,
        hint: 'check the schema paths in the config or on the command line',
      });
      return undefined;
    }
    // Files under one tsconfig share one module graph, so a table two files export is one object.
    const tsconfig = findTsconfig(dirname(absolute));
    let importer = this.importers.get(tsconfig ?? '');
    if (!importer) {
      importer = openImporter(tsconfig, this.root, this.diagnostics, this.requireAll);
      this.importers.set(tsconfig ?? '', importer);
    }
    let module: LoadedModule;
    try {
      module = await importer.importFile(absolute);
    } catch (error) {
      this.diagnostics.push(loadFailure(file, absolute, error));
      this.unread.push({ file, exportName: undefined });
      return undefined;
    }
    const folderKey = `${tsconfig ?? ''}\0${module.format}\0${dirname(absolute)}`;
    let drizzle = this.byFolder.get(folderKey);
    if (!drizzle) {
      try {
        drizzle = await loadUserDrizzle(importer, absolute, module.format);
        this.byFolder.set(folderKey, drizzle);
      } catch (error) {
        if (Object.keys(module.exports).length > 0) {
          this.unresolved.push({
            severity: 'error',
            file,
            line: 0,
            col: 0,
            code: 'drizzle-not-found',
            message: `drizzle-orm cannot be loaded from ${file}: ${firstLine(error)}`,
            hint: 'install drizzle-orm where the schema files can resolve it',
          });
        }
      }
    }
    return { file, absolute, module, drizzle };
  }

  /**
   * Every drizzle-orm copy loaded. Reports the files that could not resolve one: a warning when another copy
   * was found (a barrel in a folder without drizzle-orm re-exporting tables still gets read), else an error.
   */
  drizzles(): UserDrizzle[] {
    const found = [...new Set(this.byFolder.values())];
    this.diagnostics.push(...this.unresolved.map((d): Diagnostic => (found.length > 0 ? { ...d, severity: 'warning' } : d)));
    // With no drizzle-orm at all, nothing in these files can be recognised as a table.
    if (found.length === 0) this.unread.push(...this.unresolved.map((d) => ({ file: d.file, exportName: undefined })));
    this.unresolved.length = 0;
    return found;
  }

  async close(): Promise<void> {
    for (const importer of this.importers.values()) await importer.close();
  }
}

/**
 * An importer honouring `tsconfig`; when tsx cannot read it (an `extends` naming a workspace package that is not
 * installed), one without it, and a warning: path aliases from that tsconfig will not resolve.
 */
function openImporter(tsconfig: string | undefined, root: string, diagnostics: Diagnostic[], requireAll: boolean): ModuleImporter {
  if (!tsconfig) return createModuleImporter({ tsconfig: false, requireAll });
  try {
    return createModuleImporter({ tsconfig, requireAll });
  } catch (error) {
    diagnostics.push({
      severity: 'warning',
      file: relative(root, tsconfig).split(sep).join('/'),
      line: 0,
      col: 0,
      code: 'tsconfig-unreadable',
      message: `tsconfig cannot be read, so its path aliases are not applied: ${firstLine(error)}`,
      hint: 'install the packages the tsconfig extends',
    });
    return createModuleImporter({ tsconfig: false, requireAll });
  }
}

function collectTables(files: readonly LoadedFile[], drizzles: readonly UserDrizzle[], diagnostics: Diagnostic[], unread: UnreadTable[]): TableFinding[] {
  const findings: TableFinding[] = [];
  const seen = new Set<unknown>();
  for (const { file, module, drizzle: own } of files) {
    // Export names in code-unit order: an ES namespace is ordered so, a CommonJS one by assignment.
    for (const exportName of Object.keys(module.exports).sort(compareText)) {
      const value = module.exports[exportName];
      if (typeof value !== 'object' || value === null || seen.has(value)) continue;
      // The copy of drizzle-orm that built the table reads it; any copy recognises it (entityKind).
      const drizzle = drizzles.find((d) => d.owns(value)) ?? own ?? drizzles[0];
      if (!drizzle?.isTable(value)) continue;
      seen.add(value);
      let view: TableView;
      try {
        view = drizzle.readTable(value);
      } catch (error) {
        diagnostics.push({
          severity: 'error',
          file,
          line: 0,
          col: 0,
          code: 'import-failed',
          message: `drizzle-orm ${drizzle.version} cannot read table ${exportName}: ${firstLine(error)}`,
          hint: 'fix the table definition so that drizzle-kit accepts it',
        });
        unread.push({ file, exportName });
        continue;
      }
      findings.push(tableFinding(view, { exportName, file, drizzle }, diagnostics));
    }
  }
  return findings;
}

/** What drizzle says about one table, as a finding. Pure apart from the drizzle casing functions it is given. */
export function tableFinding(
  view: TableView,
  where: { exportName: string; file: string; drizzle: Pick<UserDrizzle, 'casingAtBuild' | 'casingOf'> },
  diagnostics: Diagnostic[],
): TableFinding {
  const casing = where.drizzle.casingAtBuild ? casingAtBuild(view, where.drizzle) : { casing: undefined, explicit: false };
  const columns: ColumnFinding[] = view.columns.map((c) => ({
    key: c.key,
    // 0.x: a nameless column's SQL name waits for `drizzle({ casing })`. 1.0 named it when the table was built:
    // the table's casing says how, unless no casing explains the names, in which case they are given as is.
    name: c.keyAsName && !casing.explicit ? undefined : c.name,
    notNull: c.notNull,
    primaryKey: c.primary,
  }));
  const keyOf = new Map(view.columns.map((c) => [c.name, c.key]));
  const keys: KeyFinding[] = view.columns
    .filter((c) => c.isUnique)
    .map((c) => key('unique', c.uniqueName, [c.key], { nullsNotDistinct: c.nullsNotDistinct }));

  for (const constraint of view.constraints) {
    const expression = constraint.columns.some((c) => c === undefined);
    const names = constraint.columns.filter((c): c is string => c !== undefined);
    const unknown = names.filter((n) => !keyOf.has(n));
    if (unknown.length > 0) {
      diagnostics.push({
        severity: 'error',
        file: where.file,
        line: 0,
        col: 0,
        code: 'unknown-column',
        message: `a key of table ${view.name} (export ${where.exportName}) names column ${unknown.join(', ')}, which the table does not have`,
        hint: 'build the key from the columns of its own table',
      });
      continue;
    }
    const columnKeys = expression ? [] : names.map((n) => keyOf.get(n) ?? n);
    keys.push(
      key(findingKind(constraint), constraint.name, columnKeys, {
        nullsNotDistinct: constraint.nullsNotDistinct,
        partial: constraint.partial,
        expression,
      }),
    );
  }

  return {
    exportName: where.exportName,
    file: where.file,
    line: 0,
    schema: view.schema,
    name: view.name,
    columns,
    keys,
    casing: casing.casing,
  };
}

/**
 * drizzle-orm 1.0 keeps no record of a table's casing, only its effect: infer a casing that gives every nameless
 * column the name drizzle gave it. With none (a plain `pgTable` and a key no casing reproduces, like `URL`),
 * the names are reported as drizzle holds them.
 */
function casingAtBuild(
  view: TableView,
  drizzle: Pick<UserDrizzle, 'casingOf'>,
): { casing: Casing | undefined; explicit: boolean } {
  const nameless = view.columns.filter((c) => c.keyAsName);
  if (nameless.length === 0) return { casing: undefined, explicit: false };
  const casings: Casing[] = ['snake_case', 'camelCase'];
  const fits = casings.find((casing) => {
    const convert = drizzle.casingOf(casing);
    return nameless.every((c) => convert(c.key) === c.name);
  });
  return fits ? { casing: fits, explicit: false } : { casing: undefined, explicit: true };
}

/** Keys are `primary` and `unique`; non-unique indexes and foreign keys are lists (`index`, `foreign`). */
function findingKind(constraint: ConstraintView): KeyFinding['kind'] {
  if (constraint.kind === 'index') return constraint.unique ? 'unique' : 'index';
  return constraint.kind;
}

function key(
  kind: KeyFinding['kind'],
  name: string | undefined,
  columns: readonly string[],
  flags: { nullsNotDistinct?: boolean; partial?: boolean; expression?: boolean },
): KeyFinding {
  return {
    kind,
    name,
    columns,
    nullsNotDistinct: flags.nullsNotDistinct ?? false,
    partial: flags.partial ?? false,
    expression: flags.expression ?? false,
    line: 0,
  };
}

function loadFailure(file: string, absolute: string, error: unknown): Diagnostic {
  // Point at the schema file's own line when the throw happened there (tsx keeps source maps).
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const at = new RegExp(`${escapeRegExp(absolute)}:(\\d+):(\\d+)`).exec(stack);
  return {
    severity: 'error',
    file,
    line: at ? Number(at[1]) : 0,
    col: at ? Number(at[2]) : 0,
    code: 'import-failed',
    message: `importing ${file} failed: ${firstLine(error)}`,
    hint: 'fix the error so that the module loads (drizzle-kit loads it the same way), or run with --extract static',
  };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n').find((l) => l.trim() !== '') ?? message).trim();
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
