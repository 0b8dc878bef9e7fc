// The static extractor: reads the schema files with ts-morph (only the user's files, no lib resolution, no type
// checker) and reports every exported table as a TableFinding, or a diagnostic naming the way out when static
// reading cannot settle it.
import { resolve } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { compareDiagnostics } from '../diagnostics.js';
import type { TableFinding } from '../findings.js';
import { installedDrizzleMajor } from './drizzle-version.js';
import { Evaluator, position } from './evaluate.js';
import { Modules } from './modules.js';
import type { ModuleFile } from './modules.js';
import { finishTable } from './tables.js';
import type { TableDraft } from './tables.js';
import type { Unknown } from './values.js';

export interface ExtractInput {
  /** Absolute project root; `files` and every reported path are relative to it. */
  readonly root: string;
  /** Schema files, relative to root, sorted. */
  readonly files: readonly string[];
}

export interface ExtractOutput {
  readonly findings: readonly TableFinding[];
  readonly diagnostics: readonly Diagnostic[];
}

export function extractStatic(input: ExtractInput): ExtractOutput {
  const modules = new Modules(input.root);
  const ev = new Evaluator(modules, { namelessIsKey: (installedDrizzleMajor(input.root) ?? 0) >= 1 });
  const diagnostics = new Diagnostics();
  // A table reached through several exports is one table: the first schema file (sorted) that exports it, under
  // its first export name there (module namespaces list names sorted, as the import extractor sees them).
  const found = new Map<TableDraft, { file: ModuleFile; exportName: string }>();

  for (const path of input.files) {
    const file = modules.load(resolve(input.root, path));
    if (!file) {
      diagnostics.add({ severity: 'error', file: path, line: 0, col: 0, code: 'missing-file', message: `cannot read the schema file ${path}`, hint: 'check the schema paths' });
      continue;
    }
    if (file.syntaxErrors.length > 0) continue;
    for (const exportName of [...ev.exportNames(file)].sort()) {
      const value = ev.exportOf(file, exportName);
      if (value?.kind === 'table') {
        if (!found.has(value.table)) found.set(value.table, { file, exportName });
      } else if (value?.kind === 'unknown' && value.tableLike) {
        diagnostics.unknown(modules, value);
      }
    }
    for (const star of file.exports.stars) {
      if (!star.specifier.startsWith('.') && !star.specifier.startsWith('drizzle-orm') && !modules.resolveAlias(file, star.specifier)) {
        const { line, col } = position(star.node);
        diagnostics.add({
          severity: 'error',
          file: file.path,
          line,
          col,
          code: 'unresolved-reexport',
          message: `\`export * from '${star.specifier}'\` re-exports a package the static reader does not open, so its tables are unknown`,
          hint: 'run with --extract import',
        });
      }
    }
  }

  const findings: TableFinding[] = [];
  for (const draft of found.keys()) finishTable(draft);
  for (const [draft, { file, exportName }] of found) {
    for (const warning of draft.warnings) diagnostics.add(warning);
    if (draft.problems.length > 0) {
      for (const problem of draft.problems) diagnostics.unknown(modules, problem);
      continue;
    }
    const site = draft.file === file ? draft.node : (ev.exportSite(file, exportName) ?? file.source);
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
  return { findings, diagnostics: diagnostics.sorted() };
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

  sorted(): Diagnostic[] {
    return [...this.byPlace.values()].sort(compareDiagnostics);
  }
}
