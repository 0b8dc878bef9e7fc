// --rate: a token bucket over rows. A second's worth of rows may go at once; beyond that each batch waits for the
// tokens it spends. The wait ends early when the warm is stopped (Ctrl-C), so a slow rate never delays stopping.
import { setTimeout as sleep } from 'node:timers/promises';

export class RowBucket {
  private tokens: number;
  private last = performance.now();

  constructor(private readonly rowsPerSecond: number) {
    this.tokens = rowsPerSecond;
  }

  /** Spends `rows` tokens, waiting first while the bucket is in debt. Resolves early (without error) on abort. */
  async take(rows: number, signal: AbortSignal): Promise<void> {
    this.refill();
    this.tokens -= rows;
    if (this.tokens >= 0) return;
    const waitMs = (-this.tokens / this.rowsPerSecond) * 1000;
    await sleep(waitMs, undefined, { signal }).catch(() => undefined);
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.rowsPerSecond, this.tokens + ((now - this.last) / 1000) * this.rowsPerSecond);
    this.last = now;
  }
}

/** No --rate: never waits. */
export const UNLIMITED = { take: async (_rows: number, _signal: AbortSignal): Promise<void> => {} };

export type RowLimiter = Pick<RowBucket, 'take'>;
