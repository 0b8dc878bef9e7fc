// Model → generated files (path relative to the output folder → text). Pure: touches no disk, so `generate`
// and `generate --check` share it, and tests feed it hand-built models. Names come from naming.ts; layout
// from templates/; this module decides the TypeScript fragments in between.
import { posix } from 'node:path';
import { indexModule } from '../templates/index-module.js';
import { tableModule } from '../templates/table-module.js';
import type { AccessorView } from '../templates/view.js';
import type { Diagnostic } from './diagnostics.js';
import type { Model } from './model.js';
import { type AccessorPlan, isIdentifier, planModules, type TablePlan } from './naming.js';

export interface RenderOptions {
  /** Output folder relative to the project root, POSIX separators (`Table.file` is relative to the same root). */
  readonly outDir: string;
  /** Extension of relative imports in generated code: '.js' (default, maps .mts → .mjs), '.ts', or ''. */
  readonly importExtension?: string;
  /** Module generated code imports the runtime from. */
  readonly runtimeImport?: string;
}

export interface RenderResult {
  /** Sorted by path. Empty when `diagnostics` has an error. */
  readonly files: ReadonlyMap<string, string>;
  readonly diagnostics: readonly Diagnostic[];
}

export const DEFAULT_IMPORT_EXTENSION = '.js';
export const DEFAULT_RUNTIME_IMPORT = '@hotstorage/runtime';

/** A single-quoted TypeScript string literal. */
export function quote(text: string): string {
  return `'${JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

function property(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : quote(key);
}

/** `{ id }`, or `{ 'user-id': userId }` when the parameter had to be renamed. */
function objectOf(columns: readonly string[], params: ReadonlyMap<string, string>): string {
  const entries = columns.map((c) => {
    const param = params.get(c) ?? c;
    return param === c && isIdentifier(c) ? c : `${property(c)}: ${param}`;
  });
  return `{ ${entries.join(', ')} }`;
}

const list = (columns: readonly string[]): string => `[${columns.map(quote).join(', ')}]`;
const union = (columns: readonly string[]): string => columns.map(quote).join(' | ');
const named = (columns: readonly string[]): string => columns.join(', ').replace(/\*\//g, '* /');

export function importSpecifier(path: string, extension: string): string {
  const source = /\.([mc]?)[jt]sx?$/.exec(path);
  const stem = source ? path.slice(0, -source[0].length) : path;
  // With '.js', Node resolution maps each TypeScript extension to its JavaScript twin.
  const ext = extension === '.js' && source?.[1] ? `.${source[1]}js` : extension;
  const relative = `${stem}${ext}`;
  return relative.startsWith('.') ? relative : `./${relative}`;
}

function accessorView(plan: TablePlan, accessor: AccessorPlan): AccessorView {
  const { table, params } = plan;
  const identity = table.identity;
  const single = identity.length === 1 ? identity[0] : undefined;
  const identityArg = single ? `${params.get(single)}: Row[${quote(single)}]` : `key: Pick<Row, ${union(identity)}>`;
  const identityValue = single ? objectOf(identity, params) : 'key';
  const hasPk = table.primaryKey.length > 0;
  const thisIdentity = hasPk ? 'this primary key' : `this (${named(identity)})`;
  const theseIdentities = hasPk ? 'these primary keys' : `these (${named(identity)}) values`;
  const upsertOn = hasPk ? 'the primary key' : `(${named(identity)})`;
  switch (accessor.kind) {
    case 'getBy': {
      const [column] = accessor.columns;
      const byOne = accessor.columns.length === 1 && column !== undefined;
      const doc = accessor.primary
        ? 'Reads the row with this primary key: one Redis round trip on a hit; on a miss, one Postgres query fills the cache.'
        : `Reads the row whose ${byOne ? `${named(accessor.columns)} is this value` : `(${named(accessor.columns)}) are these values`}: Redis follows the unique pointer and re-checks that the row still carries ${byOne ? 'it' : 'them'}; on a miss, one Postgres query fills the cache.`;
      return {
        doc,
        name: accessor.name,
        params: byOne
          ? `ctx: Context, ${params.get(column)}: Row[${quote(column)}]`
          : `ctx: Context, key: Pick<Row, ${union(accessor.columns)}>`,
        returns: 'Promise<Row | null>',
        body: `table.getBy(ctx, ${list(accessor.columns)}, ${byOne ? objectOf(accessor.columns, params) : 'key'})`,
      };
    }
    case 'getMany':
      return {
        doc: `Reads the rows with ${theseIdentities} in one Redis round trip, in input order (null where absent); misses are read from Postgres and fill the cache.`,
        name: accessor.name,
        params: single
          ? `ctx: Context, ${plan.listParam}: readonly Row[${quote(single)}][]`
          : `ctx: Context, keys: readonly Pick<Row, ${union(identity)}>[]`,
        returns: 'Promise<(Row | null)[]>',
        body: single
          ? `table.getManyByIdentity(ctx, ${plan.listParam}.map((${params.get(single)}) => (${identityValue})))`
          : 'table.getManyByIdentity(ctx, keys)',
      };
    case 'getManyByKey': {
      const [column] = accessor.columns;
      const byOne = accessor.columns.length === 1 && column !== undefined;
      return {
        doc: `Reads the rows whose ${byOne ? `${named(accessor.columns)} is each of these values` : `(${named(accessor.columns)}) are each of these values`}, in input order (null where absent): one Redis round trip when all hit, each row re-checked to carry its values; misses are read from Postgres and fill the cache.`,
        name: accessor.name,
        params: byOne
          ? `ctx: Context, ${accessor.param}: readonly Row[${quote(column)}][]`
          : `ctx: Context, ${accessor.param}: readonly Pick<Row, ${union(accessor.columns)}>[]`,
        returns: 'Promise<(Row | null)[]>',
        body: byOne
          ? `table.getManyBy(ctx, ${list(accessor.columns)}, ${accessor.param}.map((${params.get(column)}) => (${objectOf(accessor.columns, params)})))`
          : `table.getManyBy(ctx, ${list(accessor.columns)}, ${accessor.param})`,
      };
    }
    case 'listBy': {
      const [column] = accessor.columns;
      const byOne = accessor.columns.length === 1 && column !== undefined;
      const after = single ? `Row[${quote(single)}]` : `Pick<Row, ${union(identity)}>`;
      return {
        doc: `Lists the rows whose ${byOne ? `${named(accessor.columns)} is this value` : `(${named(accessor.columns)}) are these values`}, ordered by ${hasPk ? 'primary key' : `(${named(identity)})`}, a page of \`limit\` after the identity \`after\`, only rows whose other columns equal \`where\`: one Redis round trip on a hit (two on a Cluster: the list, then its rows); on a miss one Postgres query fills it.`,
        name: accessor.name,
        params: byOne
          ? `ctx: Context, ${params.get(column)}: NonNullable<Row[${quote(column)}]>, options?: ListOptions<${after}, Omit<Row, ${union(accessor.columns)}>>`
          : `ctx: Context, values: Pick<Row, ${union(accessor.columns)}>, options?: ListOptions<${after}, Omit<Row, ${union(accessor.columns)}>>`,
        returns: 'Promise<Row[]>',
        body: `table.listBy(ctx, ${list(accessor.columns)}, ${byOne ? objectOf(accessor.columns, params) : 'values'}, options)`,
      };
    }
    case 'save':
      return {
        doc: `Inserts or updates the row in Postgres (upsert on ${upsertOn}), then writes it and its unique pointers to Redis under the row's lease, so no older read can overwrite it.`,
        name: accessor.name,
        params: 'ctx: Context, row: NewRow',
        returns: 'Promise<Row>',
        body: 'table.save(ctx, row)',
      };
    case 'update':
      return {
        doc: `Updates these columns of the row with ${thisIdentity} in Postgres, then rewrites the cached row and its unique pointers in Redis; null when there is no such row.`,
        name: accessor.name,
        params: `ctx: Context, ${identityArg}, patch: Partial<Omit<NewRow, ${union(identity)}>>`,
        returns: 'Promise<Row | null>',
        body: `table.update(ctx, ${identityValue}, patch)`,
      };
    case 'remove':
      return {
        doc: `Deletes the row with ${thisIdentity} in Postgres, then replaces the cached row with a tombstone and drops its unique pointers in Redis; true when a row was deleted.`,
        name: accessor.name,
        params: `ctx: Context, ${identityArg}`,
        returns: 'Promise<boolean>',
        body: `table.remove(ctx, ${identityValue})`,
      };
  }
}

