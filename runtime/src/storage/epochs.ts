// Table epochs (DESIGN §5, out-of-band writes): one Redis counter per table that the outbox listener bumps when it
// cannot name the changed rows (TRUNCATE, a statement over the trigger's row limit, an outbox grown past its bound).
// Every cached row carries the epoch it was written under (codecs/epoch-tag.ts). A process reads each table's epoch once before its first
// use, keeps it in memory and reads all of them again every `epochRefreshMs`; a row tagged with an older epoch than
// the one known is not a hit: the read path treats it as a value it cannot use (deleted, read again, refilled).
// So a row filled before a bump is never served once the process has refreshed, whoever filled it and when. Cached
// absences carry the epoch the same way: rows inserted by a statement over the trigger's row limit are announced by a
// bump alone, and an absence cached before it must not hide them.
import type { RedisIo } from '../redis/redis-io.js';

export interface EpochCell {
  key: string;
  current: number;
  /** False until the first read of the key succeeded: until then no cached row is trusted. */
  ready: boolean;
  loading: Promise<void> | undefined;
}

export function newCell(): EpochCell {
  return { key: '', current: 0, ready: false, loading: undefined };
}

export class Epochs {
  private readonly cells: EpochCell[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Told of every epoch that went up (the near-cache drops that table's rows: storage/start-near.ts). */
  onRaise: ((key: string) => void) | undefined;

  constructor(
    private readonly io: RedisIo,
    private readonly refreshMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  adopt(cell: EpochCell, key: string): void {
    cell.key = key;
    this.cells.push(cell);
  }

  /** Resolves once the cell's epoch has been read (first use of a table); undefined when it already was. */
  ready(cell: EpochCell): Promise<void> | undefined {
    if (cell.ready) return undefined;
    cell.loading ??= this.load(cell).finally(() => {
      cell.loading = undefined;
    });
    return cell.loading;
  }

  private async load(cell: EpochCell): Promise<void> {
    try {
      const [value] = await this.io.commands([['GET', cell.key]]);
      this.set(cell, value);
      cell.ready = true;
      this.arm();
    } catch (error) {
      // Redis is failing: reads go to Postgres anyway; the next use of the table tries again.
      this.onError(error);
    }
  }

  /** Reads every known epoch again (one round trip: a pipeline of GETs, which a Cluster splits by slot, unlike MGET). */
  async refresh(): Promise<void> {
    const cells = this.cells.filter((c) => c.ready);
    if (cells.length === 0) return;
    try {
      const values = await this.io.commands(cells.map((c) => ['GET', c.key] as const));
      cells.forEach((cell, i) => this.set(cell, values[i]));
    } catch (error) {
      this.onError(error);
    }
  }

  /** Bumps a table's epoch in Redis and at once in this process; returns the new epoch. */
  async bump(key: string): Promise<number> {
    const [value] = await this.io.commands([['INCR', key]]);
    for (const cell of this.cells) if (cell.key === key) this.set(cell, value);
    return Number(value);
  }

  private set(cell: EpochCell, value: unknown): void {
    const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : 0;
    if (!Number.isSafeInteger(n) || n <= cell.current) return;
    cell.current = n;
    this.onRaise?.(cell.key);
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
