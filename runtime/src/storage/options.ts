// Options of createHotStorage (types.ts declares them), their defaults and their checks; the test seams join them here.
import type { PgTable } from 'drizzle-orm/pg-core';
import type { RowCodec } from '../codecs/row-codec.js';
import { OptionError } from '../errors.js';
import { checkPrefix } from '../table/keys.js';
import type { HotStorageOptions } from '../types.js';
import type { ProtocolHooks, TestSeams } from './seams.js';
import { resolveNearOptions, type ResolvedNearOptions } from '../near/near-options.js';

export interface ResolvedOptions {
  readonly prefix: string;
  readonly rowTtlMs: number;
  readonly tombstoneTtlMs: number;
  readonly invalidTtlMs: number;
  readonly leaseTtlMs: number;
  readonly commandTimeoutMs: number;
  readonly leaseWaitTries: number;
  readonly wait: (attempt: number) => Promise<void>;
  readonly repairQueueLimit: number;
  readonly repairIntervalMs: number;
  readonly maxRowBytes: number;
  readonly maxListLength: number;
  readonly listLimit: number;
  readonly maxListLimit: number;
  readonly hooks: ProtocolHooks;
  /** False only under the test seam `unsafeDisableLeaseGuard`. */
  readonly guard: boolean;
  /** False only under the test seam `unsafeSkipLeaseOverride`. */
  readonly overrideLease: boolean;
  readonly rowCodecFor: ((table: PgTable) => RowCodec) | undefined;
  /** undefined: detect at startup. */
  readonly changeFeed: boolean | undefined;
  readonly outboxSchema: string;
  readonly appliedTtlMs: number;
  readonly epochRefreshMs: number;
  /** 0: off. */
  readonly statsFlushMs: number;
  /** undefined: no near-cache (near/). */
  readonly nearCache: ResolvedNearOptions | undefined;
}

function positive(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new OptionError(option, `expected a positive number, got ${value}`);
  return value;
}

export function defaultWait(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(100, 5 * 2 ** (attempt - 1))));
}

export function resolveOptions(options: HotStorageOptions<Record<string, unknown>>, seams: TestSeams = {}): ResolvedOptions {
  const prefix = options.prefix ?? 'hs:';
  checkPrefix(prefix);
  const tombstoneTtlMs = Math.round(positive('tombstoneTtlMs', options.tombstoneTtlMs, 10_000));
  const leaseTtlMs = Math.round(positive('leaseTtlMs', options.leaseTtlMs, 5_000));
  return {
    prefix,
    rowTtlMs: Math.round(positive('rowTtlSeconds', options.rowTtlSeconds, 3600) * 1000),
    tombstoneTtlMs,
    // A reader holding a lease may fill until its lease expires: the marker must outlive any such lease.
    invalidTtlMs: Math.max(tombstoneTtlMs, leaseTtlMs * 2),
    leaseTtlMs,
    commandTimeoutMs: positive('commandTimeoutMs', options.commandTimeoutMs, 250),
    leaseWaitTries: Math.floor(positive('leaseWaitTries', options.leaseWaitTries, 8)),
    wait: options.wait ?? defaultWait,
    repairQueueLimit: Math.floor(positive('repairQueueLimit', options.repairQueueLimit, 10_000)),
    // Short: it bounds how long other processes may serve a row this one committed while it could not reach Redis.
    repairIntervalMs: positive('repairIntervalMs', options.repairIntervalMs, 100),
    maxRowBytes: Math.floor(positive('maxRowBytes', options.maxRowBytes, 1024 * 1024)),
    maxListLength: Math.floor(positive('maxListLength', options.maxListLength, 1000)),
    listLimit: Math.floor(positive('listLimit', options.listLimit, 100)),
    maxListLimit: Math.floor(positive('maxListLimit', options.maxListLimit, 1000)),
    hooks: seams.hooks ?? {},
    guard: seams.unsafeDisableLeaseGuard !== true,
    overrideLease: seams.unsafeSkipLeaseOverride !== true,
    rowCodecFor: seams.rowCodecFor,
    changeFeed: options.changeFeed,
    outboxSchema: options.outboxSchema ?? 'hotstorage',
    appliedTtlMs: Math.round(positive('appliedTtlMs', options.appliedTtlMs, 60_000)),
    epochRefreshMs: positive('epochRefreshMs', options.epochRefreshMs, 1000),
    statsFlushMs: options.statsFlushMs === 0 ? 0 : positive('statsFlushMs', options.statsFlushMs, 5000),
    nearCache: resolveNearOptions(options.nearCache, seams.unsafeNear),
  };
}
