import type { PgTable } from 'drizzle-orm/pg-core';
import type { HotTable, TableSpec } from './index.js';

// Placeholder until the runtime issue lands: the generator's goldens compile against the signature.
export function defineTable<T extends PgTable>(table: T, spec: TableSpec): HotTable<T> {
  void table;
  void spec;
  throw new Error('hotstorage runtime: not implemented yet');
}
