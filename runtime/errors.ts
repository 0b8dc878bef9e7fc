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
