// What a near-cache entry counts for against `nearCache.maxBytes`: an estimate of its heap cost from the lengths of its
// key and of the Redis value it was decoded from, both at hand when it is stored (NearCache.settle), so it costs a few
// reads of a length once per entry and nothing on a hit. JavaScript cannot tell what an object holds short of walking
// it, so this is a linear fit of what bench/near-entry-size.ts measured (heapUsed after a full GC, 100,000 entries
// built as settle builds them in our Lru, Node 20, one process per table; lists: 10,000 of them):
//   users, 6 columns                   83 chars   405 B per entry (4.9x its chars)  estimate  407 B (1.00x)
//   bench_rows, 9 columns, small jsonb 164 chars  550 B (3.4x)                      estimate  568 B (1.03x)
//   docs, a ~3 KB jsonb order          2244 chars 3667 B (1.6x)                     estimate 4729 B (1.29x)
//   2 KB of Greek text (2 B a char)    2063 chars 4109 B (2.0x)                     estimate 4365 B (1.06x)
//   2 KB of ASCII text (1 B a char)    2065 chars 2087 B (1.0x)                     estimate 4369 B (2.09x)
//   a list of 5 / 20 / 100 members     106 / 306 / 1426 chars  1392 / 4289 / 20196 B   estimate 0.97x / 1.04x / 1.04x
// A decoded row costs 1–2 bytes per character of its stored text (2 for two-byte strings and for jsonb's objects), plus
// about 240 bytes of map entry, key, slot, entry and row object; so 2 per character plus 240 errs high (by up to 2x
// for ASCII text) rather than low. A list's text is short (a tag and an id per member) but each member decodes to an
// identity object and its row keys: about 190 bytes more per member.
export const BYTES_PER_CHAR = 2;
export const ENTRY_OVERHEAD_BYTES = 240;
export const LIST_MEMBER_BYTES = 180;

/** The estimated bytes of the row entry stored under `key`, decoded from the Redis value `value`. */
export function entryWeight(key: string, value: string): number {
  return BYTES_PER_CHAR * (key.length + value.length) + ENTRY_OVERHEAD_BYTES;
}

/** The estimated bytes of a list entry: its text as a row's, plus each member's decoded identity and row keys. */
export function listWeight(key: string, value: string, members: number): number {
  return entryWeight(key, value) + LIST_MEMBER_BYTES * members;
}
