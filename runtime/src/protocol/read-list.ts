// listBy<Columns>: the rows of one list (a foreign key or non-unique index value), in identity order, a page at a time.
// Hit, single Redis: one round trip. A list this process has read before: one MGET of the list key and the rows of the
// page it had then, the rows served only if the value read is the one remembered (else its page's rows are read after
// it). A list not read before: the read-list script reads the list key and the page's rows (their keys built in Lua
// from the member tags the list value carries, as read-pointer.lua follows a pointer). Hit, Cluster: the rows live in
// other slots, so a GET of the list key, then the page's rows by identity. Either way the rows are judged here (epoch,
// corrupt values, still carrying the list's values) and the missing ones read through the batched miss path of
// read-many.ts. Miss: the list's lease (taken by the same script, or read-row.lua on a Cluster), one Postgres read of
// the whole list, the fill only while the lease stands (fill-row.lua): the same protocol as a row (the loop is
// read-through.ts's), so a writer that overrode the lease before its commit (list-writes.ts) refuses the fill of a
// read that may predate it. A list of more than `maxListLength` members is never cached, nor truncated: each read of
// it goes to Postgres and is counted. With the near-cache, a list is first looked for in memory, then read on the
// tracking connection (nearList below); only what that finds unusable goes on to the paths above.
import { and, asc, eq, gt, isNull, sql, type SQL } from 'drizzle-orm';
import { nearLookupList, nearValue } from './near-reads.js';
import { isWrongType } from '../redis/redis-io.js';
import { fillRow, readList, readRow, releaseReaderLease } from '../redis/scripts.js';
import type { ContextState } from '../storage/context.js';
import type { StorageCore } from '../storage/core.js';
import type { ListKeys, RowKeys } from '../table/keys.js';
import type { KeyColumns } from '../table/table-info.js';
import type { TableRuntime, Values } from '../table/table-runtime.js';
import type { Database } from '../types.js';
import { decodeListCached, encodeList, rememberedList, type DecodedList } from '../table/list-value.js';
import { CORRUPT } from './fill.js';
import { getManyByIdentity } from './read-many.js';
import { readThrough, readUnderLease, type ReadThroughSteps } from './read-through.js';

type Row = Record<string, unknown>;

/** A checked list read (accessors/arguments.ts): the list, its keys, and the page asked for. */
export interface ListRead {
  readonly list: KeyColumns;
  readonly keys: ListKeys;
  readonly parts: readonly string[];
  readonly limit: number;
  /** The identity after which the page starts, and its row tag. */
  readonly after: { readonly values: Values; readonly tag: string } | undefined;
  /** `where`: other columns the rows must equal (their key texts, as a list's own values are compared). */
  readonly filter?: ListFilter | undefined;
}

export interface ListFilter {
  readonly key: KeyColumns;
  readonly parts: readonly string[];
  readonly values: Values;
}

/** Members read per step while a filter leaves a page short (the first step is the script's). */
const FILTER_STEP = 100;

/** How many members a step reads: the page, or more of the list when a filter may drop some. */
function stepSize(read: ListRead): number {
  return read.filter === undefined ? read.limit : Math.max(read.limit, FILTER_STEP);
}

/** A row still of this list (a commit whose list invalidation has not landed may have moved it) and matching `where`. */
function belongs(rt: TableRuntime, read: ListRead, row: Row): boolean {
  const { filter } = read;
  return rt.carries(row, read.list, read.parts) && (filter === undefined || rt.carries(row, filter.key, filter.parts));
}

// Not async (nor is the accessor above it): a hit continues with one `.then` on the round trip's promise, as getBy's
// (protocol/read.ts, runtime/README.md "Speed"); whatever throws here becomes the accessor's rejection.
export function listBy(state: ContextState, rt: TableRuntime, read: ListRead, values: Values): Promise<Row[]> {
  const { core, tx } = state;
  if (tx !== undefined) {
    tx.assertOpen();
    return selectPage(core, tx.db, rt, read, values);
  }
  if (core.repairs.has(read.keys.row)) return fromPostgres(core, rt, read, values);
  // The near-cache (option `nearCache`): the list held in memory, else read on the tracking connection and kept.
  if (core.near?.cache.serves(rt) === true) {
    return nearList(state, rt, read).then((near) =>
      near === undefined ? fromRedis(state, rt, read, values) : serveMembers(state, rt, read, values, near.list, undefined, near.held),
    );
  }
  return fromRedis(state, rt, read, values);
}

