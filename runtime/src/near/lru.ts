// A bounded cache with least-recently-used eviction, approximated the way CLOCK (second chance) does: a hit only sets
// the entry's `used` flag; when the bound is passed, a hand walks the Map in insertion order, clearing the flags of
// used entries and evicting the first unused one. Exact LRU over a Map (delete and set again on every hit) cost 2.3x lru-cache's get
// here; this costs about a plain Map.get, half of lru-cache's (measured: runtime/README.md, "Near-cache"). Our own,
// not lru-cache, also because the runtime depends on nothing but its peers.
interface Slot<V> {
  readonly value: V;
  used: boolean;
}

export class Lru<V> {
  private readonly map = new Map<string, Slot<V>>();

  constructor(
    private readonly max: number,
    /** Called for each entry pushed out by the bound (not for deletes or clears). */
    private readonly onEvict: (key: string, value: V) => void,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The value, marked used (kept over unused ones at the next eviction); undefined when absent. */
  get(key: string): V | undefined {
    const slot = this.map.get(key);
    if (slot === undefined) return undefined;
    slot.used = true;
    return slot.value;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  set(key: string, value: V): void {
    const slot = this.map.get(key);
    if (slot !== undefined) this.map.delete(key);
    // New entries start used: the hand, which walks up to them, passes over them once (else the entry just added,
    // the youngest, could be the first one found unused).
    this.map.set(key, { value, used: true });
    while (this.map.size > this.max) this.evictOne();
  }

  /**
   * The clock hand: a Map iterator kept between evictions, so it never walks again over the entries it passed (nor
   * over the holes deletions leave at the old end, which a fresh iterator would skip one by one each time). A used
   * entry loses its flag and stays; the first unused one is evicted. Ends within one turn of the map.
   */
  private hand: Iterator<[string, Slot<V>]> | undefined;

  private evictOne(): void {
    for (let turns = 0; turns <= this.map.size + 1; turns++) {
      this.hand ??= this.map.entries();
      const next = this.hand.next();
      if (next.done === true) {
        this.hand = undefined;
        continue;
      }
      const [key, slot] = next.value;
      if (slot.used) {
        slot.used = false;
        continue;
      }
      this.map.delete(key);
      this.onEvict(key, slot.value);
      return;
    }
  }

  delete(key: string): V | undefined {
    const slot = this.map.get(key);
    if (slot === undefined) return undefined;
    this.map.delete(key);
    return slot.value;
  }

  clear(): void {
    this.map.clear();
    this.hand = undefined;
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [key, slot] of this.map) yield [key, slot.value];
  }
}
