// getManyByIdentity: one round trip for all hits (one MGET), then one read-row pipeline for what it did not serve (it
// takes the misses' leases); the misses read from Postgres in one query and filled under those leases.
import type { ContextState } from '../storage/context.js';
import type { StorageCore } from '../storage/core.js';
import { cachedValue, CORRUPT, fill, TO_POSTGRES } from './fill.js';
import type { RowKeys } from '../table/keys.js';
import { failLease, readRow, type ReadRowReply } from '../redis/scripts.js';
import type { TableRuntime, Values } from '../table/table-runtime.js';
import { nearLookup, nearValues } from './near-reads.js';

type Row = Record<string, unknown>;

interface Slot {
  readonly keys: RowKeys;
  readonly values: Values;
  row: Row | null | undefined; // undefined: still unknown
  leased: boolean;
}

/**
 * `keysList`: the row keys of `valuesList`, when the caller has built them already (the argument check does).
 * `readValues`: what those row keys held, when the caller has read them already (the read-list script reads a list's
 * page with the list): they take the MGET's place and are judged exactly as its replies are.
 */
export async function getManyByIdentity(
  state: ContextState,
  rt: TableRuntime,
  valuesList: readonly Values[],
  keysList?: readonly RowKeys[],
  readValues?: readonly (string | null)[],
): Promise<(Row | null)[]> {
  const { core, tx } = state;
  const table = rt.info.display;
  const identity = rt.info.identity;
  // One slot per row, keyed by its pk tag (short: cheaper to hash than the row key it names one to one). Each input
  // position keeps its slot, so the answer is built without a second lookup.
  const slots = new Map<string, Slot>();
  const read = readValues === undefined ? undefined : new Map<Slot, string | null>();
  const order = valuesList.map((values, i) => {
    const keys = keysList?.[i] ?? rt.rowKeys(values);
    let slot = slots.get(keys.tag);
    if (slot === undefined) {
      slot = { keys, values, row: undefined, leased: false };
      slots.set(keys.tag, slot);
      read?.set(slot, readValues?.[i] ?? null);
    }
    return slot;
  });
  const all = [...slots.values()];
  const token = core.token('reader');
  if (tx === undefined && all.length > 0) {
    const trusted = core.repairs.size === 0 ? all : all.filter((slot) => !core.repairs.has(slot.keys.row));
    // The near-cache serves what it holds; the MGET below reads the rest on its tracking connection (near/).
    const cached = core.near === undefined ? trusted : trusted.filter((slot) => (slot.row = nearLookup(core, rt, slot.keys.row)) === undefined);
    // Hits first with one MGET; the read-row script (lease on a miss) runs only for the rows it did not serve.
    const first = await readPlain(core, rt, cached, read);
    // A corrupt value gets one more read-row that deletes exactly it and leases the row, so the fill repairs it.
    const corrupt = await readCached(core, rt, first.unresolved, token, first.corrupt);
    if (corrupt.size > 0) await readCached(core, rt, [...corrupt.keys()], token, corrupt);
  }
  const missing = all.filter((slot) => slot.row === undefined);
  if (missing.length > 0) {
    for (const slot of missing) core.emit('miss', table, slot.keys.row);
    const db = tx?.db ?? core.db;
    let rows: Row[];
    try {
      rows = await core.query(() => db.select().from(rt.table).where(rt.whereAny(identity, missing.map((s) => s.values))));
    } catch (error) {
      const leased = missing.filter((slot) => slot.leased);
      await core.io.runMany(failLease, leased.map((slot) => ({ keys: [slot.keys.lease], argv: [token] }))).catch((e: unknown) => core.redisError(e, table));
      throw error;
    }
    const byKey = new Map(rows.map((row) => [rt.rowKeys(row).row, row] as const));
    for (const slot of missing) slot.row = byKey.get(slot.keys.row) ?? null;
    const fills = missing.filter((slot) => slot.leased).map((slot) => ({ keys: slot.keys, token, row: slot.row ?? null }));
    for (const f of fills) await core.options.hooks.afterDbRead?.({ table, key: f.keys.row, row: f.row });
    await fill(core, rt, fills);
  }
  return order.map((slot) => slot.row ?? null);
}

/**
 * One MGET (or the values the caller read already): serves rows and cached absences, leaves oversized and invalid rows
 * to Postgres; missing and corrupt ones go to readCached.
 */
async function readPlain(core: StorageCore, rt: TableRuntime, slots: readonly Slot[], read: ReadonlyMap<Slot, string | null> | undefined): Promise<{ unresolved: Slot[]; corrupt: Map<Slot, string> }> {
  const table = rt.info.display;
  const corrupt = new Map<Slot, string>();
  if (slots.length === 0) return { unresolved: [], corrupt };
  let values: (string | null)[];
  try {
    // Values the read-list script read on the application's connection are not tracked: they are not kept in memory.
    values = read === undefined ? await nearValues(core, rt, slots.map((slot) => slot.keys.row)) : slots.map((slot) => read.get(slot) ?? null);
  } catch (error) {
    core.redisError(error, table);
    return { unresolved: [], corrupt };
  }
  const unresolved: Slot[] = [];
  slots.forEach((slot, i) => {
    const value = values[i] ?? null;
    // As readCached handles each script reply; only a missing key (or one of another type: nil) goes on to the script.
    if (value === null) return unresolved.push(slot);
    const served = cachedValue(core, rt, slot.keys.row, value);
    if (served === TO_POSTGRES) return; // read from Postgres, no fill
    if (served === CORRUPT) {
      corrupt.set(slot, value);
      return unresolved.push(slot);
    }
    slot.row = served;
  });
  return { unresolved, corrupt };
}

/** Reads (or leases) each slot; returns the slots whose cached value could not be decoded, with that value. */
async function readCached(core: StorageCore, rt: TableRuntime, slots: readonly Slot[], token: string, corrupt: ReadonlyMap<Slot, string>): Promise<Map<Slot, string>> {
  const table = rt.info.display;
  const found = new Map<Slot, string>();
  if (slots.length === 0) return found;
  let replies: (ReadRowReply | Error)[];
  try {
    replies = await core.io.runMany(readRow, slots.map((slot) => ({
      keys: [slot.keys.row, slot.keys.lease],
      argv: [token, core.options.leaseTtlMs, corrupt.get(slot) ?? ''],
    })));
  } catch (error) {
    core.redisError(error, table);
    return found;
  }
  replies.forEach((reply, i) => {
    const slot = slots[i];
    if (slot === undefined) return;
    if (reply instanceof Error) return core.redisError(reply, table, slot.keys.row);
    if (reply.kind === 'lease') {
      slot.leased = true;
      return;
    }
    if (reply.kind === 'wait') return core.emit('leaseWait', table, slot.keys.row); // read from Postgres, no fill
    const served = cachedValue(core, rt, slot.keys.row, reply.value);
    if (served === TO_POSTGRES) return; // read from Postgres, no fill
    if (served === CORRUPT) {
      if (!corrupt.has(slot)) found.set(slot, reply.value);
      return;
    }
    slot.row = served;
  });
  return found;
}