function fromRedis(state: ContextState, rt: TableRuntime, read: ListRead, values: Values): Promise<Row[]> {
  const { core } = state;
  const { keys } = read;
  if (core.io.cluster) return fromCluster(state, rt, read, values);
  // Single Redis, a list this process has read before: its value and the rows of the page it had, in one MGET (no
  // script: its Lua cost Redis more time than the MGET). Served only if the value read is the one remembered, so the
  // rows are its page's, read with it.
  const remembered = rememberedList(rt, keys.row);
  const readKeys = remembered === undefined ? undefined : listAndPageKeys(read, remembered);
  if (remembered === undefined || readKeys === undefined) {
    // Otherwise the list and its page's rows in one script call, hit or miss.
    return readThroughLease(state, rt, read, values, '', LIST_AND_PAGE);
  }
  return core.io.values(readKeys).then(
    (texts) => servePrefetched(state, rt, read, values, texts, remembered),
    (error: unknown) => {
      core.redisError(error, rt.info.display, keys.row);
      return fromPostgres(core, rt, read, values);
    },
  );
}

/** Cluster: the rows live in other slots than the list, so a hit is a GET of the list, then the page's rows by identity. */
async function fromCluster(state: ContextState, rt: TableRuntime, read: ListRead, values: Values): Promise<Row[]> {
  const { core } = state;
  const { keys } = read;
  let first: string | null;
  try {
    first = await core.io.value(keys.row);
  } catch (error) {
    if (!isWrongType(error)) {
      core.redisError(error, rt.info.display, keys.row);
      return fromPostgres(core, rt, read, values);
    }
    first = NOT_A_STRING;
  }
  const members = first === null ? undefined : decodeListCached(rt, keys.row, first);
  if (members !== undefined) return serveMembers(state, rt, read, values, members, undefined);
  return readThroughLease(state, rt, read, values, first ?? '', LIST_ALONE);
}

/** What a read takes as the value of a key holding another type: no list's, so the script drops it (read-row.lua). */
const NOT_A_STRING = '~hotstorage:not-a-string';

/** Where the page `read` asks for starts among the list's members: after its `after`; undefined when that is no member. */
function pageStart(read: ListRead, list: DecodedList): number | undefined {
  if (read.after === undefined) return 0;
  const tag = read.after.tag;
  const at = list.keys.findIndex((member) => member.tag === tag);
  return at < 0 ? undefined : at + 1;
}

/**
 * The list key, then the row keys of the page `read` asks for in `list`; undefined when the page is empty or its
 * `after` not a member.
 */
function listAndPageKeys(read: ListRead, list: DecodedList): string[] | undefined {
  const start = pageStart(read, list);
  if (start === undefined) return undefined;
  const end = Math.min(list.keys.length, start + stepSize(read));
  if (end <= start) return undefined;
  const keys = [read.keys.row];
  for (let at = start; at < end; at++) keys.push((list.keys[at] as RowKeys).row);
  return keys;
}

/**
 * The list value read with the rows of the page remembered (MGET answers nil for a key holding another type, which
 * the script then finds and drops): the rows are its page's when the value decodes to the very list remembered
 * (decodeListCached answers the same object for the same text, of the current epoch). A list changed since: its
 * page's rows are read again (serveMembers). None, corrupt or of an older epoch: the script.
 */
