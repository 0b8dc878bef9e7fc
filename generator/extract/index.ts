// The static extractor: reads the schema files with ts-morph (only the user's files, no lib resolution, no type
// checker) and reports every exported table as a TableFinding, or a diagnostic naming the way out when static
// reading cannot settle it.
import { resolve } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { compareDiagnostics } from '../diagnostics.js';
import type { TableFinding, UnreadTable } from '../findings.js';
import { installedDrizzleMajor } from './drizzle-version.js';
import { Evaluator } from './evaluate.js';
import { position, where } from './node-text.js';
import { Modules } from './modules.js';
import type { ModuleFile } from './modules.js';
import { finishTable } from './tables.js';
import type { TableDraft, Unknown } from './values.js';
import type { Node } from 'ts-morph';

export interface ExtractInput {
  /** Absolute project root; `files` and every reported path are relative to it. */
  readonly root: string;
  /** Schema files, relative to root, sorted. */
  readonly files: readonly string[];
}

export interface ExtractOutput {
  readonly findings: readonly TableFinding[];
  /** Tables (or what may be tables) that could not be read, each with an error diagnostic; sorted. */
  readonly unread: readonly UnreadTable[];
  readonly diagnostics: readonly Diagnostic[];
}

export function extractStatic(input: ExtractInput): ExtractOutput {
  const modules = new Modules(input.root);
  const ev = new Evaluator(modules, { drizzleMajor: installedDrizzleMajor(input.root) ?? 0 });
  const diagnostics = new Diagnostics();
  // A table reached through several exports is one table: the first schema file (sorted) that exports it, under
  // its first export name there (module namespaces list names sorted, as the import extractor sees them).
  const found = new Map<TableDraft, { file: ModuleFile; exportName: string }>();
  const unread = new Unread();

  for (const path of input.files) {
    const file = modules.load(resolve(input.root, path));
    if (!file) {
      diagnostics.add({ severity: 'error', file: path, line: 0, col: 0, code: 'missing-file', message: `cannot read the schema file ${path}`, hint: 'check the schema paths' });
      continue;
    }
    if (file.syntaxErrors.length > 0) continue;
    const { commonJs } = file.exports;
    if (commonJs) {
      const { line, col } = position(commonJs);
      unread.add(commonJs, file.path, undefined);
      diagnostics.add({
        severity: 'error',
        file: file.path,
        line,
        col,
        code: 'commonjs-exports',
        message: `${file.path} exports through \`module.exports\`/\`exports\`, which static reading does not follow, so its tables are unknown`,
        hint: 'run with --extract import',
      });
    }
    for (const exportName of [...ev.links.exportNames(file)].sort()) {
      const read = guarded(diagnostics, file, exportName, () => ({ value: ev.links.exportOf(file, exportName) }));
      const value = read?.value;
      if (!read) unread.add(file.source, file.path, exportName);
      else if (value?.kind === 'table') {
        if (!found.has(value.table)) found.set(value.table, { file, exportName });
      } else if (value?.kind === 'unknown' && value.tableLike) {
        // Reported where it is declared: a value reached through a barrel and through its own file is one.
        const declared = ev.links.exportDeclaration(file, exportName) ?? { file, node: ev.links.exportSite(file, exportName) ?? file.source };
        unread.add(declared.node, file.path, exportName);
        diagnostics.unsettledExport(exportName, declared, value);
      }
    }
    // A name re-exported from a package is reported as an export above; what `export *` brings is not even named.
    for (const star of file.exports.stars) {
      const { specifier } = star;
      if (!specifier.startsWith('.') && !specifier.startsWith('drizzle-orm') && !modules.resolveAlias(file, specifier)) {
        const { line, col } = position(star.node);
        unread.add(star.node, file.path, undefined, specifier);
        diagnostics.add({
          severity: 'error',
          file: file.path,
          line,
          col,
          code: 'unresolved-reexport',
          message: `\`export * from '${specifier}'\` re-exports a package the static reader does not open, so what it exports is unknown`,
          hint: 'run with --extract import',
        });
      }
    }
  }

  const findings: TableFinding[] = [];
  const failed = new Set<TableDraft>();
  for (const [draft, { file, exportName }] of found) {
    if (!guarded(diagnostics, file, exportName, () => (finishTable(draft), true))) failed.add(draft);
  }
  for (const [draft, { file, exportName }] of found) {
    if (failed.has(draft)) {
      unread.add(draft.node, file.path, exportName);
      continue;
    }
    for (const warning of draft.warnings) diagnostics.add(warning);
    if (draft.problems.length > 0) {
      for (const problem of draft.problems) diagnostics.unknown(modules, problem);
      unread.add(draft.node, file.path, exportName);
      continue;
    }
    const site = draft.file === file ? draft.node : (ev.links.exportSite(file, exportName) ?? file.source);
    findings.push({
      exportName,
      file: file.path,
      line: position(site).line,
      schema: draft.schema,
      name: draft.name,
      columns: draft.columns,
      keys: draft.keys,
      casing: draft.casing,
    });
  }

  for (const file of modules.loaded()) {
    const first = file.syntaxErrors[0];
    if (!first) continue;
    unread.add(file.source, file.path, undefined);
    const { line, column } = file.source.getLineAndColumnAtPos(first.pos);
    diagnostics.add({
      severity: 'error',
      file: file.path,
      line,
      col: column,
      code: 'syntax-error',
      message: `${file.path} does not parse: ${first.message}`,
      hint: 'fix the syntax error; its tables are not read until then',
    });
  }
  return { findings, unread: unread.sorted(), diagnostics: diagnostics.sorted() };
}

