// Bounded waits for Redis replies: every round trip of the protocol is awaited at most a timeout (the cache must never
// block a database write or a read for long). One sweeper timer serves every call in flight instead of a setTimeout +
// Promise.race per round trip; a call past its deadline is rejected at the next sweep (at most a tenth of its timeout
// late).
//
// Calls in flight form an intrusive doubly linked list: a call unlinks itself when it settles, so nothing it holds
// outlives it (a Set, which keeps deleted entries until it rehashes, or an array compacted by the sweep, keep settled
// calls and their promises alive long enough to reach the old generation: garbage collection then dominated the hit
// path's CPU in a 64-way loop).

interface InFlight {
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly reject: (error: Error) => void;
  prev: InFlight | undefined;
  next: InFlight | undefined;
}

export class Deadlines {
  private head: InFlight | undefined;
  private tail: InFlight | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private sweepMs = 0;

  constructor(
    private readonly expired: (timeoutMs: number) => Error,
    /** Background work (the shared counters' flush) must not keep the process alive: its sweeper is unref'd. */
    private readonly options: { readonly unref?: boolean } = {},
  ) {}

  /** `promise`'s outcome (a failure through `mapError`), or the `expired` error once `timeoutMs` have passed. */
  bound<T>(promise: Promise<T>, timeoutMs: number, mapError: (error: unknown) => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const call: InFlight = { deadline: performance.now() + timeoutMs, timeoutMs, reject, prev: this.tail, next: undefined };
      if (this.tail === undefined) this.head = call;
      else this.tail.next = call;
      this.tail = call;
      // The period follows the shortest timeout in flight. Not unref'd by default: a call in flight keeps the process
      // alive until it is answered or timed out, as a per-call timer would.
      const period = Math.max(1, Math.floor(timeoutMs / 10));
      if (this.sweeper === undefined || period < this.sweepMs) {
        if (this.sweeper !== undefined) clearInterval(this.sweeper);
        this.sweepMs = period;
        this.sweeper = setInterval(() => this.sweep(), period);
        if (this.options.unref === true) this.sweeper.unref();
      }
      promise.then(
        (value) => {
          this.unlink(call);
          resolve(value);
        },
        (error: unknown) => {
          this.unlink(call);
          reject(mapError(error));
        },
      );
    });
  }

  /** Removes a call from the list; a call already removed (settled, or expired by the sweep) is left alone. */
  private unlink(call: InFlight): void {
    if (call.prev === undefined && this.head !== call) return;
    if (call.prev === undefined) this.head = call.next;
    else call.prev.next = call.next;
    if (call.next === undefined) this.tail = call.prev;
    else call.next.prev = call.prev;
    call.prev = undefined;
    call.next = undefined;
  }

  private sweep(): void {
    const now = performance.now();
    for (let call = this.head; call !== undefined; ) {
      const next = call.next;
      if (now >= call.deadline) {
        this.unlink(call);
        call.reject(this.expired(call.timeoutMs));
      }
      call = next;
    }
    if (this.head === undefined && this.sweeper !== undefined) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}
