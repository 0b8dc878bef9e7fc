// Every name a generated module uses, decided before anything renders: module files, accessors
// (`getByNameAndPhone`), parameters, the local binding of the user's table. Two tables that would share a
// module, or two keys that would share an accessor, are error diagnostics here, so rendering never guesses.
import type { Diagnostic } from './diagnostics.js';
import type { Model, Table } from './model.js';

export type AccessorPlan =
  | { readonly kind: 'getBy'; readonly name: string; readonly columns: readonly string[]; readonly primary: boolean }
  | { readonly kind: 'getMany'; readonly name: string; readonly columns: readonly string[]; readonly primary: boolean }
  /** `getManyBy<Unique>` for a unique key that is not the identity: its values, resolved through the pointers. */
  | { readonly kind: 'getManyByKey'; readonly name: string; readonly columns: readonly string[]; readonly param: string }
  | { readonly kind: 'listBy'; readonly name: string; readonly columns: readonly string[] }
  | { readonly kind: 'save' | 'update' | 'remove'; readonly name: string };

export interface TablePlan {
  readonly table: Table;
  /** Module file name without extension; also the namespace name in index.ts. */
  readonly module: string;
  /** Local binding of the user's table inside the module. */
  readonly tableLocal: string;
  readonly accessors: readonly AccessorPlan[];
  /** Parameter name for each column of any key (TypeScript property name → identifier). */
  readonly params: ReadonlyMap<string, string>;
  /** Parameter name for a list of identity values (single-column identity), e.g. `ids`. */
  readonly listParam: string;
}

export interface NamingResult {
  readonly plans: readonly TablePlan[];
  readonly diagnostics: readonly Diagnostic[];
}

const RESERVED_WORDS = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await arguments eval undefined'
  ).split(' '),
);

/** Names the module itself declares or imports; a parameter or the table binding must not shadow them. */
const MODULE_NAMES = ['defineTable', 'Context', 'ListOptions', 'Row', 'NewRow', 'table'];
/** Parameter names the accessors use for other things. */
const PARAM_NAMES = ['ctx', 'key', 'keys', 'patch', 'row', 'table', 'values', 'options'];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name) && !RESERVED_WORDS.has(name);
}

/** `tenantId`, `tenant_id` and `tenant-id` all become `TenantId`. */
export function pascalCase(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0);
  return words.length === 0 ? 'Column' : words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

function camelCase(name: string): string {
  const pascal = pascalCase(name);
  return pascal[0]!.toLowerCase() + pascal.slice(1);
}

/** `getBy` + each key column in PascalCase, joined by `And`: `getByNameAndPhone`. */
export function keyAccessorName(prefix: 'getBy' | 'getManyBy' | 'listBy', columns: readonly string[]): string {
  return prefix + columns.map(pascalCase).join('And');
}

function plural(word: string): string {
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  return `${word}s`;
}

/** An identifier for a column's value that shadows nothing the accessor bodies use. */
function paramName(key: string): string {
  let name = IDENTIFIER.test(key) ? key : camelCase(key);
  if (!IDENTIFIER.test(name)) name = `_${name}`;
  if (RESERVED_WORDS.has(name) || PARAM_NAMES.includes(name) || MODULE_NAMES.includes(name)) name = `${name}Value`;
  return name;
}

function tableAccessors(table: Table): AccessorPlan[] {
  const hasPk = table.primaryKey.length > 0;
  const accessors: AccessorPlan[] = [];
  if (hasPk) accessors.push({ kind: 'getBy', name: 'getByPk', columns: table.primaryKey, primary: true });
  for (const columns of table.uniqueKeys) {
    accessors.push({ kind: 'getBy', name: keyAccessorName('getBy', columns), columns, primary: false });
  }
  accessors.push({
    kind: 'getMany',
    name: hasPk ? 'getManyByPk' : keyAccessorName('getManyBy', table.identity),
    columns: table.identity,
    primary: hasPk,
  });
  for (const columns of table.uniqueKeys) {
    if (sameSet(columns, table.identity)) continue;
    accessors.push({ kind: 'getManyByKey', name: keyAccessorName('getManyBy', columns), columns, param: '' });
  }
  for (const list of table.lists) accessors.push({ kind: 'listBy', name: keyAccessorName('listBy', list.columns), columns: list.columns });
  accessors.push({ kind: 'save', name: 'save' }, { kind: 'update', name: 'update' }, { kind: 'remove', name: 'remove' });
  return accessors;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((column) => b.includes(column));
}

