// Findings → model. Every rule about what counts as a key lives here, so the static and the import extractor
// cannot disagree on it: the names of nameless columns (the casing, else the key), one primary key, which unique
// keys are usable (and why the others are skipped), primary key = unique key dedup, the identity of a table
// without a primary key, and the order of everything. Pure: no I/O.
import type { Diagnostic } from './diagnostics.js';
import type { Casing, ColumnFinding, KeyFinding, TableFinding } from './findings.js';
import { MODEL_VERSION } from './model.js';
import type { Column, List, ListSource, Model, Skipped, Table } from './model.js';

// drizzle-orm's own word splitter (casing.ts), so a nameless column gets exactly the SQL name drizzle gives it.
const WORDS = /[\da-z]+|[A-Z]+(?![a-z])|[A-Z][\da-z]+/g;

export function toSnakeCase(input: string): string {
  const words = input.replace(/['\u2019]/g, '').match(WORDS) ?? [];
  return words.map((word) => word.toLowerCase()).join('_');
}

export function toCamelCase(input: string): string {
  const words = input.replace(/['\u2019]/g, '').match(WORDS) ?? [];
  return words.map((word, i) => (i === 0 ? word.toLowerCase() : `${word[0]?.toUpperCase() ?? ''}${word.slice(1)}`)).join('');
}

export function applyCasing(key: string, casing: Casing): string {
  return casing === 'snake_case' ? toSnakeCase(key) : toCamelCase(key);
}

/**
 * The name drizzle-orm gives an unnamed unique constraint (`unique().on(...)`, column `.unique()`):
 * `uniqueKeyName` in pg-core/unique-constraint. `columnNames` are drizzle's column names (declared name, else
 * the key, cased only by a table-level casing). Extractors fill KeyFinding.name with it; drizzle 1.0 leaves a
 * column's `uniqueName` undefined, so the import extractor needs it too.
 */
export function defaultUniqueName(tableName: string, columnNames: readonly string[]): string {
  return `${tableName}_${columnNames.join('_')}_unique`;
}

/** The name drizzle-kit gives an unnamed index (`indexName` in its serializer): KeyFinding.name undefined. */
export function defaultIndexName(tableName: string, columnNames: readonly string[]): string {
  return [tableName, ...columnNames, 'index'].join('_');
}

export interface NormalizeOptions {
  /**
   * From the config (or drizzle.config.ts, or --casing): how the runtime `drizzle({ casing })` names nameless
   * columns. Undefined = drizzle's default: a nameless column is named by its key, verbatim.
   */
  readonly casing: Casing | undefined;
}

export function normalize(
  findings: readonly TableFinding[],
  options: NormalizeOptions,
): { model: Model; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const tables = findings.map((finding) => normalizeTable(finding, options, diagnostics));
  tables.sort((a, b) => compareText(a.schema, b.schema) || compareText(a.name, b.name));
  for (let i = 1; i < tables.length; i++) {
    const previous = tables[i - 1];
    const table = tables[i];
    if (previous && table && previous.schema === table.schema && previous.name === table.name) {
      diagnostics.push({
        severity: 'error',
        file: table.file,
        line: findings.find((f) => f.file === table.file && f.exportName === table.exportName)?.line ?? 0,
        col: 0,
        code: 'duplicate-table',
        message: `table ${table.schema}.${table.name} (export ${table.exportName}) is also declared by export ${previous.exportName} in ${previous.file}`,
        hint: 'give each table its own SQL name',
      });
    }
  }
  return { model: { version: MODEL_VERSION, tables }, diagnostics };
}

function normalizeTable(finding: TableFinding, options: NormalizeOptions, diagnostics: Diagnostic[]): Table {
  const where = { file: finding.file, line: finding.line, col: 0 };
  const schema = finding.schema ?? 'public';
  const casing = finding.casing ?? options.casing;
  const position = new Map(finding.columns.map((c, i) => [c.key, i]));

  const primaryKey = primaryKeyOf(finding, diagnostics);
  const inPk = new Set(primaryKey);
  const columns: Column[] = finding.columns.map((c) => ({
    key: c.key,
    name: sqlName(c, casing),
    notNull: c.notNull || c.primaryKey || inPk.has(c.key),
  }));
  const notNull = new Map(columns.map((c) => [c.key, c.notNull]));
  const sqlNames = new Map(columns.map((c) => [c.key, c.name]));

  const skipped: Skipped[] = [];
  const usable: { columns: readonly string[]; nullsNotDistinct: boolean }[] = [];
  const resolve: KeyContext = { finding, position, sqlNames, skipped, diagnostics };
  for (const key of finding.keys) {
    if (key.kind !== 'unique') continue;
    const keyColumns = resolveColumns(key, resolve);
    if (keyColumns === undefined) continue;
    if (!key.nullsNotDistinct && keyColumns.some((k) => !notNull.get(k))) {
      skipped.push({ name: keyName(key, resolve), columns: keyColumns, reason: 'nullable' });
    } else usable.push({ columns: keyColumns, nullsNotDistinct: key.nullsNotDistinct });
  }

  // The import extractor cannot see declaration order across unique()/uniqueIndex()/column .unique(), so both
  // extractors order keys by where their columns sit in the table.
  const tuple = (cols: readonly string[]) => cols.map((k) => position.get(k) ?? -1);
  usable.sort((a, b) => compareTuples(tuple(a.columns), tuple(b.columns)));
  const seen = new Set<string>([setKey(primaryKey)]);
  const uniqueKeys: (readonly string[])[] = [];
  for (const key of usable) {
    const id = setKey(key.columns);
    if (seen.has(id)) continue;
    seen.add(id);
    uniqueKeys.push(key.columns);
  }

  const identity =
    primaryKey.length > 0 ? primaryKey : (uniqueKeys.find((cols) => cols.every((k) => notNull.get(k))) ?? []);
  const lists = listsOf(finding, resolve, [primaryKey, identity, ...uniqueKeys]);
  if (identity.length === 0) {
    skipped.push({ name: finding.name, columns: [], reason: 'no-key' });
    diagnostics.push({
      severity: 'warning',
      ...where,
      code: 'no-key',
      message: `table ${schema}.${finding.name} has no primary key and no unique key over NOT NULL columns, so it gets no accessors`,
      hint: 'add a primary key, or a unique key over NOT NULL columns',
    });
  }

  return {
    exportName: finding.exportName,
    schema,
    name: finding.name,
    file: finding.file,
    primaryKey,
    uniqueKeys,
    identity,
    columns,
    lists,
    skipped: sortSkipped(skipped),
  };
}

/**
 * The table's lists: one per distinct column list (declared order) of its foreign keys and non-unique indexes.
 * Expression and partial indexes are skipped with the reason, as for unique keys; a list whose columns are (as a set)
 * the identity or a usable unique key is left out, since getBy serves it.
 */
function listsOf(finding: TableFinding, resolve: KeyContext, keys: readonly (readonly string[])[]): List[] {
  const { position } = resolve;
  const keySets = new Set(keys.filter((k) => k.length > 0).map(setKey));
  const found = new Map<string, { columns: readonly string[]; sources: Set<ListSource> }>();
  for (const key of finding.keys) {
    if (key.kind !== 'index' && key.kind !== 'foreign') continue;
    const keyColumns = resolveColumns(key, resolve);
    if (keyColumns === undefined || keyColumns.length === 0 || keySets.has(setKey(keyColumns))) continue;
    const id = JSON.stringify(keyColumns);
    const list = found.get(id) ?? { columns: keyColumns, sources: new Set<ListSource>() };
    list.sources.add(key.kind === 'index' ? 'index' : 'fk');
    found.set(id, list);
  }
  const tuple = (cols: readonly string[]) => cols.map((k) => position.get(k) ?? -1);
  return [...found.values()]
    .sort((a, b) => compareTuples(tuple(a.columns), tuple(b.columns)))
    .map((list) => ({ columns: list.columns, sources: [...list.sources].sort(compareText) }));
}

/** What resolving a key finding's columns needs from its table (normalizeTable builds it once per table). */
interface KeyContext {
  readonly finding: TableFinding;
  readonly position: ReadonlyMap<string, number>;
  readonly sqlNames: ReadonlyMap<string, string>;
  readonly skipped: Skipped[];
  readonly diagnostics: Diagnostic[];
}

const KEY_WORDS: Record<KeyFinding['kind'], string> = { primary: 'a primary key', unique: 'a unique key', index: 'an index', foreign: 'a foreign key' };

/**
 * The columns of a unique key or a list (declared order), or undefined: a key naming a column the table does not have
 * (an error diagnostic), or an expression or partial index (skipped, with the reason, never silently dropped).
 */
function resolveColumns(key: KeyFinding, context: KeyContext): readonly string[] | undefined {
  const { finding, position } = context;
  const unknown = key.columns.filter((k) => !position.has(k));
  if (unknown.length > 0) {
    context.diagnostics.push({
      severity: 'error',
      file: finding.file,
      line: key.line || finding.line,
      col: 0,
      code: 'unknown-column',
      message: `${KEY_WORDS[key.kind]} of table ${finding.name} names ${unknown.join(', ')}, which the table does not have`,
      hint: 'run with --extract import',
    });
    return undefined;
  }
  if (key.expression) context.skipped.push({ name: keyName(key, context), columns: [], reason: 'expression' });
  else if (key.partial) context.skipped.push({ name: keyName(key, context), columns: key.columns, reason: 'partial' });
  else return key.columns;
  return undefined;
}

/** The key's declared name, else the one drizzle-kit derives from its columns' SQL names. */
function keyName(key: KeyFinding, { finding, sqlNames }: KeyContext): string {
  return key.name ?? defaultIndexName(finding.name, key.columns.map((k) => sqlNames.get(k) ?? k));
}

function sqlName(column: ColumnFinding, casing: Casing | undefined): string {
  if (column.name !== undefined) return column.name;
  // No casing configured: drizzle's default (and drizzle-kit's, which created the table), the key verbatim.
  return casing ? applyCasing(column.key, casing) : column.key;
}

function primaryKeyOf(finding: TableFinding, diagnostics: Diagnostic[]): readonly string[] {
  const declared: { columns: readonly string[]; line: number }[] = [
    ...finding.columns.filter((c) => c.primaryKey).map((c) => ({ columns: [c.key], line: finding.line })),
    ...finding.keys.filter((k: KeyFinding) => k.kind === 'primary').map((k) => ({ columns: k.columns, line: k.line })),
  ];
  if (declared.length > 1) {
    diagnostics.push({
      severity: 'error',
      file: finding.file,
      line: declared[1]?.line || finding.line,
      col: 0,
      code: 'multiple-primary-keys',
      message: `table ${finding.name} declares ${declared.length} primary keys (${declared.map((d) => d.columns.join('+')).join(', ')}); PostgreSQL allows one`,
      hint: 'declare a composite key once with primaryKey({ columns: [...] })',
    });
  }
  return declared[0]?.columns ?? [];
}

function sortSkipped(skipped: readonly Skipped[]): Skipped[] {
  const unique = new Map<string, Skipped>();
  for (const s of skipped) unique.set(JSON.stringify([s.name, s.reason, s.columns]), s);
  return [...unique.values()].sort(
    (a, b) => compareText(a.name, b.name) || compareText(a.reason, b.reason) || compareText(a.columns.join(), b.columns.join()),
  );
}

function setKey(columns: readonly string[]): string {
  return JSON.stringify([...columns].sort());
}

/** Lexicographic; a prefix sorts first. */
function compareTuples(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Code-unit order: the same on every machine, whatever its locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
