// Rows whose cache update failed after a database commit (Redis down or slow). Each is invalidated (the invalid
// marker, so no older fill can land) as soon as Redis answers; until then reads of these rows skip the cache.
// Bounded and in-process: a process that dies with entries queued leaves those rows stale until their TTL
// (option `rowTtlSeconds`); beyond `repairQueueLimit` the oldest entries are dropped and counted.
export class RepairQueue {
  private readonly keys = new Set<string>();

  constructor(private readonly limit: number, private readonly onDrop: (key: string) => void) {}

  get size(): number {
    return this.keys.size;
  }

  has(rowKey: string): boolean {
    return this.keys.has(rowKey);
  }

  add(rowKey: string): void {
    this.keys.delete(rowKey);
    this.keys.add(rowKey);
    while (this.keys.size > this.limit) {
      const oldest = this.keys.values().next().value;
      if (oldest === undefined) break;
      this.keys.delete(oldest);
      this.onDrop(oldest);
    }
  }

  delete(rowKey: string): void {
    this.keys.delete(rowKey);
  }

  snapshot(): string[] {
    return [...this.keys];
  }
}
