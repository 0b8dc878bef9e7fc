// The pipeline: load config → find schema files → extract → normalize → render → write | check. Each step
// returns values and diagnostics; the first step that reports an error ends the run before anything is
// written. Printing and exit codes belong to cli.ts.
import { type ConfigFlags, loadConfig, type ResolvedConfig, rootRelative } from './config.js';
import { compareDiagnostics, type Diagnostic, hasErrors } from './diagnostics.js';
import type { ExtractOutput } from './extract/index.js';
import { findSchemaFiles } from './find.js';
import type { UnreadTable } from './findings.js';
import type { Model } from './model.js';
import { normalize } from './normalize.js';
import { compareOutput, hasDrift, type OutputComparison, writeOutput } from './output.js';
import { render } from './render.js';
import { tableFilter } from './table-filter.js';

export interface PipelineOptions {
  /** Absolute working directory: flags' paths are relative to it, and config files are looked for in it. */
  readonly cwd: string;
  readonly flags: ConfigFlags;
}

export interface ModelResult {
  readonly config: ResolvedConfig | undefined;
  /** The whole schema's model; undefined when anything is wrong (then nothing may be generated from it). */
  readonly model: Model | undefined;
  /**
   * What the schema files gave even when something is wrong: every table that was read, and what could not be
   * (each with an error diagnostic), for `inspect` to show. Undefined when the files were not reached.
   */
  readonly read: { readonly model: Model; readonly unread: readonly UnreadTable[] } | undefined;
  /** Sorted. */
  readonly diagnostics: readonly Diagnostic[];
}

export type GenerateResult =
  | { readonly status: 'error'; readonly config: ResolvedConfig | undefined; readonly diagnostics: readonly Diagnostic[] }
  | {
      /** `written`: generate changed the folder; `up-to-date`: nothing to change; `drift`: --check found changes. */
      readonly status: 'written' | 'up-to-date' | 'drift';
      readonly config: ResolvedConfig;
      readonly comparison: OutputComparison;
      readonly diagnostics: readonly Diagnostic[];
    };

const sorted = (diagnostics: readonly Diagnostic[]): Diagnostic[] => [...diagnostics].sort(compareDiagnostics);

function failure(code: string, caught: unknown): Diagnostic {
  const message = caught instanceof Error ? caught.message : String(caught);
  return { severity: 'error', file: '', line: 0, col: 0, code, message: message.split('\n')[0] ?? message };
}

// Each extractor is loaded only when chosen: ts-morph alone costs about half a second of start-up.
async function extract(config: ResolvedConfig, files: readonly string[]): Promise<ExtractOutput> {
  const input = { root: config.root, files };
  if (config.extract === 'import') return (await import('./load/extract-import.js')).extractByImport(input);
  return (await import('./extract/index.js')).extractStatic(input);
}

/** Everything up to the model: what `inspect` prints and what `generate` renders. */
export async function buildModel(options: PipelineOptions): Promise<ModelResult> {
  const loaded = await loadConfig(options);
  const config = loaded.config;
  if (!config || hasErrors(loaded.diagnostics)) return { config, model: undefined, read: undefined, diagnostics: sorted(loaded.diagnostics) };
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];

  const found = await findSchemaFiles(config.root, config.schema);
  diagnostics.push(...found.diagnostics);
  if (hasErrors(diagnostics)) return { config, model: undefined, read: undefined, diagnostics: sorted(diagnostics) };
  // A broad glob (`src/**/*.ts`) also matches the output folder; generated modules are never schema.
  const out = rootRelative(config.root, config.out);
  const files = found.files.filter((file) => out === '.' || !file.startsWith(`${out}/`));

  let extracted: ExtractOutput;
  try {
    extracted = await extract(config, files);
  } catch (caught) {
    return { config, model: undefined, read: undefined, diagnostics: sorted([...diagnostics, failure('extract-failed', caught)]) };
  }
  diagnostics.push(...extracted.diagnostics);
  // Tables the config's tablesFilter / schemaFilter leave out are not hotstorage's: no accessor, no trigger, no check.
  const kept = tableFilter(config.tables);
  const findings = extracted.findings.filter((table) => kept(table.schema ?? 'public', table.name));
  const normalized = normalize(findings, { casing: config.casing });
  diagnostics.push(...normalized.diagnostics);
  // One table that cannot be read makes the model unusable for generating (a partial output would pass a drift
  // check it should not), but not the other tables unreadable: `read` keeps them for inspect.
  const model = hasErrors(diagnostics) ? undefined : normalized.model;
  return { config, model, read: { model: normalized.model, unread: extracted.unread }, diagnostics: sorted(diagnostics) };
}

const SKIPPED_BECAUSE: Readonly<Record<'expression' | 'partial' | 'nullable', string>> = {
  nullable: 'a column of it may be NULL, and Postgres lets rows share a key that holds a NULL, so it cannot name one row (make its columns NOT NULL, or declare it .nullsNotDistinct())',
  partial: 'it is partial (.where(...)): unique only among some rows',
  expression: 'it is over an expression, not plain columns',
};

/**
 * What `generate` says beyond the schema's errors: a unique key that gets no accessor (one line per key, with the
 * reason; `inspect` lists them too), and a schema with no table at all (an empty index is rarely what was meant).
 */
function generateWarnings(model: Model): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  if (model.tables.length === 0) {
    warnings.push({
      severity: 'warning', file: '', line: 0, col: 0, code: 'no-tables',
      message: 'the schema files declare no table (or the config\'s tablesFilter / schemaFilter keep none): the generated index exports nothing',
      hint: 'check "schema" (and the filters) in the config, or --schema',
    });
  }
  for (const table of model.tables) {
    for (const skipped of table.skipped) {
      if (skipped.reason === 'no-key') continue; // normalize already warns: the table gets no accessors at all
      const columns = skipped.columns.length > 0 ? ` (${skipped.columns.join(', ')})` : '';
      warnings.push({
        severity: 'warning', file: table.file, line: 0, col: 0, code: 'skipped-key',
        message: `unique key ${skipped.name}${columns} of table ${table.schema}.${table.name} gets no accessor: ${SKIPPED_BECAUSE[skipped.reason]}`,
      });
    }
  }
  return warnings;
}

/** `generate` (check: false) writes the output folder; `generate --check` (check: true) only compares it. */
export async function generate(options: PipelineOptions & { readonly check: boolean }): Promise<GenerateResult> {
  const built = await buildModel(options);
  const { config, model } = built;
  if (!config || !model) return { status: 'error', config, diagnostics: built.diagnostics };

  const rendered = render(model, {
    outDir: rootRelative(config.root, config.out),
    importExtension: config.importExtension,
    runtimeImport: config.runtimeImport,
  });
  const diagnostics = sorted([...built.diagnostics, ...generateWarnings(model), ...rendered.diagnostics]);
  if (hasErrors(diagnostics)) return { status: 'error', config, diagnostics };

  try {
    const comparison = compareOutput(config.out, rendered.files);
    if (!hasDrift(comparison)) return { status: 'up-to-date', config, comparison, diagnostics };
    if (options.check) return { status: 'drift', config, comparison, diagnostics };
    writeOutput(comparison);
    return { status: 'written', config, comparison, diagnostics };
  } catch (caught) {
    return { status: 'error', config, diagnostics: sorted([...diagnostics, failure('output', caught)]) };
  }
}
