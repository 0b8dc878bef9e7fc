// A bounded cache with least-recently-used eviction, approximated the way CLOCK (second chance) does: a hit only sets
// the entry's `used` flag; when the bound is passed, a hand walks the Map in insertion order, clearing the flags of
// used entries and evicting the first unused one. Exact LRU over a Map (delete and set again on every hit) cost 2.3x lru-cache's get
// here; this costs about a plain Map.get, half of lru-cache's (measured: runtime/README.md, "Near-cache"). Our own,
// not lru-cache, also because the runtime depends on nothing but its peers.
// Two bounds: the entries, and the sum of their weights (each given when it is stored; the near-cache's estimated
// bytes). The weights are only touched by set, delete, eviction and clear: a hit reads and writes what it did before.
/** An entry as the map holds it. `live` turns false when it leaves the map (delete, eviction, clear, replacement). */
export interface Slot<V> {
  readonly value: V;
  used: boolean;
  readonly weight: number;
  live: boolean;
  readonly owner: Lru<V>;
}

export class Lru<V> {
  private readonly map = new Map<string, Slot<V>>();
  private total = 0;

  constructor(
    private readonly maxEntries: number,
    /** The bound on the sum of the weights (Infinity: none). */
    private readonly maxWeight: number,
    /** Called for each entry pushed out by either bound (not for deletes, clears, or a value too heavy to store). */
    private readonly onEvict: (key: string, value: V) => void,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The sum of the weights of the entries held. */
  get weight(): number {
    return this.total;
  }

  /** The value, marked used (kept over unused ones at the next eviction); undefined when absent. */
  get(key: string): V | undefined {
    return this.slot(key)?.value;
  }

  /** As get, answering the entry itself: a caller may keep it and come back with `reuse`, without the key. */
  slot(key: string): Slot<V> | undefined {
    const slot = this.map.get(key);
    if (slot !== undefined) slot.used = true;
    return slot;
  }

  /** The value of an entry `slot` answered, marked used, if it is still this map's; undefined once it left. */
  reuse(slot: Slot<V>): V | undefined {
    if (!slot.live || slot.owner !== this) return undefined;
    slot.used = true;
    return slot.value;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /**
   * Stores `value` under `key` (replacing what the key held), then evicts until both bounds hold. A value heavier than
   * the whole weight bound is not stored (it would push out everything and then itself): false, and the key holds
   * nothing.
   */
  set(key: string, value: V, weight = 0): boolean {
    this.delete(key);
    if (weight > this.maxWeight) return false;
    // New entries start used: the hand, which walks up to them, passes over them once (else the entry just added,
    // the youngest, could be the first one found unused). So the new entry is the last one left to evict, and being
    // within the weight bound alone, it is never evicted by its own set.
    this.map.set(key, { value, used: true, weight, live: true, owner: this });
    this.total += weight;
    while (this.map.size > this.maxEntries || this.total > this.maxWeight) {
      if (!this.evictOne()) break;
    }
    return true;
  }

  /**
   * The clock hand: a Map iterator kept between evictions, so it never walks again over the entries it passed (nor
   * over the holes deletions leave at the old end, which a fresh iterator would skip one by one each time). A used
   * entry loses its flag and stays; the first unused one is evicted. Ends within one turn of the map.
   */
  private hand: Iterator<[string, Slot<V>]> | undefined;

  /** Evicts one entry; false when there was none to evict. */
  private evictOne(): boolean {
    if (this.map.size === 0) return false;
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
      slot.live = false;
      this.total -= slot.weight;
      this.onEvict(key, slot.value);
      return true;
    }
    return false;
  }

  delete(key: string): V | undefined {
    const slot = this.map.get(key);
    if (slot === undefined) return undefined;
    this.map.delete(key);
    slot.live = false;
    this.total -= slot.weight;
    return slot.value;
  }

  clear(): void {
    for (const slot of this.map.values()) slot.live = false;
    this.map.clear();
    this.total = 0;
    this.hand = undefined;
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [key, slot] of this.map) yield [key, slot.value];
  }
}
