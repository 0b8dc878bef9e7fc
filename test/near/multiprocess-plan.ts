// What the processes of test/near/multiprocess.test.ts share: the rows, which process writes each (one owner per row,
// so a row's commits are in the order of its `version`), the rows' contents at each version, and the logs and messages
// the children send to the parent. Times are wall clock in ms with sub-millisecond precision
// (performance.timeOrigin + performance.now(), comparable across processes on one machine).

/** Processes with the near-cache on, and concurrent loops in each. */
export const PROCESSES = 3;
export const LANES = 2;
/** A small hot set, so that near hits, invalidations and reads racing writes are frequent. */
export const USER_IDS = Array.from({ length: 20 }, (_, i) => i + 1);
export const MESSAGE_IDS = Array.from({ length: 12 }, (_, i) => i + 1);
/** Messages move between these chats: the lists `listByChatId` serves change under the writes. */
export const CHATS = [1, 2, 3];
/** The chat a message is seeded in (version 0). */
export const seedChatOf = (id: number): number => CHATS[id % CHATS.length] ?? 1;
/** A user of each child's own, outside USER_IDS, that the parent writes to see the child's invalidations drained. */
export const sentinelOf = (child: number): number => 1000 + child;

export type Table = 'users' | 'messages';

/** The process (0..PROCESSES-1) and its loop that write a row; every other loop only reads it. */
export function ownerOf(id: number): { process: number; lane: number } {
  return { process: id % PROCESSES, lane: Math.floor(id / PROCESSES) % LANES };
}

export const now = (): number => performance.timeOrigin + performance.now();

/** A user's row at `version` (its unique keys never change, so a re-save after a remove takes them back). */
export function userAt(id: number, version: number) {
  return { id, email: `u${id}@x`, tenantId: 1, slug: `s${id}`, name: `n${version}`, version };
}

/** A message's row at `version`: its version is in its body. */
export function messageAt(id: number, version: number, chatId: number) {
  return { id, chatId, authorId: null, body: `v${version}` };
}

/** The version a message's body names (NaN: not a body this test wrote). */
export const messageVersion = (body: string): number => (/^v\d+$/.test(body) ? Number(body.slice(1)) : NaN);

/** A committed write of a row: its version, what it left (null: removed), when it began and when it returned. */
export interface WriteRecord {
  readonly table: Table;
  readonly id: number;
  readonly version: number;
  /** A message's chat; 0 for users. null: the row was removed. */
  readonly chatId: number | null;
  readonly startedAt: number;
  readonly returnedAt: number;
}

/** What one read showed of one row. */
export type Seen =
  | { readonly kind: 'row'; readonly version: number; readonly chatId: number; readonly intact: boolean }
  | { readonly kind: 'absent' }
  /** A list of `chatId` that did not have the row among its members. */
  | { readonly kind: 'notInList'; readonly chatId: number };

export interface Observation {
  readonly table: Table;
  readonly id: number;
  readonly seen: Seen;
}

export interface ReadRecord {
  readonly process: number;
  readonly op: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** Lookups of this read served from this process's memory, and not (they went to Redis). */
  readonly nearHits: number;
  readonly nearMisses: number;
  readonly observations: readonly Observation[];
}

export interface ChildStats {
  readonly nearHits: number;
  readonly nearMisses: number;
  readonly nearInvalidations: number;
  readonly nearFlushes: number;
  readonly writes: number;
}

/** Parent → child. */
export type ToChild = { readonly type: 'go'; readonly until: number } | { readonly type: 'track' } | { readonly type: 'check' } | { readonly type: 'stop' };

/** Child → parent. */
export type FromChild =
  | { readonly type: 'ready' }
  | { readonly type: 'log'; readonly writes: readonly WriteRecord[]; readonly reads: readonly ReadRecord[]; readonly stats: ChildStats }
  | { readonly type: 'tracked' }
  | { readonly type: 'served'; readonly drained: boolean; readonly rows: readonly ServedRow[]; readonly nearHits: number };

/** One answer of a child at quiescence, as it served it (JSON), to compare with Postgres. */
export interface ServedRow {
  readonly what: string;
  readonly value: unknown;
}
