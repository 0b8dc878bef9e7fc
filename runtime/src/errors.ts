// Named runtime errors: one class per failure, each with a stable `code`, the table and column involved, and a
// message that says what to do. Keep this a flat list of classes (other parts of the runtime add theirs here).

/** A value that is not what its column holds: found in Redis (a miss, repaired) or handed to `encode`. */
export class CorruptValueError extends Error {
  readonly code = 'HS_CORRUPT_VALUE';
  constructor(
    readonly table: string,
    readonly column: string,
    message: string,
  ) {
    super(`${table}.${column}: ${message}`);
    this.name = 'CorruptValueError';
  }
}

/** A value that cannot be part of a Redis key for this column; thrown before any I/O. */
export class KeyValueError extends Error {
  readonly code = 'HS_KEY_VALUE';
  constructor(
    readonly table: string,
    readonly column: string,
    message: string,
  ) {
    super(`${table}.${column}: ${message}`);
    this.name = 'KeyValueError';
  }
}

/** A column whose values hotstorage cannot carry exactly; thrown when the table's codec is built (startup). */
export class UnsupportedColumnError extends Error {
  readonly code = 'HS_UNSUPPORTED_COLUMN';
  constructor(
    readonly table: string,
    readonly column: string,
    message: string,
  ) {
    super(`${table}.${column}: ${message}`);
    this.name = 'UnsupportedColumnError';
  }
}

// Errors of the storage protocol (read/write paths, createHotStorage, defineTable).
/**
 * A service hotstorage needs did not answer, or answered by refusing the connection (`refused`: a database that does
 * not exist, a role or password it rejects; `detail` is then its own words). One sentence: which service, which
 * address, what to do.
 */
export class ServiceUnavailableError extends Error {
  readonly code = 'HS_SERVICE_UNAVAILABLE';
  constructor(readonly service: 'Redis' | 'Postgres', readonly address: string, detail: string, cause?: unknown, readonly refused = false) {
    super(
      refused
        ? `${service} at ${address} refused the connection: ${detail}; check the database, user and password of the client you pass.`
        : `${service} is not reachable at ${address} (${detail}): start it, or pass a client for the right address.`,
      cause === undefined ? undefined : { cause },
    );
    this.name = 'ServiceUnavailableError';
  }
}

/** A Redis round trip failed or timed out; the protocol falls back to Postgres and counts it (never thrown to users). */
export class RedisUnavailableError extends Error {
  readonly code = 'HS_REDIS_UNAVAILABLE';
  constructor(readonly address: string, detail: string) {
    super(`Redis at ${address} failed: ${detail}`);
    this.name = 'RedisUnavailableError';
  }
}

/** The keys a generated module was built with are not the table's real keys any more. */
export class SpecMismatchError extends Error {
  readonly code = 'HS_SPEC_MISMATCH';
  constructor(readonly table: string, detail: string) {
    super(`hotstorage: table ${table}: ${detail}; the schema changed since the accessors were generated: run \`hotstorage generate\`.`);
    this.name = 'SpecMismatchError';
  }
}

/**
 * A cached table's change-feed triggers would break the application's writes (they read a column the table lacks, or
 * write to an outbox that does not exist): refused at startup, before any write can fail.
 */
export class FeedMismatchError extends Error {
  readonly code = 'HS_FEED_MISMATCH';
  constructor(readonly table: string, detail: string) {
    super(`hotstorage: table ${table}: ${detail}; install the change feed again from the current schema (\`hotstorage triggers\`) or remove it (\`hotstorage triggers --drop\`).`);
    this.name = 'FeedMismatchError';
  }
}

/** An accessor was called with a key that is not one of the table's keys, or with a value missing. */
export class KeyUsageError extends Error {
  readonly code = 'HS_KEY_USAGE';
  constructor(readonly table: string, readonly key: readonly string[], detail: string) {
    super(`hotstorage: table ${table}, key (${key.join(', ')}): ${detail}`);
    this.name = 'KeyUsageError';
  }
}

/** An option of createHotStorage is invalid. */
export class OptionError extends Error {
  readonly code = 'HS_OPTION';
  constructor(readonly option: string, detail: string) {
    super(`hotstorage: option \`${option}\`: ${detail}`);
    this.name = 'OptionError';
  }
}