function servePrefetched(
  state: ContextState,
  rt: TableRuntime,
  read: ListRead,
  values: Values,
  texts: readonly (string | null)[],
  remembered: DecodedList,
): Row[] | Promise<Row[]> {
  const first = texts[0] ?? null;
  const list = first === null ? undefined : decodeListCached(rt, read.keys.row, first);
  if (list === undefined) return readThroughLease(state, rt, read, values, first ?? '', LIST_AND_PAGE);
  return serveMembers(state, rt, read, values, list, list === remembered ? texts.slice(1) : undefined);
}

/**
 * The list from the near-cache: held in memory (no round trip; its page's rows come through getManyByIdentity, which
 * serves the rows held), else a GET of the list key on the tracking connection, a ticket taken before it
 * (near-reads.ts), kept unless its key changed while in flight. Undefined when the GET found nothing usable (no list,
 * another type, corrupt, another epoch, Redis failing): the read goes on as without the near-cache (lease, fill).
 */
async function nearList(state: ContextState, rt: TableRuntime, read: ListRead): Promise<{ list: DecodedList; held: boolean } | undefined> {
  const { core } = state;
  const key = read.keys.row;
  const held = nearLookupList(core, rt, key);
  if (held !== undefined) return { list: held, held: true };
  let value: string | null;
  try {
    value = await nearValue(core, rt, key, 'list');
  } catch {
    return undefined; // WRONGTYPE or Redis failing: the path below meets it again and handles it
  }
  const list = value === null ? undefined : decodeListCached(rt, key, value);
  return list === undefined ? undefined : { list, held: false };
}

/**
 * The page of a cached list: its rows by identity, each re-checked to still carry the list's values. `held`: the list
 * came from the near-cache's memory, counted there (`nearHit`), not as a Redis list hit (as a row held is not a `hit`).
 */
function serveMembers(
  state: ContextState,
  rt: TableRuntime,
  read: ListRead,
  values: Values,
  list: DecodedList,
  pageValues: readonly (string | null)[] | undefined,
  held = false,
): Row[] | Promise<Row[]> {
  const { core } = state;
  const { members, keys } = list;
  const start = pageStart(read, list);
  // An `after` that is not a member (removed since): its place in identity order is Postgres's to say.
  if (start === undefined) return fromPostgres(core, rt, read, values);
  if (!held) core.emit('listHit', rt.info.display, read.keys.row);
  const step = stepSize(read);
  const page = members.slice(start, start + step);
  if (page.length === 0) return [];
  const pageKeys = keys.slice(start, start + step);
  // The script read the rows of the tags it found in the value, which decodeList checked to be the members': one value
  // per member it read (anything else, not expected, is read again).
  const given = pageValues !== undefined && pageValues.length === page.length ? pageValues : undefined;
  const hits = given === undefined ? undefined : allRows(core, rt, pageKeys, given);
  if (read.filter === undefined) {
    return hits !== undefined ? keep(rt, read, hits) : getManyByIdentity(state, rt, page, pageKeys, given).then((rows) => keep(rt, read, rows));
  }
  return filteredPage(state, rt, read, list, start, hits ?? getManyByIdentity(state, rt, page, pageKeys, given));
}

/** The rows that still belong to the page (see belongs). */
function keep(rt: TableRuntime, read: ListRead, rows: readonly (Row | null)[]): Row[] {
  return rows.filter((row): row is Row => row !== null && belongs(rt, read, row));
}

/** With `where`: the members' rows from `start` on, a step at a time, until `limit` of them match or the list ends. */
async function filteredPage(
  state: ContextState,
  rt: TableRuntime,
  read: ListRead,
  list: DecodedList,
  start: number,
  first: Row[] | Promise<(Row | null)[]>,
): Promise<Row[]> {
  const step = stepSize(read);
  const found: Row[] = [];
  let rows: readonly (Row | null)[] = await first;
  for (let at = start; ; ) {
    for (const row of rows) {
      if (row !== null && belongs(rt, read, row)) found.push(row);
      if (found.length === read.limit) return found;
    }
    at += step;
    if (at >= list.members.length) return found;
    rows = await getManyByIdentity(state, rt, list.members.slice(at, at + step), list.keys.slice(at, at + step));
  }
}

