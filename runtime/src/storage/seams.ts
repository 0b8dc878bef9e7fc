// Test seams: switches and hooks that let tests place a rival client at an exact step of the protocol, or prove that a
// guard matters by turning it off. Applications never see them: the public options (types.ts) do not carry them; only
// the testing entry (`@hotstorage/runtime/testing`) takes them.
import type { PgTable } from 'drizzle-orm/pg-core';
import type { RowCodec } from '../codecs/row-codec.js';
import type { NearSeams } from '../near/near-options.js';

/** Hooks between protocol steps. Each may be async; the protocol awaits it. */
export interface ProtocolHooks {
  /** A reader holds the row's lease and is about to read Postgres. */
  afterLease?(step: { table: string; key: string }): Promise<void> | void;
  /** A reader found a row in Postgres by a unique key and is about to take that row's lease. */
  afterUniqueRead?(step: { table: string; key: string; row: Record<string, unknown> }): Promise<void> | void;
  /** A reader (lease holder) has read Postgres and is about to fill. `row` is null for an absent row. */
  afterDbRead?(step: { table: string; key: string; row: Record<string, unknown> | null }): Promise<void> | void;
  /** A writer holds its leases and is about to run its statement (standalone) or commit (transaction). */
  beforeCommit?(step: { keys: readonly string[] }): Promise<void> | void;
  /** The database commit is done; the cache is about to be updated. */
  afterCommit?(step: { keys: readonly string[] }): Promise<void> | void;
  /** The cache update after a commit is done (or failed and was queued for repair). */
  afterApply?(step: { keys: readonly string[] }): Promise<void> | void;
  /** A GET on the near-cache's tracking connection has answered; its value is about to be kept in memory (or refused). */
  beforeNearStore?(step: { table: string; key: string }): Promise<void> | void;
}

/** Switches that turn one near-cache guard off (near/near-cache.ts), to prove that its test fails without it. */
export interface TestSeams {
  /** Hooks between protocol steps. */
  readonly hooks?: ProtocolHooks;
  /** Builds a table's row codec (default: rowCodecFor from codecs/row-codec.ts). */
  readonly rowCodecFor?: (table: PgTable) => RowCodec;
  /** Fills and post-commit writes ignore leases: lets the randomized test prove it detects what the guard prevents. */
  readonly unsafeDisableLeaseGuard?: boolean;
  /** The listener's invalidation skips the lease override: proves the override matters. */
  readonly unsafeSkipLeaseOverride?: boolean;
  /** Near-cache guards switched off. */
  readonly unsafeNear?: NearSeams;
}
