// What a write's statement is to the write path (write.ts) and to what wraps it (cascades.ts): a function of the
// database (the storage's, or the caller's transaction) returning its result and what it did to cached rows.
import type { Effect } from '../storage/context.js';
import type { Database } from '../types.js';

export interface Outcome<T> {
  readonly result: T;
  readonly effects: readonly Effect[];
  /** False when the statement matched no row (an update or remove of a missing row): it changed nothing. */
  readonly changed: boolean;
}

export type Statement<T> = (db: Database) => Promise<Outcome<T>>;
