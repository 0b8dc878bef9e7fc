// Verifies one table: SCAN its key space once, judge the cached rows and pointers in batches, then judge once more
// whatever diverged. A live application legitimately moves between our reads (a write commits in Postgres a moment
// before its row reaches Redis; a fill lands between our SCAN and our MGET): only what still diverges on a second
// look, a moment later, is counted, so verify on a busy but correct cache is clean.
import { setTimeout as sleep } from 'node:timers/promises';
import { type StorageCore, type TableRuntime } from '@hotstorage/runtime/internal';
import { globEscape, scanKeys, type RedisClient } from '../scan.js';
import { isListKey, judgeLists } from './lists.js';
import { judgePointers, type Orphan } from './pointers.js';
import { diverges, judgeRows, type RowJudge, type RowVerdict, type StaleReason } from './rows.js';
import { keySample } from './sample.js';
import { tableKeys } from '../table-keys.js';

const BATCH = 500;
/** Long enough for a write's post-commit cache update or a fill in flight to land (both are one round trip). */
const RECHECK_DELAY_MS = 200;

export interface TableReport {
  readonly schema: string;
  readonly name: string;
  readonly checked: number;
  readonly equal: number;
  readonly stale: number;
  readonly orphanedPointers: number;
  readonly missingIndex: number;
  /** Invalid or oversized markers and rows of an older epoch: read from Postgres, never served. */
  readonly notServed: number;
  /** Cached absences whose identity could not be rebuilt from the key. */
  readonly uncheckable: number;
  readonly pointersChecked: number;
  /** Cached lists compared with Postgres, and those whose members differ. */
  readonly listsChecked: number;
  readonly staleLists: number;
  /** Why the stale rows are stale. */
  readonly staleReasons: Partial<Record<StaleReason, number>>;
}

export interface TableFindings {
  readonly report: TableReport;
  /** Rows to invalidate (stale, or with missing pointers), with the cached row when it decoded. */
  readonly divergentRows: readonly { readonly tag: string; readonly row: Record<string, unknown> | null }[];
  readonly orphans: readonly Orphan[];
  /** List keys whose members differ from Postgres (repair deletes them, lease overridden first). */
  readonly staleLists: readonly string[];
}

/** The row and pointer keys verify will look at, per table. */
export interface TableKeySet {
  readonly rows: readonly string[];
  readonly pointers: readonly string[];
  readonly lists: readonly string[];
}

/**
 * One SCAN pass for all the tables: SCAN walks the whole key space of each master whatever the pattern, so one
 * pass under the tables' common start costs what one table's pass costs, however many tables are checked.
 */
export async function scanTables(redis: RedisClient, rts: readonly TableRuntime[], sample: number | undefined): Promise<Map<TableRuntime, TableKeySet>> {
  const tables = rts.map((rt) => ({ rt, start: `${rt.keyspace.base}:`, keys: tableKeys(rt), rows: keySample(sample), pointers: keySample(sample), lists: keySample(sample) }));
  if (tables.length === 0) return new Map();
  const common = tables.map((t) => t.start).reduce((a, b) => {
    let n = 0;
    while (n < a.length && a[n] === b[n]) n++;
    return a.slice(0, n);
  });
  for await (const batch of scanKeys(redis, `${globEscape(common)}*`)) {
    for (const key of batch) {
      const table = tables.find((t) => key.startsWith(t.start));
      if (table === undefined) continue;
      if (table.keys.rowTag(key) !== undefined) table.rows.add(key);
      else if (table.keys.isPointer(key)) table.pointers.add(key);
      else if (isListKey(table.rt, key)) table.lists.add(key);
    }
  }
  return new Map(tables.map((t) => [t.rt, { rows: t.rows.keys(), pointers: t.pointers.keys(), lists: t.lists.keys() }]));
}

export async function checkTable(input: { core: StorageCore; redis: RedisClient; rt: TableRuntime; sample: number | undefined; keys?: TableKeySet }): Promise<TableFindings> {
  const { core, redis, rt } = input;
  const judge: RowJudge = { core, rt, keys: tableKeys(rt) };
  const found = input.keys ?? (await scanTables(redis, [rt], input.sample)).get(rt) ?? { rows: [], pointers: [], lists: [] };
  const verdicts = new Map<string, RowVerdict>();
  for (const batch of chunks(found.rows)) for (const [key, verdict] of await judgeRows(judge, batch)) verdicts.set(key, verdict);
  let pointersChecked = 0;
  let orphans: Orphan[] = [];
  for (const batch of chunks(found.pointers)) {
    const judged = await judgePointers(judge, batch);
    pointersChecked += judged.checked;
    orphans.push(...judged.orphans);
  }

  const lists = [];
  for (const batch of chunks(found.lists)) lists.push(...(await judgeLists(core, rt, batch)));
  const doubtfulLists = lists.filter((v) => v.stale).map((v) => v.key);

  const doubtful = [...verdicts].filter(([, v]) => diverges(v)).map(([key]) => key);
  if (doubtful.length > 0 || orphans.length > 0 || doubtfulLists.length > 0) await sleep(RECHECK_DELAY_MS);
  const staleLists = (await judgeLists(core, rt, doubtfulLists)).filter((v) => v.stale).map((v) => v.key);
  for (const batch of chunks(doubtful)) for (const [key, verdict] of await judgeRows(judge, batch, { settle: true })) verdicts.set(key, verdict);
  const confirmed: Orphan[] = [];
  for (const batch of chunks(orphans.map((o) => o.key))) {
    const again = await judgePointers(judge, batch);
    // Still an orphan holding the same value: the pointer did not move under us.
    for (const orphan of again.orphans) if (orphans.some((o) => o.key === orphan.key && o.value === orphan.value)) confirmed.push(orphan);
  }
  orphans = confirmed;

  const count = (kind: RowVerdict['kind']) => [...verdicts.values()].filter((v) => v.kind === kind).length;
  const divergentRows = [...verdicts.values()].flatMap((v) => (diverges(v) && (v.kind === 'stale' || v.kind === 'equal') ? [{ tag: v.tag, row: v.row }] : []));
  const report: TableReport = {
    schema: rt.info.schema,
    name: rt.info.name,
    checked: verdicts.size - count('gone'),
    equal: count('equal'),
    stale: count('stale'),
    orphanedPointers: orphans.length,
    missingIndex: [...verdicts.values()].reduce((n, v) => n + (v.kind === 'equal' ? v.missingPointers.length : 0), 0),
    notServed: count('notServed'),
    uncheckable: count('uncheckable'),
    pointersChecked,
    listsChecked: lists.length,
    staleLists: staleLists.length,
    staleReasons: countReasons(verdicts.values()),
  };
  return { report, divergentRows, orphans, staleLists };
}

function countReasons(verdicts: Iterable<RowVerdict>): Partial<Record<StaleReason, number>> {
  const counts: Partial<Record<StaleReason, number>> = {};
  for (const v of verdicts) if (v.kind === 'stale') counts[v.reason] = (counts[v.reason] ?? 0) + 1;
  return counts;
}

function chunks<T>(items: readonly T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