function renderTable(plan: TablePlan, options: Required<RenderOptions>): string {
  const { table } = plan;
  const schemaPath = importSpecifier(posix.relative(options.outDir || '.', table.file), options.importExtension);
  return tableModule({
    runtimeImport: quote(options.runtimeImport),
    tableImport: plan.tableLocal === table.exportName ? table.exportName : `${table.exportName} as ${plan.tableLocal}`,
    schemaImport: quote(schemaPath),
    tableLocal: plan.tableLocal,
    runtimeTypes: table.lists.length > 0 ? ['Context', 'ListOptions'] : ['Context'],
    spec: [
      `primaryKey: ${list(table.primaryKey)}`,
      `uniqueKeys: [${table.uniqueKeys.map(list).join(', ')}]`,
      `identity: ${list(table.identity)}`,
      ...(table.lists.length > 0 ? [`lists: [${table.lists.map((l) => list(l.columns)).join(', ')}]`] : []),
    ],
    accessors: plan.accessors.map((a) => accessorView(plan, a)),
  });
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function render(model: Model, options: RenderOptions): RenderResult {
  const resolved: Required<RenderOptions> = {
    outDir: options.outDir,
    importExtension: options.importExtension ?? DEFAULT_IMPORT_EXTENSION,
    runtimeImport: options.runtimeImport ?? DEFAULT_RUNTIME_IMPORT,
  };
  const { plans, diagnostics } = planModules(model);
  if (diagnostics.some((d) => d.severity === 'error')) return { files: new Map(), diagnostics };
  const sorted = [...plans].sort((a, b) => byCodeUnit(a.module, b.module));
  const files = new Map<string, string>();
  files.set(
    'index.ts',
    indexModule({
      modules: sorted.map((p) => ({
        namespace: p.module,
        specifier: quote(importSpecifier(`./${p.module}.ts`, resolved.importExtension)),
      })),
    }),
  );
  for (const plan of sorted) files.set(`${plan.module}.ts`, renderTable(plan, resolved));
  return { files: new Map([...files].sort(([a], [b]) => byCodeUnit(a, b))), diagnostics };
}
