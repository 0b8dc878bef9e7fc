// The keys verify looks at: every one (`--all`), or a uniform random sample of at most `limit` (`--sample N`) drawn
// while SCAN streams past (reservoir sampling), so a sample never holds more than N keys however large the table.
export interface KeySample {
  add(key: string): void;
  /** Distinct keys kept (SCAN may return a key twice). */
  keys(): string[];
}

export function keySample(limit: number | undefined, random: () => number = Math.random): KeySample {
  if (limit === undefined) {
    const all = new Set<string>();
    return { add: (key) => void all.add(key), keys: () => [...all] };
  }
  const kept: string[] = [];
  let seen = 0;
  return {
    add(key) {
      seen += 1;
      if (kept.length < limit) kept.push(key);
      else {
        const slot = Math.floor(random() * seen);
        if (slot < limit) kept[slot] = key;
      }
    },
    keys: () => [...new Set(kept)],
  };
}
