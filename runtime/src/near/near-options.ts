// The option `nearCache` (types.ts declares it): its checks and defaults.
import { OptionError } from '../errors.js';
import type { NearCacheOptions } from '../types.js';

export interface ResolvedNearOptions {
  readonly maxRows: number;
  /** The bound on the entries' estimated bytes (near/entry-weight.ts); undefined: only `maxRows` bounds them. */
  readonly maxBytes: number | undefined;
  /** undefined: no backstop (only invalidations drop rows). */
  readonly ttlMs: number | undefined;
  /** Table names (`schema.table` or `table`) that use it; undefined: every table. */
  readonly tables: ReadonlySet<string> | undefined;
  readonly heartbeatMs: number;
  /** Test seams (storage/seams.ts): each switches one guard off, to prove its test can fail. */
  readonly unsafeIgnoreRace: boolean;
  readonly unsafeKeepOnLoss: boolean;
  readonly unsafeKeepOnWrite: boolean;
  readonly unsafeIgnoreInvalidations: boolean;
}

const DEFAULT_TTL_MS = 60_000;
const DEFAULT_HEARTBEAT_MS = 1000;

/** Test-only switches that turn one of the near-cache's guards off, to see its test fail (storage/seams.ts). */
export interface NearSeams {
  /** Store a GET's reply even when its key was invalidated while it was in flight. */
  readonly unsafeIgnoreRace?: boolean;
  /** Keep the rows when tracking is lost or Redis says everything changed. */
  readonly unsafeKeepOnLoss?: boolean;
  /** Keep the local copy of a row this process wrote. */
  readonly unsafeKeepOnWrite?: boolean;
  /**
   * Keep the rows Redis says changed: only `ttlMs`, eviction or a write of this process drops them (the heartbeat still
   * sees its own key come back, so it does not empty the near-cache).
   */
  readonly unsafeIgnoreInvalidations?: boolean;
}

export function resolveNearOptions(input: NearCacheOptions | undefined, seams: NearSeams = {}): ResolvedNearOptions | undefined {
  if (input === undefined) return undefined;
  if (typeof input !== 'object' || input === null) throw new OptionError('nearCache', 'expected an object such as `{ maxRows: 10000 }`');
  const { maxRows, maxBytes, ttlMs, tables, heartbeatMs } = input;
  if (typeof maxRows !== 'number' || !Number.isSafeInteger(maxRows) || maxRows <= 0) {
    throw new OptionError('nearCache.maxRows', `expected a positive integer (rows kept in this process), got ${String(maxRows)}`);
  }
  if (maxBytes !== undefined && (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes <= 0)) {
    throw new OptionError('nearCache.maxBytes', `expected a positive integer (estimated bytes of the rows kept in this process), got ${String(maxBytes)}`);
  }
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new OptionError(`nearCache.${name}`, `expected a positive number of milliseconds, got ${String(value)}`);
    return value;
  };
  if (tables !== undefined && (!Array.isArray(tables) || tables.some((t) => typeof t !== 'string' || t === ''))) {
    throw new OptionError('nearCache.tables', 'expected a list of table names (`users` or `public.users`)');
  }
  return {
    maxRows,
    maxBytes,
    ttlMs: ttlMs === null ? undefined : positive('ttlMs', ttlMs, DEFAULT_TTL_MS),
    tables: tables === undefined ? undefined : new Set(tables),
    heartbeatMs: positive('heartbeatMs', heartbeatMs, DEFAULT_HEARTBEAT_MS),
    unsafeIgnoreRace: seams.unsafeIgnoreRace === true,
    unsafeKeepOnLoss: seams.unsafeKeepOnLoss === true,
    unsafeKeepOnWrite: seams.unsafeKeepOnWrite === true,
    unsafeIgnoreInvalidations: seams.unsafeIgnoreInvalidations === true,
  };
}
