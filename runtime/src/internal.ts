// The internal entry (`@hotstorage/runtime/internal`): what the hotstorage CLI's operating commands (warm, verify,
// stats, purge) reach below the public face, so they read and write the cache exactly as the application's runtime
// does. Not for applications: no compatibility promise beyond the CLI of the same version.
export { ABSENT, INVALID, OVERSIZED } from './codecs/markers.js';
export { splitEpoch } from './codecs/epoch-tag.js';
export { CODEC_VERSION, rowCodecFor, type RowCodec } from './codecs/row-codec.js';
export { RedisUnavailableError } from './errors.js';
export { entryKeys, fromPkText } from './feed/outbox.js';
export { bumpEpoch, invalidateRowKeys } from './protocol/invalidate.js';
export { getManyByIdentity } from './protocol/read-many.js';
export { decodeList } from './table/list-value.js';
export { listBy } from './protocol/read-list.js';
export { checkListBy } from './accessors/arguments.js';
export { readStoredRow, type StoredRow } from './protocol/stored-row.js';
export { isWrongType, RedisIo, redisAddress, type RedisClient } from './redis/redis-io.js';
export { contextState, type ContextState } from './storage/context.js';
export { epochKey, StorageCore, type TableDefinition } from './storage/core.js';
export { connectionErrorCode, driverError, postgresAnswer, refusesConnection, rowsOf } from './storage/driver.js';
export { columnsRead, COLUMNS_MARK } from './storage/feed-detection.js';
export { emptyStats } from './storage/events.js';
export { type CounterName, SharedStats, statsKey } from './storage/shared-stats.js';
export { escapeKeyPart, shapeHash, tableKeyspace, tableTag, unescapeKeyPart, type RowKeys, type TableKeyspace } from './table/keys.js';
export { buildTableRuntime, type TableRuntime, type Values } from './table/table-runtime.js';
