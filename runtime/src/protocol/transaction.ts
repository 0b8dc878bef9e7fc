// hs.transaction: statements run in a database transaction; the cache is touched only at the end. Leases for every
// row written are taken after the body returns and before COMMIT; the rows are written after COMMIT. A body that
// throws rolls back without a single Redis command (invariant 4); a COMMIT that fails releases the leases.
import type { ContextState, Effect, TransactionState } from '../storage/context.js';
import type { StorageCore } from '../storage/core.js';
import type { RowKeys } from '../table/keys.js';
import { applyEffects, releaseWriteLeases, takeWriteLeases, type ConfirmedLeases } from './write-leases.js';

export async function runTransaction<R>(core: StorageCore, body: (state: ContextState) => Promise<R>): Promise<R> {
  const hooks = core.options.hooks;
  const token = core.token('writer');
  const pending = new Map<string, Effect>();
  let leased: RowKeys[] = [];
  let taken: ConfirmedLeases = new Map();
  let result: R;
  try {
    result = await core.db.transaction(async (dtx) => {
      let open = true;
      const state: TransactionState = {
        db: dtx,
        assertOpen() {
          if (!open) throw new Error('hotstorage: this transaction has ended; use the storage, not `tx`, after hs.transaction returns');
        },
        record(effects) {
          state.assertOpen();
          for (const effect of effects) pending.set(effect.keys.row, effect); // the last write of a row wins
        },
        token,
      };
      const value = await body({ core, tx: state });
      open = false;
      leased = [...pending.values()].map((effect) => effect.keys);
      if (leased.length > 0) {
        taken = await takeWriteLeases(core, leased, token);
        await hooks.beforeCommit?.({ keys: leased.map((k) => k.lease) });
      }
      return value;
    });
  } catch (error) {
    if (leased.length > 0) await releaseWriteLeases(core, leased, token);
    throw error;
  }
  if (pending.size > 0) {
    const effects = [...pending.values()];
    await hooks.afterCommit?.({ keys: effects.map((e) => e.keys.row) });
    await applyEffects(core, effects, token, taken);
    await hooks.afterApply?.({ keys: effects.map((e) => e.keys.row) });
  }
  return result;
}
