// Errors of the storage protocol (the codec errors live in errors.ts). Each carries a `code`, the table and key
// involved where there is one, and a message naming what to do or the option that changes the behaviour.

/** A service hotstorage needs did not answer. One sentence: which service, which address, what to do. */
export class ServiceUnavailableError extends Error {
  readonly code = 'HOTSTORAGE_SERVICE_UNAVAILABLE';
  constructor(readonly service: 'Redis' | 'Postgres', readonly address: string, detail: string) {
    super(`${service} is not reachable at ${address} (${detail}): start it, or pass a client for the right address.`);
    this.name = 'ServiceUnavailableError';
  }
}

/** A Redis round trip failed or timed out; the protocol falls back to Postgres and counts it (never thrown to users). */
export class RedisUnavailableError extends Error {
  readonly code = 'HOTSTORAGE_REDIS_UNAVAILABLE';
  constructor(readonly address: string, detail: string) {
    super(`Redis at ${address} failed: ${detail}`);
    this.name = 'RedisUnavailableError';
  }
}

/** The keys a generated module was built with are not the table's real keys any more. */
export class SpecMismatchError extends Error {
  readonly code = 'HOTSTORAGE_SPEC_MISMATCH';
  constructor(readonly table: string, detail: string) {
    super(`hotstorage: table ${table}: ${detail}; the schema changed since the accessors were generated: run \`hotstorage generate\`.`);
    this.name = 'SpecMismatchError';
  }
}

/** An accessor was called with a key that is not one of the table's keys, or with a value missing. */
export class KeyUsageError extends Error {
  readonly code = 'HOTSTORAGE_KEY_USAGE';
  constructor(readonly table: string, readonly key: readonly string[], detail: string) {
    super(`hotstorage: table ${table}, key (${key.join(', ')}): ${detail}`);
    this.name = 'KeyUsageError';
  }
}

/** An option of createHotStorage is invalid. */
export class OptionError extends Error {
  readonly code = 'HOTSTORAGE_OPTION';
  constructor(readonly option: string, detail: string) {
    super(`hotstorage: option \`${option}\`: ${detail}`);
    this.name = 'OptionError';
  }
}