function describeKey(accessor: AccessorPlan): string {
  if (accessor.kind === 'listBy') return `the list by (${accessor.columns.join(', ')})`;
  if (accessor.kind === 'getManyByKey') return `the key (${accessor.columns.join(', ')})`;
  if (accessor.kind !== 'getBy' && accessor.kind !== 'getMany') return accessor.kind;
  return accessor.primary ? 'the primary key' : `the key (${accessor.columns.join(', ')})`;
}

function error(table: Table, code: string, message: string, hint: string): Diagnostic {
  return { severity: 'error', file: table.file, line: 0, col: 0, code, message, hint };
}

function planTable(table: Table, diagnostics: Diagnostic[]): TablePlan {
  const accessors = tableAccessors(table);
  const seen = new Map<string, AccessorPlan>();
  const reported = new Set<string>();
  for (const accessor of accessors) {
    const earlier = seen.get(accessor.name);
    // getManyBy<Key> is named as getBy<Key> is: their collisions are one problem, reported once.
    const pair = earlier ? `${describeKey(earlier)}\u0000${describeKey(accessor)}` : '';
    if (earlier && !reported.has(pair)) {
      reported.add(pair);
      diagnostics.push(
        error(
          table,
          'accessor-collision',
          `Table ${table.exportName} would get two accessors named ${accessor.name}, for ${describeKey(earlier)} and ${describeKey(accessor)}.`,
          'rename one of the columns’ TypeScript properties so the accessor names differ',
        ),
      );
    } else if (!earlier) {
      seen.set(accessor.name, accessor);
    }
  }
  const keyColumns = new Set([...table.primaryKey, ...table.uniqueKeys.flat(), ...table.identity, ...table.lists.flatMap((l) => l.columns)]);
  const params = new Map<string, string>();
  const used = new Set<string>();
  for (const key of keyColumns) {
    let name = paramName(key);
    // Two properties can sanitise to one identifier (`user-id` and `userId`); a key with both needs two.
    while (used.has(name)) name = `${name}_`;
    used.add(name);
    params.set(key, name);
  }
  const single = table.identity.length === 1 ? params.get(table.identity[0]!) : undefined;
  const listParam = single ? plural(single) : 'keys';
  // getManyBy<Unique> of a one-column key takes the plural of its parameter (`emails`), else `keys`.
  const planned = accessors.map((a): AccessorPlan => {
    if (a.kind !== 'getManyByKey') return a;
    const only = a.columns.length === 1 ? params.get(a.columns[0]!) : undefined;
    let param = only ? plural(only) : 'keys';
    if (used.has(param) || MODULE_NAMES.includes(param) || (only !== undefined && PARAM_NAMES.includes(param))) param = `${param}List`;
    return { ...a, param };
  });

  const moduleNames = new Set([...MODULE_NAMES, ...accessors.map((a) => a.name)]);
  let tableLocal = table.exportName;
  while (moduleNames.has(tableLocal)) tableLocal = `${tableLocal}Table`;
  return { table, module: table.exportName, tableLocal, accessors: planned, params, listParam };
}

/** Plans every table that has an identity (tables skipped as `no-key` get no module). */
export function planModules(model: Model): NamingResult {
  const diagnostics: Diagnostic[] = [];
  const plans = model.tables.filter((t) => t.identity.length > 0).map((t) => planTable(t, diagnostics));
  // Module files must differ even on case-insensitive file systems, and `index` is the index module's.
  const byFile = new Map<string, TablePlan>();
  for (const plan of plans) {
    const fileKey = plan.module.toLowerCase();
    if (fileKey === 'index') {
      diagnostics.push(
        error(
          plan.table,
          'module-collision',
          `Table export ${plan.module} would be generated as index.ts, which is the index module.`,
          'export the table under another name',
        ),
      );
      continue;
    }
    const earlier = byFile.get(fileKey);
    if (earlier) {
      diagnostics.push(
        error(
          plan.table,
          'module-collision',
          `Tables ${earlier.module} (${earlier.table.file}) and ${plan.module} (${plan.table.file}) would both be generated as ${plan.module}.ts.`,
          'export one of them under another name, or leave one file out of --schema',
        ),
      );
    } else {
      byFile.set(fileKey, plan);
    }
  }
  return { plans, diagnostics };
}
