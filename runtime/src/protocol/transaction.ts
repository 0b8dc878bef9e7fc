// hs.transaction: statements run in a database transaction; the cache is touched only at the end. Leases for every
// row written are taken after the body returns and before COMMIT; the rows are written after COMMIT. A body that
// throws rolls back without a single Redis command (invariant 4); a COMMIT that fails releases the leases.
import type { ContextState, Effect, ListEffect, TransactionState } from '../storage/context.js';
import type { StorageCore } from '../storage/core.js';
import type { RowKeys } from '../table/keys.js';
import { bumpEpoch } from './invalidate.js';
import { finishListWrites, takeListLeases } from './list-writes.js';
import { applyEffects, releaseWriteLeases, takeWriteLeases, type ConfirmedLeases } from './write-leases.js';

export async function runTransaction<R>(core: StorageCore, body: (state: ContextState) => Promise<R>): Promise<R> {
  const hooks = core.options.hooks;
  const token = core.token('writer');
  const pending = new Map<string, Effect>();
  // Every list any statement may have changed (unlike rows, not only the last write's): all are invalidated.
  const lists = new Map<string, ListEffect>();
  const bumps = new Set<Effect['rt']>();
  let leased: RowKeys[] = [];
  let taken: ConfirmedLeases = new Map();
  let listsTaken = new Set<string>();
  let listsLeased = false;
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
          for (const effect of effects) {
            pending.set(effect.keys.row, effect); // the last write of a row wins
            for (const list of effect.lists ?? []) lists.set(list.keys.row, list);
            for (const table of effect.bumps ?? []) bumps.add(table);
          }
        },
        token,
      };
      const value = await body({ core, tx: state });
      open = false;
      leased = [...pending.values()].map((effect) => effect.keys);
      if (leased.length > 0 || lists.size > 0) {
        [taken, listsTaken] = await Promise.all([takeWriteLeases(core, leased, token), takeListLeases(core, [...lists.values()], token)]);
        listsLeased = lists.size > 0;
        await hooks.beforeCommit?.({ keys: [...leased.map((k) => k.lease), ...[...lists.values()].map((l) => l.keys.lease)] });
      }
      return value;
    });
  } catch (error) {
    if (leased.length > 0) await releaseWriteLeases(core, leased, token);
    if (listsLeased) await finishListWrites(core, [...lists.values()], token, false, listsTaken);
    throw error;
  }
  if (pending.size > 0) {
    const effects = [...pending.values()];
    const listKeys = [...lists.keys()];
    await hooks.afterCommit?.({ keys: [...effects.map((e) => e.keys.row), ...listKeys] });
    await Promise.all([applyEffects(core, effects, token, taken), finishListWrites(core, [...lists.values()], token, true, listsTaken)]);
    // A cascade too large (or deep) to read row by row: the tables it reached are invalidated whole.
    for (const table of bumps) await bumpEpoch(core, table).catch((error: unknown) => core.redisError(error, table.info.display));
    await hooks.afterApply?.({ keys: [...effects.map((e) => e.keys.row), ...listKeys] });
  }
  return result;
}
