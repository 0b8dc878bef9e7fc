// Judges cached rows against Postgres, one batch at a time: one MGET of the row keys, one `WHERE identity IN (...)`,
// one MGET of the expected pointers of the rows that agree.
import { setTimeout as sleep } from 'node:timers/promises';
import { type StorageCore, type TableRuntime, type Values, readStoredRow } from '@hotstorage/runtime/internal';
import type { TableKeys } from '../table-keys.js';

type Row = Record<string, unknown>;

export type StaleReason = 'differs' | 'deleted' | 'absence of an existing row' | 'undecodable';

export type RowVerdict =
  | { readonly kind: 'equal'; readonly tag: string; readonly row: Row | null; readonly missingPointers: readonly string[] }
  | { readonly kind: 'stale'; readonly tag: string; readonly row: Row | null; readonly reason: StaleReason }
  /** An invalid or oversized marker, or a row of an older epoch: never served, so never wrong. */
  | { readonly kind: 'notServed' }
  /** A cached absence whose identity cannot be rebuilt from its key (no way to ask Postgres). */
  | { readonly kind: 'uncheckable' }
  /** No longer in Redis (expired or invalidated since the SCAN). */
  | { readonly kind: 'gone' };

export interface RowJudge {
  readonly core: StorageCore;
  readonly rt: TableRuntime;
  readonly keys: TableKeys;
}

/**
 * Judges a batch: one MGET, one SELECT. With `settle`, what diverges is read again, Redis and Postgres in turn, each
 * new read judged against the other side's latest one, for a few rounds: a write committed between our MGET and
 * our SELECT reaches Redis a moment later, and a row rewritten many times a second still shows, within a few reads,
 * a cached value equal to a Postgres value next to it in time. A row that never agrees is counted.
 */
export async function judgeRows(judge: RowJudge, rowKeys: readonly string[], options: { settle: boolean } = { settle: false }): Promise<Map<string, RowVerdict>> {
  const postgres = new Map<string, Row | null>();
  const values = new Map<string, string | null>();
  const readRedis = async (keys: readonly string[]) => {
    const read = await judge.core.io.values(keys);
    keys.forEach((key, i) => values.set(key, read[i] ?? null));
  };
  const judgeLatest = (keys: readonly string[]) => judgeValues(judge, keys, keys.map((key) => values.get(key) ?? null), postgres);
  await readRedis(rowKeys);
  const verdicts = await judgeLatest(rowKeys);
  if (!options.settle) return verdicts;
  const doubtful = () => [...verdicts].filter(([, v]) => diverges(v)).map(([key]) => key);
  for (let round = 0; round < SETTLE_ROUNDS && doubtful().length > 0; round++) {
    await sleep(SETTLE_PAUSE_MS);
    const redisSide = doubtful();
    await readRedis(redisSide);
    for (const [key, verdict] of await judgeLatest(redisSide)) if (!diverges(verdict)) verdicts.set(key, verdict);
    const postgresSide = doubtful();
    for (const key of postgresSide) postgres.delete(key);
    for (const [key, verdict] of await judgeLatest(postgresSide)) verdicts.set(key, verdict);
  }
  return verdicts;
}

const SETTLE_ROUNDS = 3;
const SETTLE_PAUSE_MS = 20;

export function diverges(verdict: RowVerdict): boolean {
  return verdict.kind === 'stale' || (verdict.kind === 'equal' && verdict.missingPointers.length > 0);
}

/** `postgres` holds the rows already read (null: no such row); what it lacks is read and added. */
async function judgeValues(judge: RowJudge, rowKeys: readonly string[], values: readonly (string | null)[], postgres: Map<string, Row | null>): Promise<Map<string, RowVerdict>> {
  const { core, rt, keys } = judge;
  const verdicts = new Map<string, RowVerdict>();
  // Cached rows and absences, each with the identity to look up in Postgres.
  const lookups: { rowKey: string; tag: string; identity: Values; cached: Row | null }[] = [];
  rowKeys.forEach((rowKey, i) => {
    const value = values[i] ?? null;
    const tag = keys.rowTag(rowKey) ?? '';
    if (value === null) return void verdicts.set(rowKey, { kind: 'gone' });
    const stored = readStoredRow(rt, value);
    if (stored.kind === 'invalid' || stored.kind === 'oversized' || stored.kind === 'outdated') return void verdicts.set(rowKey, { kind: 'notServed' });
    if (stored.kind === 'corrupt') return void verdicts.set(rowKey, { kind: 'stale', tag, row: null, reason: 'undecodable' });
    if (stored.kind === 'row') {
      // A row under another row's key would be served for the wrong identity.
      if (rt.rowKeys(stored.row).row !== rowKey) return void verdicts.set(rowKey, { kind: 'stale', tag, row: stored.row, reason: 'differs' });
      return void lookups.push({ rowKey, tag, identity: stored.row, cached: stored.row });
    }
    const identity = keys.identityOf(tag);
    if (identity === undefined) return void verdicts.set(rowKey, { kind: 'uncheckable' });
    lookups.push({ rowKey, tag, identity, cached: null });
  });
  const unread = lookups.filter((l) => !postgres.has(l.rowKey));
  const found = await selectByIdentity(core, rt, unread.map((l) => l.identity));
  for (const { rowKey } of unread) postgres.set(rowKey, found.get(rowKey) ?? null);
  const agreeing: { rowKey: string; tag: string; row: Row }[] = [];
  for (const { rowKey, tag, cached } of lookups) {
    const actual = postgres.get(rowKey) ?? null;
    if (cached === null) {
      verdicts.set(rowKey, actual === null ? { kind: 'equal', tag, row: null, missingPointers: [] } : { kind: 'stale', tag, row: null, reason: 'absence of an existing row' });
    } else if (actual === null) {
      verdicts.set(rowKey, { kind: 'stale', tag, row: cached, reason: 'deleted' });
    } else if (rt.codec.encode(actual) !== rt.codec.encode(cached)) {
      verdicts.set(rowKey, { kind: 'stale', tag, row: cached, reason: 'differs' });
    } else {
      agreeing.push({ rowKey, tag, row: cached });
    }
  }
  for (const [rowKey, verdict] of await judgePointersOfRows(judge, agreeing)) verdicts.set(rowKey, verdict);
  return verdicts;
}

/** Postgres rows by identity, keyed by their row key. */
async function selectByIdentity(core: StorageCore, rt: TableRuntime, identities: readonly Values[]): Promise<Map<string, Row>> {
  const found = new Map<string, Row>();
  if (identities.length === 0) return found;
  const rows: Row[] = await core.query(() => core.db.select().from(rt.table).where(rt.whereAny(rt.info.identity, identities)));
  for (const row of rows) found.set(rt.rowKeys(row).row, row);
  return found;
}

/** Each agreeing row's unique pointers must exist and name it. */
async function judgePointersOfRows(judge: RowJudge, rows: readonly { rowKey: string; tag: string; row: Row }[]): Promise<Map<string, RowVerdict>> {
  const expected = rows.map(({ row }) => judge.rt.pointersOf(row));
  const values = await judge.core.io.values(expected.flat());
  const verdicts = new Map<string, RowVerdict>();
  let next = 0;
  rows.forEach(({ rowKey, tag, row }, i) => {
    const pointers = expected[i] ?? [];
    const missingPointers = pointers.filter((_, j) => values[next + j] !== tag);
    next += pointers.length;
    verdicts.set(rowKey, { kind: 'equal', tag, row, missingPointers });
  });
  return verdicts;
}