/**
 * The page's rows when every value read is a row of the current epoch and none is queued for repair: the common full
 * hit, served here without the batch machinery. Anything else (a missing row, a cached absence, a marker, a corrupt
 * value) returns undefined before counting anything, and getManyByIdentity judges every value as its MGET would.
 */
function allRows(core: StorageCore, rt: TableRuntime, keys: readonly RowKeys[], texts: readonly (string | null)[]): Row[] | undefined {
  if (core.repairs.size > 0) return undefined;
  const rows: Row[] = [];
  for (const text of texts) {
    const row = text === null ? undefined : rt.codec.decode(text);
    if (row === undefined) return undefined;
    rows.push(row);
  }
  const table = rt.info.display;
  for (const key of keys) core.emit('hit', table, key.row);
  return rows;
}

type ListReply = { kind: 'row'; value: string; rows: readonly (string | null)[] | undefined };

/** One list read past its argument check. */
interface ListCall {
  readonly state: ContextState;
  readonly rt: TableRuntime;
  readonly read: ListRead;
  readonly values: Values;
}

/** The list's steps in read-through.ts's loop, but the read itself: served from its value, filled, or Postgres. */
const LIST_STEPS: Omit<ReadThroughSteps<ListCall, ListReply, Row[]>, 'read'> = {
  serve({ state, rt, read, values }, reply) {
    // Of an older epoch, corrupt or foreign: CORRUPT, and the next read deletes exactly this value and leases the list.
    const members = decodeListCached(rt, read.keys.row, reply.value);
    return members === undefined ? CORRUPT : serveMembers(state, rt, read, values, members, reply.rows);
  },
  fill({ state, rt, read, values }, token) {
    return fillFromDb(state.core, rt, read, values, token);
  },
  postgres({ state, rt, read, values }) {
    return fromPostgres(state.core, rt, read, values);
  },
};

/** Single Redis: the read-list script reads the list and its page's rows in one round trip (or takes the lease). */
const LIST_AND_PAGE: ReadThroughSteps<ListCall, ListReply, Row[]> = {
  ...LIST_STEPS,
  read({ state, rt, read }, token, corrupt) {
    return state.core.io.run(readList, {
      keys: [read.keys.row, read.keys.lease],
      argv: [token, state.core.options.leaseTtlMs, corrupt, rt.keyspace.rowPrefix, read.after?.tag ?? '', stepSize(read)],
    });
  },
};

/** Cluster: read-row on the list alone (its rows live in other slots; serveMembers reads them). */
const LIST_ALONE: ReadThroughSteps<ListCall, ListReply, Row[]> = {
  ...LIST_STEPS,
  async read({ state, read }, token, corrupt) {
    const reply = await state.core.io.run(readRow, { keys: [read.keys.row, read.keys.lease], argv: [token, state.core.options.leaseTtlMs, corrupt] });
    return reply.kind === 'row' ? { kind: 'row', value: reply.value, rows: undefined } : reply;
  },
};

/** The list's read-through loop (read-through.ts) with one of the two reads. */
function readThroughLease(
  state: ContextState,
  rt: TableRuntime,
  read: ListRead,
  values: Values,
  corruptValue: string,
  steps: ReadThroughSteps<ListCall, ListReply, Row[]>,
): Promise<Row[]> {
  return readThrough(state.core, steps, { state, rt, read, values }, { table: rt.info.display, keys: read.keys }, corruptValue);
}

