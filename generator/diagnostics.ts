// Diagnostics are values: every step collects them, the CLI sorts and prints them once.

export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  /** Relative to the project root, POSIX separators; empty when the problem has no file (a missing config key). */
  readonly file: string;
  /** 1-based; 0 when unknown. */
  readonly line: number;
  readonly col: number;
  /** Stable identifier, e.g. `unresolved-table`, `unresolved-import`. */
  readonly code: string;
  /** One sentence saying what is wrong. */
  readonly message: string;
  /** One sentence naming the way out, e.g. `run with --extract import`. */
  readonly hint?: string;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.code.localeCompare(b.code);
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}:${d.col || 1}` : ''}: ` : '';
  const head = `${where}${d.severity}: ${d.message} [${d.code}]`;
  return d.hint ? `${head}\n  hint: ${d.hint}` : head;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
