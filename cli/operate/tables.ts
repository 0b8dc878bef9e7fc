// The user's tables as the operating commands need them: the generator's model (keys, names) and the live Drizzle
// table objects, loaded from the user's schema modules as drizzle-kit loads them. TABLE arguments name a table by
// its export name or its SQL name (`schema.name` where two schemas share a name).
import { resolve } from 'node:path';
import type { PgTable } from 'drizzle-orm/pg-core';
import { createModuleImporter, findTsconfig } from '../../generator/load/import-module.js';
import { MODEL_VERSION, type Table } from '../../generator/model.js';
import { cachedTables } from '../../generator/triggers.js';
import { type TableSpec } from '@hotstorage/runtime';

export interface LoadedTable {
  readonly model: Table;
  readonly table: PgTable;
  readonly spec: TableSpec;
  /** `schema.name` */
  readonly display: string;
}

/** A TABLE argument that names no cached table, or names two; the message is one sentence with the candidates. */
export class TableSelectionError extends Error {}

/** Pure: the tables named by `names` (every cached table when empty), in model order, each once. */
export function selectTables<T extends { readonly model: Table }>(tables: readonly T[], names: readonly string[]): T[] {
  if (names.length === 0) return [...tables];
  const chosen = new Set<T>();
  for (const name of names) {
    const byExport = tables.filter((t) => t.model.exportName === name);
    const bySql = tables.filter((t) => `${t.model.schema}.${t.model.name}` === name || t.model.name === name);
    const found = byExport.length > 0 ? byExport : bySql;
    const known = tables.map((t) => `${t.model.exportName} (${t.model.schema}.${t.model.name})`).join(', ');
    if (found.length === 0) throw new TableSelectionError(`No cached table is named "${name}"; the cached tables are: ${known || 'none'}.`);
    if (found.length > 1) {
      throw new TableSelectionError(`"${name}" names ${found.length} tables (${found.map((t) => `${t.model.schema}.${t.model.name}`).join(', ')}); qualify it with its schema.`);
    }
    chosen.add(found[0] as T);
  }
  return tables.filter((t) => chosen.has(t));
}

/** Imports the schema modules of the cached tables and returns each table object with its spec. */
export async function loadTables(root: string, tables: readonly Table[]): Promise<LoadedTable[]> {
  const importer = createModuleImporter({ tsconfig: findTsconfig(root) ?? false });
  try {
    const loaded: LoadedTable[] = [];
    const exportsOf = new Map<string, Record<string, unknown>>();
    for (const model of cachedTables({ version: MODEL_VERSION, tables })) {
      const file = resolve(root, model.file);
      let exports = exportsOf.get(file);
      if (exports === undefined) {
        exports = (await importer.importFile(file)).exports;
        exportsOf.set(file, exports);
      }
      const table = exports[model.exportName];
      if (typeof table !== 'object' || table === null) throw new Error(`${model.file} does not export table ${model.exportName} when loaded`);
      loaded.push({
        model,
        table: table as PgTable,
        spec: { primaryKey: model.primaryKey, uniqueKeys: model.uniqueKeys, identity: model.identity, lists: model.lists.map((list) => list.columns) },
        display: `${model.schema}.${model.name}`,
      });
    }
    return loaded;
  } finally {
    await importer.close();
  }
}
