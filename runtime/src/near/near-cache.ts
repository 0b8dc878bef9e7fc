// The near-cache's state: decoded rows (and cached absences) and decoded lists (their members, table/list-value.ts)
// of this process, by key, bounded together, and the reads in flight whose replies may be stored. An entry says which
// of the two it is, and each lookup asks for its own kind, so a list value is never served as a row nor the reverse. Only a value read by a GET on the tracking connection (near/tracking.ts) is ever
// stored: that GET is what makes Redis promise to tell us when the key changes. A row a write or a fill put in Redis is
// never stored from our side: the write's own invalidation made Redis forget the key, so nothing would tell us of the
// next change.
//
// The race closed here: a GET sent before a change and answered after the change's invalidation arrived (the reply and
// the invalidation come on two connections, in either order) must not be stored. Each read takes a ticket before its
// GET is sent; an invalidation (or a local write's drop) of a key with reads in flight spoils them, and a flush (the
// tracking lost, FLUSHALL, a gap in the stream) spoils every ticket taken before it.
import { INVALID, OVERSIZED } from '../codecs/markers.js';
import type { HotStorageEventType } from '../types.js';
import type { TableRuntime } from '../table/table-runtime.js';
import { decodeListCached, type DecodedList } from '../table/list-value.js';
import { entryWeight, listWeight } from './entry-weight.js';
import type { RowKeys } from '../table/keys.js';
import { Lru, type Slot } from './lru.js';
import type { ResolvedNearOptions } from './near-options.js';

type Row = Record<string, unknown>;

/** What a GET read: a row key's value or a list key's. */
export type NearKind = 'row' | 'list';

type Entry = RowEntry | ListEntry;

interface RowEntry {
  readonly kind: 'row';
  /** The decoded row, frozen (served to every caller: see runtime/README.md, "Near-cache"); null: a cached absence. */
  readonly row: Row | null;
  readonly rt: TableRuntime;
  /** Date.now() after which the entry is not served (option `ttlMs`). */
  readonly expiresAt: number;
}

interface ListEntry {
  readonly kind: 'list';
  /** The list's members and their row keys, as decodeListCached gives them (never mutated by its readers). */
  readonly list: DecodedList;
  readonly rt: TableRuntime;
  /** Date.now() after which the entry is not served (option `ttlMs`). */
  readonly expiresAt: number;
}

/** The reads of one key in flight. */
interface Pending {
  readers: number;
  /** An invalidation or a local write of the key arrived while they were in flight: none of them may store. */
  spoiled: boolean;
}

export interface Ticket {
  readonly key: string;
  readonly pending: Pending;
  /** The flush count when the read began: a flush since then forbids the store. */
  readonly flushes: number;
}

export type FlushReason = 'connection' | 'flushall' | 'heartbeat' | 'close';

/** How the near-cache counts what it does (the storage's events: stats and onEvent). */
export type Emit = (type: HotStorageEventType, table?: string, key?: string) => void;

export class NearCache {
  private readonly rows: Lru<Entry>;
  private readonly pending = new Map<string, Pending>();
  private readonly served = new Map<TableRuntime, boolean>();
  private flushes = 0;
  /** True while tracking is on and its invalidations are being received; else the near-cache is empty and bypassed. */
  private ready = false;

  constructor(
    private readonly emit: Emit,
    readonly options: ResolvedNearOptions,
  ) {
    this.rows = new Lru<Entry>(options.maxRows, options.maxBytes ?? Infinity, (key, entry) => emit('nearEviction', entry.rt.info.display, key));
  }

  get size(): number {
    return this.rows.size;
  }