/**
 * A schema form the reader did not foresee must not take the whole run down: it becomes a diagnostic at the
 * export, with the way out.
 */
function guarded<T>(diagnostics: Diagnostics, file: ModuleFile, exportName: string, body: () => T): T | undefined {
  try {
    return body();
  } catch (error) {
    diagnostics.add({
      severity: 'error',
      file: file.path,
      line: 0,
      col: 0,
      code: 'internal-error',
      message: `reading export \`${exportName}\` failed: ${error instanceof Error ? error.message : String(error)}`,
      hint: 'run with --extract import, and please report the schema form',
    });
    return undefined;
  }
}

/** What could not be read, once per declaration (a table reached through a barrel and its own file is one). */
class Unread {
  private readonly bySite = new Map<string, UnreadTable>();

  add(site: Node, file: string, exportName: string | undefined, from?: string): void {
    const id = `${site.getSourceFile().getFilePath()}:${site.getStart()}`;
    if (!this.bySite.has(id)) this.bySite.set(id, from === undefined ? { file, exportName } : { file, exportName, from });
  }

  sorted(): UnreadTable[] {
    return [...this.bySite.values()].sort((a, b) => compareText(a.file, b.file) || compareText(a.exportName ?? '', b.exportName ?? ''));
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Collects diagnostics once each (a problem reached through two exports is one problem). */
class Diagnostics {
  private readonly byPlace = new Map<string, Diagnostic>();

  add(d: Diagnostic): void {
    const id = `${d.file}:${d.line}:${d.col}:${d.code}`;
    if (!this.byPlace.has(id)) this.byPlace.set(id, d);
  }

  unknown(modules: Modules, u: Unknown): void {
    if (u.silent) return;
    const { line, col } = position(u.node);
    this.add({ severity: 'error', file: modules.pathOf(u.node.getSourceFile()), line, col, code: u.code, message: u.message, hint: u.hint });
  }

  /** An export that may be a table and whose value static reading cannot settle: reported where it is declared. */
  unsettledExport(exportName: string, declared: { file: ModuleFile; node: Node }, u: Unknown): void {
    if (u.silent) return;
    const { line, col } = position(declared.node);
    const elsewhere = u.file !== declared.file || position(u.node).line !== line ? ` (${where(u)})` : '';
    this.add({
      severity: 'error',
      file: declared.file.path,
      line,
      col,
      code: u.code,
      message: `export \`${exportName}\` may be a table, but static reading cannot settle its value: ${u.message}${elsewhere}`,
      hint: u.hint,
    });
  }

  sorted(): Diagnostic[] {
    return [...this.byPlace.values()].sort(compareDiagnostics);
  }
}
