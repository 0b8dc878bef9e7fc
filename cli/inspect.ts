// What `inspect` prints: every table that was read, what could not be read, the diagnostics, and a last line
// counting them. One table that cannot be read hides no other: the tables read are shown even when the run fails.
import { errorCount, EXIT_ERROR, EXIT_OK, type Io, printDiagnostics } from './common.js';
import type { Diagnostic } from '../generator/diagnostics.js';
import type { UnreadTable } from '../generator/findings.js';
import type { ModelResult } from '../generator/generate.js';
import type { Model } from '../generator/model.js';

type Read = NonNullable<ModelResult['read']>;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function describeUnread(u: UnreadTable): string {
  if (u.exportName !== undefined) return `not read  ${u.exportName} in ${u.file}`;
  return u.from === undefined ? `not read  ${u.file}` : `not read  export * from '${u.from}' in ${u.file}`;
}

export function summarize(model: Model, unread: readonly UnreadTable[]): string {
  const keys = (list: readonly (readonly string[])[]): string => list.map((k) => `(${k.join(', ')})`).join(' ');
  const tables = model.tables.map((t) => {
    const lines = [`${t.schema}.${t.name}  ${t.exportName} in ${t.file}`];
    if (t.primaryKey.length) lines.push(`  primary key (${t.primaryKey.join(', ')})`);
    if (t.uniqueKeys.length) lines.push(`  unique ${keys(t.uniqueKeys)}`);
    if (t.identity.length && t.primaryKey.length === 0) lines.push(`  identity (${t.identity.join(', ')})`);
    for (const l of t.lists) lines.push(`  list (${l.columns.join(', ')}) from ${l.sources.join(' + ')}`);
    for (const s of t.skipped) lines.push(`  skipped ${s.name}: ${s.reason}`);
    return `${lines.join('\n')}\n`;
  });
  return [...tables, ...unread.map((u) => `${describeUnread(u)}\n`)].join('');
}

/**
 * `inspect --json`: the model (`version`, `tables`), plus what could not be read and every diagnostic, paths
 * relative to the project root like the tables' `file`.
 */
export function inspectJson(read: Read, diagnostics: readonly Diagnostic[]): string {
  const { version, tables } = read.model;
  return `${JSON.stringify({ version, tables, unread: read.unread, diagnostics }, null, 2)}\n`;
}

/** `38 tables read, 2 not read`, and the sources whose tables cannot be counted: files not read, packages not opened. */
export function readCounts(read: Read): string {
  const tables = read.unread.filter((u) => u.exportName !== undefined).length;
  const packages = read.unread.filter((u) => u.exportName === undefined && u.from !== undefined).length;
  const files = read.unread.length - tables - packages;
  return (
    `${plural(read.model.tables.length, 'table')} read, ${tables} not read` +
    (files ? `, ${plural(files, 'file')} not read at all` : '') +
    (packages ? `, ${plural(packages, 'package re-export')} not opened` : '')
  );
}

export function reportInspect(io: Io, built: ModelResult, json: boolean): number {
  printDiagnostics(io, built.config?.root ?? io.cwd, built.diagnostics);
  if (built.read) io.out(json ? inspectJson(built.read, built.diagnostics) : summarize(built.read.model, built.read.unread));
  const n = errorCount(built.diagnostics);
  if (n === 0) return EXIT_OK;
  io.err(`hotstorage: ${plural(n, 'error')}${built.read ? `; ${readCounts(built.read)}` : ''}.\n`);
  return EXIT_ERROR;
}
