// Contexts are the objects accessors receive: the storage itself, or a transaction. What they carry is kept here,
// out of the public types, so generated code sees only `Context`.
import type { HotStorageContext } from './index.js';
import type { StorageCore } from './core.js';
import type { TransactionState } from './transaction.js';

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
