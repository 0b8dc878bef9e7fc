// Values stored in a row key that are not rows. A row codec's output never equals them (they are not JSON), and
// they are compared before decoding.

/** A cached absence: the row does not exist in Postgres. Reads return null. Short-lived (option `tombstoneTtlMs`). */
export const ABSENT = '~hotstorage:absent';

/**
 * Left by a writer that lost its lease (expired during a slow commit, or two writers in flight): the cache cannot
 * tell which version is the last, so reads go to Postgres and no fill may overwrite it until it expires.
 */
export const INVALID = '~hotstorage:invalid';

/**
 * Stands in for a row whose encoded form is over `maxRowBytes`: such a row is never cached (nor truncated); reads that
 * find the marker read Postgres without filling. Written and replaced like a row, under the same leases.
 */
export const OVERSIZED = '~hotstorage:oversized';