async function fillFromDb(core: StorageCore, rt: TableRuntime, read: ListRead, values: Values, token: string): Promise<Row[]> {
  const table = rt.info.display;
  const { keys } = read;
  const max = core.options.maxListLength;
  core.emit('listMiss', table, keys.row);
  const rows = await readUnderLease(core, { table, keys, token }, () => core.query(() => listQuery(core.db, rt, read, values, undefined, false).limit(max + 1)));
  if (rows.length > max) {
    core.emit('listOversized', table, keys.row);
    await core.io.run(releaseReaderLease, { keys: [keys.lease], argv: [token] }).catch((e: unknown) => core.redisError(e, table, keys.row));
    // Never truncated: what was read stops at maxListLength + 1, so the page itself is read.
    const first = read.after === undefined && read.filter === undefined && read.limit <= max;
    return first ? rows.slice(0, read.limit) : selectPage(core, core.db, rt, read, values);
  }
  await core.options.hooks.afterDbRead?.({ table, key: keys.row, row: null });
  await fillList(core, rt, keys, token, rows);
  // The whole list was read (it is what the list key caches): the page is cut from it.
  let start = 0;
  if (read.after !== undefined) {
    const tag = read.after.tag;
    const at = rows.findIndex((row) => rt.rowKeys(row).tag === tag);
    if (at < 0) return selectPage(core, core.db, rt, read, values);
    start = at + 1;
  }
  const rest = rows.slice(start);
  return (read.filter === undefined ? rest : rest.filter((row) => belongs(rt, read, row))).slice(0, read.limit);
}

async function fillList(core: StorageCore, rt: TableRuntime, keys: ListKeys, token: string, rows: readonly Row[]): Promise<void> {
  const table = rt.info.display;
  try {
    if (!core.options.guard) {
      // Test-only switch: make the lease ours and clear the list, so the script's checks always pass.
      await core.io.commands([['SET', keys.lease, token, 'PX', core.options.leaseTtlMs], ['DEL', keys.row]]);
    }
    const filled = await core.io.run(fillRow, { keys: [keys.row, keys.lease], argv: [token, encodeList(rt, rows), core.options.rowTtlMs, keys.tag] });
    core.emit(filled ? 'listFill' : 'listFillRefused', table, keys.row);
  } catch (error) {
    core.redisError(error, table, keys.row);
  }
}

/** A page read from Postgres without touching the cache (a list too long to cache, Redis failing, a lease not ours). */
async function fromPostgres(core: StorageCore, rt: TableRuntime, read: ListRead, values: Values): Promise<Row[]> {
  core.emit('listMiss', rt.info.display, read.keys.row);
  return selectPage(core, core.db, rt, read, values);
}

function selectPage(core: StorageCore, db: Database, rt: TableRuntime, read: ListRead, values: Values): Promise<Row[]> {
  return core.query(() => listQuery(db, rt, read, values, read.after?.values, true).limit(read.limit));
}

/** `select * where <list columns> = values [and identity > after] [and <where>] order by identity`. */
function listQuery(db: Database, rt: TableRuntime, read: ListRead, values: Values, after: Values | undefined, filtered: boolean) {
  const identity = rt.info.identity;
  const conditions: SQL[] = [rt.where(read.list, values)];
  if (after !== undefined) conditions.push(afterCondition(identity, after));
  if (filtered && read.filter !== undefined) conditions.push(...filterConditions(read.filter));
  const where = conditions.length === 1 ? conditions[0] : and(...conditions);
  return db.select().from(rt.table).where(where).orderBy(...identity.columns.map((column) => asc(column)));
}

/** `where` as SQL: `column = value`, or `column IS NULL` for null (as the cache compares it). */
function filterConditions(filter: ListFilter): SQL[] {
  return filter.key.columns.map((column, i) => {
    const value = filter.values[filter.key.props[i] ?? ''];
    return value === null ? isNull(column) : eq(column, value);
  });
}

/** Keyset paging in identity order: `id > after`, or `(a, b) > (x, y)` for a composite identity. */
function afterCondition(identity: KeyColumns, after: Values): SQL {
  const [only] = identity.columns;
  if (identity.columns.length === 1 && only !== undefined) return gt(only, after[identity.props[0] ?? '']);
  const left = sql.join(identity.columns.map((column) => sql`${column}`), sql`, `);
  const right = sql.join(identity.columns.map((column, i) => sql`${sql.param(after[identity.props[i] ?? ''], column)}`), sql`, `);
  return sql`(${left}) > (${right})`;
}