  /** The estimated bytes held (near/entry-weight.ts), whether or not `maxBytes` bounds them. */
  get bytes(): number {
    return this.rows.weight;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Does this table use the near-cache (option `tables`), and is tracking on? */
  serves(rt: TableRuntime): boolean {
    if (!this.ready) return false;
    let on = this.served.get(rt);
    if (on === undefined) {
      const tables = this.options.tables;
      on = tables === undefined || tables.has(rt.info.display) || tables.has(rt.info.name);
      this.served.set(rt, on);
    }
    return on;
  }

  /** The local row (null: a cached absence), counted as a near hit; undefined when not held (a near miss) or not served. */
  lookup(rt: TableRuntime, key: string): Row | null | undefined {
    const entry = this.find(rt, key, 'row');
    return entry?.kind === 'row' ? entry.row : undefined;
  }

  /**
   * `lookup` by a row's keys: a remembered identity's keys carry the entry found last (their `nearHint`), so a hot
   * row's next hit goes to it without the lookup by key text (a quarter of a hit's time in a map of 30,000 rows).
   */
  lookupKeys(rt: TableRuntime, keys: RowKeys): Row | null | undefined {
    if (!this.serves(rt)) return undefined;
    const hint = keys.nearHint as Slot<Entry> | undefined;
    let entry = hint === undefined ? undefined : this.rows.reuse(hint);
    if (entry === undefined) {
      const slot = this.rows.slot(keys.row);
      keys.nearHint = slot;
      entry = slot?.value;
    }
    const found = this.counted(rt, keys.row, 'row', entry);
    return found?.kind === 'row' ? found.row : undefined;
  }

  /** The local list (its members), counted as a near hit; undefined when not held (a near miss) or not served. */
  lookupList(rt: TableRuntime, key: string): DecodedList | undefined {
    const entry = this.find(rt, key, 'list');
    return entry?.kind === 'list' ? entry.list : undefined;
  }

  private find(rt: TableRuntime, key: string, kind: NearKind): Entry | undefined {
    if (!this.serves(rt)) return undefined;
    return this.counted(rt, key, kind, this.rows.get(key));
  }

  /** The entry found for `key`, if of the kind asked for and within `ttlMs`, counted as a hit; else a miss. */
  private counted(rt: TableRuntime, key: string, kind: NearKind, entry: Entry | undefined): Entry | undefined {
    if (entry !== undefined && entry.kind === kind && (this.options.ttlMs === undefined || Date.now() < entry.expiresAt)) {
      this.emit('nearHit', rt.info.display, key);
      return entry;
    }
    if (entry !== undefined) this.rows.delete(key); // past `ttlMs` (the backstop), or not of the kind asked for
    this.emit('nearMiss', rt.info.display, key);
    return undefined;
  }

  /** Before a GET on the tracking connection is sent. Every ticket is settled exactly once (`settle`). */
  begin(key: string): Ticket {
    let pending = this.pending.get(key);
    if (pending === undefined) {
      pending = { readers: 0, spoiled: false };
      this.pending.set(key, pending);
    }
    pending.readers += 1;
    return { key, pending, flushes: this.flushes };
  }

  /**
   * The GET answered `value` (or failed: undefined): stores what it decodes to unless an invalidation, a local write
   * or a flush came while it was in flight; ends the ticket either way.
   */
  settle(ticket: Ticket, rt: TableRuntime, value: string | null | undefined, kind: NearKind = 'row'): void {
    const { pending } = ticket;
    pending.readers -= 1;
    if (pending.readers === 0 && this.pending.get(ticket.key) === pending) this.pending.delete(ticket.key);
    if (value === null || value === undefined || !this.ready || ticket.flushes !== this.flushes) return;
    if (pending.spoiled && !this.options.unsafeIgnoreRace) return;
    const expiresAt = this.options.ttlMs === undefined ? 0 : Date.now() + this.options.ttlMs;
    if (kind === 'list') {
      // Of an older epoch, corrupt or not a list: not kept (the read path goes on to Redis's own repair of it).
      const list = decodeListCached(rt, ticket.key, value);
      if (list !== undefined) this.store(ticket.key, { kind, list, rt, expiresAt }, listWeight(ticket.key, value, list.members.length));
      return;
    }
    const row = decodeStored(rt, value);
    if (row === undefined) return;
    this.store(ticket.key, { kind, row: row === null ? null : Object.freeze(row), rt, expiresAt }, entryWeight(ticket.key, value));
  }

  /** Keeps the entry, unless it alone is over `maxBytes`: then it is read from Redis each time, counted `nearOversized`. */
  private store(key: string, entry: Entry, weight: number): void {
    if (!this.rows.set(key, entry, weight)) this.emit('nearOversized', entry.rt.info.display, key);
  }

  /** Keys Redis says changed (an invalidation message): drop them, spoil their reads in flight (each counted once). */
  invalidate(keys: readonly string[]): void {
    if (this.options.unsafeIgnoreInvalidations) return;
    for (const key of keys) {
      const pending = this.pending.get(key);
      if (pending !== undefined) pending.spoiled = true;
      const entry = this.rows.delete(key);
      if (entry !== undefined) this.emit('nearInvalidation', entry.rt.info.display, key);
      else if (pending !== undefined) this.emit('nearInvalidation', undefined, key);
    }
  }

  /**
   * A write of this process returned from Redis (read-your-writes): its rows are dropped before the write returns, and
   * reads of them in flight (which may answer the old row) may not store. Not updated with the written row: the write
   * made Redis forget the key, so the next change would not be told to us.
   */
  dropWritten(keys: readonly string[]): void {
    if (this.options.unsafeKeepOnWrite) return;
    for (const key of keys) {
      const pending = this.pending.get(key);
      if (pending !== undefined) pending.spoiled = true;
      this.rows.delete(key);
    }
  }

  /** A table's epoch went up (storage/epochs.ts): the rows and lists of the tables `raised` names are of an older epoch now. */
  dropEpoch(raised: (rt: TableRuntime) => boolean): void {
    for (const [key, entry] of [...this.rows.entries()]) {
      if (raised(entry.rt)) this.rows.delete(key);
    }
  }

  /** Tracking is on and invalidations flow: reads may store from now on. */
  open(): void {
    this.ready = true;
  }

  /**
   * Empties the near-cache at once and forbids every read in flight to store. `stop`: tracking is lost (a connection
   * down, a gap): bypassed until `open` again. Kept on by FLUSHALL/FLUSHDB (tracking stays on; everything changed).
   */
  flush(reason: FlushReason, stop: boolean): void {
    if (this.options.unsafeKeepOnLoss && reason !== 'close') return;
    this.flushes += 1;
    // Already closed and empty (a connection failing again while Redis is away): nothing more to count.
    if (stop && !this.ready && this.rows.size === 0) return;
    if (stop) this.ready = false;
    this.rows.clear();
    this.emit('nearFlush', undefined, reason);
  }
}

/** A stored value as the near-cache keeps it: the row, null for a cached absence, undefined for what it does not keep. */
function decodeStored(rt: TableRuntime, value: string): Row | null | undefined {
  if (value === INVALID || value === OVERSIZED) return undefined; // read from Postgres each time, never kept
  if (rt.codec.isAbsent(value)) return null;
  return rt.codec.decode(value);
}
