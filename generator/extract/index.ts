import type { Diagnostic } from '../diagnostics.js';
import type { TableFinding } from '../findings.js';

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

// Placeholder: the static (ts-morph) extractor replaces this.
export function extractStatic(input: ExtractInput): ExtractOutput {
  void input;
  return { findings: [], diagnostics: [] };
}
