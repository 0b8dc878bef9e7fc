// What became of each row a warm read, per table, from the storage's own events: the batch read decides (hit, fill,
// someone else's lease...), the warm only counts. Installed as the storage's onEvent listener.
import { type HotStorageEvent } from '@hotstorage/runtime';

export interface TableTally {
  /** Rows that were in Redis already (rows or cached absences): left as they were. */
  alreadyCached: number;
  /** Rows written to Redis under the warm's lease (a row deleted meanwhile is filled as a cached absence). */
  filled: number;
  /**
   * Rows left to the protocol: another reader or writer held the lease, a write landed between the warm's read and its
   * fill (the fill was refused, the newer row stands), or the row is too big or marked invalid.
   */
  leftAlone: number;
  /** Rows a Redis failure kept out of the cache. */
  redisErrors: number;
}

export function emptyTally(): TableTally {
  return { alreadyCached: 0, filled: 0, leftAlone: 0, redisErrors: 0 };
}

export class WarmTally {
  private readonly tables = new Map<string, TableTally>();

  /** `schema.table` as the runtime names it (TableInfo.display). */
  of(table: string): TableTally {
    let tally = this.tables.get(table);
    if (tally === undefined) {
      tally = emptyTally();
      this.tables.set(table, tally);
    }
    return tally;
  }

  readonly listen = (event: HotStorageEvent): void => {
    if (event.table === undefined) return;
    const tally = this.of(event.table);
    switch (event.type) {
      case 'hit':
        tally.alreadyCached += 1;
        return;
      case 'fill':
        tally.filled += 1;
        return;
      case 'fillRefused':
      case 'leaseWait':
      case 'oversized':
      case 'invalidRead':
        tally.leftAlone += 1;
        return;
      case 'redisError':
        tally.redisErrors += 1;
        return;
      default:
    }
  };
}
