// Warming one table: keyset batches of identities from Postgres, each handed to the runtime's own batch read, which
// is the miss protocol batched (MGET; a lease for each miss; Postgres read by identity; fill only under the lease).
// So a row the application writes during the warm is never overwritten by the warm's older copy, and rows already
// cached stay as they are. One batch at a time, nothing kept between batches: memory stays flat however big the table.
import { type ContextState, type TableRuntime, type Values, getManyByIdentity } from '@hotstorage/runtime/internal';
import { clearCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { readIdentityBatch } from './keyset.js';
import type { RowLimiter } from './rate-limit.js';
import type { TableTally } from './tally.js';

export interface WarmSettings {
  readonly batch: number;
  /** Continue after the table's checkpoint, if it has one. */
  readonly resume: boolean;
  readonly limiter: RowLimiter;
  /** Aborted: stop after the current batch (its checkpoint is saved). */
  readonly signal: AbortSignal;
}

/** Told where a table stands: once before the first batch and after every batch. */
export type ProgressListener = (progress: { readonly done: number; readonly readThisRun: number }) => void;

export interface TableWarmResult {
  /** Every row of the table was reached (the checkpoint is deleted). */
  readonly completed: boolean;
  /** Identities read from Postgres by this run (a resumed run does not read the part done before). */
  readonly rowsRead: number;
  /** Rows done over this run and the runs it resumed. */
  readonly done: number;
  readonly seconds: number;
}

export async function warmTable(state: ContextState, rt: TableRuntime, settings: WarmSettings, onProgress: ProgressListener): Promise<TableWarmResult> {
  const { core } = state;
  const started = performance.now();
  const checkpoint = settings.resume ? await loadCheckpoint(core.io, rt) : undefined;
  let after: Values | undefined = checkpoint?.after;
  let done = checkpoint?.done ?? 0;
  let readThisRun = 0;
  let completed = false;
  onProgress({ done, readThisRun });
  while (!settings.signal.aborted) {
    await settings.limiter.take(settings.batch, settings.signal);
    if (settings.signal.aborted) break;
    const identities = await readIdentityBatch(core.db, rt, after, settings.batch);
    const last = identities.at(-1);
    if (last === undefined) {
      completed = true;
      break;
    }
    // The rows themselves are read again by identity inside, under the leases: what gets filled is what Postgres
    // holds after the lease was taken, never the keyset read's copy.
    await getManyByIdentity(state, rt, identities);
    after = last;
    readThisRun += identities.length;
    done += identities.length;
    await saveCheckpoint(core.io, rt, { after, done });
    onProgress({ done, readThisRun });
    if (identities.length < settings.batch) {
      completed = true;
      break;
    }
  }
  if (completed) await clearCheckpoint(core.io, rt);
  return { completed, rowsRead: readThisRun, done, seconds: (performance.now() - started) / 1000 };
}
