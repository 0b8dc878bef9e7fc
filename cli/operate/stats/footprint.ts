// What a table occupies in Redis, counted from Redis itself (not from any process's counters): one SCAN pass over the key space, MATCH on the prefix, keys sorted to tables by their current-shape base. Row keys holding a row
// are counted exactly (markers and cached absences are not rows); memory is MEMORY USAGE over a sample of the table's
// keys times their count, an estimate.
//
// Cost: SCAN with MATCH walks every key of the Redis (of every master on a Cluster), not only the tables', in steps
// of COUNT keys; each step is short (a few ms at COUNT 10,000), so Redis is never blocked, but one reading costs
// (keys in Redis / COUNT) round trips: about 160 for 1.6 million keys. Every selected table is counted in that one pass.
// Keys are remembered while counting to drop SCAN's repeats (about 100 bytes each, up to DEDUPE_LIMIT keys; past it,
// repeats are not dropped and the count is flagged approximate).
import type { Cluster, Redis } from 'ioredis';
import { ABSENT, INVALID, OVERSIZED, type TableRuntime, splitEpoch } from '@hotstorage/runtime/internal';
import { type TableKeys, tableKeys } from '../table-keys.js';
import { globEscape, mastersOf, scanKeys } from '../scan.js';

export interface Footprint {
  /** Row keys holding a row (not a cached absence or a marker). */
  readonly cachedRows: number;
  /** Row keys holding a cached absence or a marker. */
  readonly markers: number;
  /** Every key of the table's current shape: rows, leases, writer sets, pointers. */
  readonly keys: number;
  /** Estimated: mean MEMORY USAGE of up to MEMORY_SAMPLE keys × keys. */
  readonly memoryBytes: number;
  /** true when the table had more keys than DEDUPE_LIMIT (SCAN repeats may be counted twice). */
  readonly approximate: boolean;
}

const SCAN_COUNT = 10_000;
const MEMORY_SAMPLE = 64;
const DEDUPE_LIMIT = 1_000_000;
/** What every marker value starts with (`~hotstorage:`); a row's encoded form never does (runtime/markers.ts). */
const MARKER_START = commonStart([ABSENT, INVALID, OVERSIZED]);
/** A cached absence carries its table's epoch (`~e<n>~` before the marker) while the change feed is on. */
const EPOCH_TAG_ROOM = 20;

function commonStart(texts: readonly string[]): string {
  const [first = ''] = texts;
  let length = 0;
  while (length < first.length && texts.every((t) => t[length] === first[length])) length += 1;
  return first.slice(0, length);
}

interface Tally {
  readonly rt: TableRuntime;
  readonly layout: TableKeys;
  cachedRows: number;
  markers: number;
  keys: number;
  readonly sampled: { node: Redis; key: string }[];
}

/**
 * The footprints of several tables in one SCAN pass (MATCH on the prefix): the pass walks the whole key space
 * whatever it matches, so one pass for every table costs what one table would.
 */
export async function measureFootprints(redis: Redis | Cluster, prefix: string, tables: readonly TableRuntime[]): Promise<Map<TableRuntime, Footprint>> {
  const tallies = new Map(tables.map((rt): [string, Tally] => [rt.keyspace.base, { rt, layout: tableKeys(rt), cachedRows: 0, markers: 0, keys: 0, sampled: [] }]));
  const seen = new Set<string>();
  let approximate = false;
  for (const node of mastersOf(redis)) {
    for await (const batch of scanKeys(node, `${globEscape(prefix)}*`, SCAN_COUNT)) {
      const rowKeys: { key: string; tally: Tally }[] = [];
      for (const key of batch) {
        const tally = tallies.get(baseOf(key, prefix));
        if (tally === undefined) continue;
        if (seen.has(key)) continue;
        if (seen.size < DEDUPE_LIMIT) seen.add(key);
        else approximate = true;
        tally.keys += 1;
        if (tally.sampled.length < MEMORY_SAMPLE) tally.sampled.push({ node, key });
        if (tally.layout.rowTag(key) !== undefined) rowKeys.push({ key, tally });
      }
      const starts = await valueStarts(node, rowKeys.map((r) => r.key));
      starts.forEach((start, n) => {
        const tally = rowKeys[n]?.tally;
        if (start === null || tally === undefined) return; // expired between SCAN and GETRANGE
        if (splitEpoch(start).body.startsWith(MARKER_START)) tally.markers += 1;
        else tally.cachedRows += 1;
      });
    }
  }
  const out = new Map<TableRuntime, Footprint>();
  for (const t of tallies.values()) {
    out.set(t.rt, { cachedRows: t.cachedRows, markers: t.markers, keys: t.keys, memoryBytes: await estimateMemory(t.sampled, t.keys), approximate });
  }
  return out;
}

/** `<prefix><table>@<tag>` (runtime/keys.ts) of a key under the prefix: the escaped name and the tag never hold `:`. */
function baseOf(key: string, prefix: string): string {
  const end = key.indexOf(':', prefix.length);
  return end < 0 ? key : key.slice(0, end);
}

/** The first bytes of each value (enough to tell a marker behind an epoch tag), in one pipeline to the node that holds them. */
async function valueStarts(node: Redis, keys: readonly string[]): Promise<(string | null)[]> {
  if (keys.length === 0) return [];
  const pipeline = node.pipeline();
  for (const key of keys) pipeline.getrange(key, 0, MARKER_START.length + EPOCH_TAG_ROOM - 1);
  const replies = (await pipeline.exec()) ?? [];
  // A key deleted in between answers "" (GETRANGE of a missing key); one turned into another type answers an error.
  return replies.map(([error, value]) => (error || value === '' ? null : String(value)));
}

async function estimateMemory(sampled: readonly { node: Redis; key: string }[], keys: number): Promise<number> {
  if (sampled.length === 0) return 0;
  const sizes = await Promise.all(sampled.map(({ node, key }) => node.memory('USAGE', key, 'SAMPLES', 0)));
  const present = sizes.filter((size): size is number => typeof size === 'number');
  if (present.length === 0) return 0;
  const mean = present.reduce((a, b) => a + b, 0) / present.length;
  return Math.round(mean * keys);
}
