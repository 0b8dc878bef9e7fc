// The public face of the runtime: what applications and generated modules import. It only re-exports. Production code
// loads this package alone: it never imports the generator, ts-morph or anything of the CLI.
export type {
  Context,
  Database,
  HotStorage,
  HotStorageContext,
  HotStorageEvent,
  HotStorageEventType,
  HotStorageOptions,
  HotStorageStats,
  HotStorageTransaction,
  HotTable,
  HotTables,
  ListenClient,
  ListOptions,
  NearCacheOptions,
  Listener,
  ListenOptions,
  NewRow,
  NodePostgresClient,
  PostgresJsClient,
  Row,
  TableFeedStatus,
  TableSpec,
} from './types.js';
export { defineTable } from './accessors/define-table.js';
export { createHotStorage } from './create-storage.js';
export { FeedMismatchError, KeyUsageError, KeyValueError, OptionError, ServiceUnavailableError, SpecMismatchError } from './errors.js';
