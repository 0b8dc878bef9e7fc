// Contexts are the objects accessors receive: the storage itself, or a transaction. What they carry is kept here,
// out of the public types, so generated code sees only `Context`.
import type { ListKeys, RowKeys } from '../table/keys.js';
import type { TableRuntime } from '../table/table-runtime.js';
import type { Database, HotStorageContext } from '../types.js';
import type { StorageCore } from './core.js';

/** What a committed statement did to one cached row: the new row, or null when the row is gone. */
export interface Effect {
  readonly rt: TableRuntime;
  readonly keys: RowKeys;
  readonly row: Record<string, unknown> | null;
  /** The lists whose members the statement may have changed (protocol/list-writes.ts). */
  readonly lists?: readonly ListEffect[];
  /** Tables a cascade changed beyond what was read row by row (protocol/cascades.ts): their epochs go up after commit. */
  readonly bumps?: readonly TableRuntime[];
}

/** A list whose members a statement may have changed: its lease is taken before the commit, the list dropped after. */
export interface ListEffect {
  readonly rt: TableRuntime;
  readonly keys: ListKeys;
}

/** An open hs.transaction, as its accessors see it (protocol/transaction.ts makes it). */
export interface TransactionState {
  readonly db: Database;
  /** Throws when the transaction has ended (a `tx` kept past hs.transaction). */
  assertOpen(): void;
  record(effects: readonly Effect[]): void;
  /** This transaction's writer token: the change feed's origin of its accessors' statements. */
  readonly token: string;
}

export interface ContextState {
  readonly core: StorageCore;
  readonly tx: TransactionState | undefined;
}

const states = new WeakMap<HotStorageContext, ContextState>();

export function bindContext(context: HotStorageContext, state: ContextState): void {
  states.set(context, state);
}

export function contextState(context: HotStorageContext): ContextState {
  const state = states.get(context);
  if (state === undefined) {
    throw new TypeError('hotstorage: pass the storage returned by createHotStorage, or the `tx` given by hs.transaction');
  }
  return state;
}
