// One reading of a table's figures: its counters summed over every application process (the hashes the runtime
// flushes, runtime/shared-stats.ts) and its footprint in Redis (footprint.ts).
import type { Cluster, Redis } from 'ioredis';
import { type TableRuntime, statsKey } from '@hotstorage/runtime/internal';
import type { OperatedTable } from '../operation.js';
import { redisFailure } from '../scan.js';
import { type Footprint, measureFootprints } from './footprint.js';

export interface TableFigures {
  readonly schema: string;
  readonly name: string;
  readonly exportName: string;
  readonly cachedRows: number;
  /** Row keys holding a cached absence or a marker rather than a row. */
  readonly markers: number;
  readonly keys: number;
  readonly memoryBytes: number;
  readonly memoryEstimated: true;
  /** The cached rows count may include SCAN repeats (a table with more keys than the command dedupes). */
  readonly approximate: boolean;
  readonly hits: number;
  readonly misses: number;
  readonly fills: number;
  readonly leaseWaits: number;
  /** Rows invalidated: by hotstorage writers that lost their lease, and by the outbox listener. */
  readonly invalidations: number;
  /** Redis errors and undecodable values met by the application. */
  readonly errors: number;
  /** hits / (hits + misses); null before any read. */
  readonly hitRatio: number | null;
  /** Every counter the runtime flushed for this table, by its hs.stats() name. */
  readonly counters: Readonly<Record<string, number>>;
}

/** The figures of every table, in their order: one SCAN pass for all their footprints, one HGETALL each. */
export async function readAll(redis: Redis | Cluster, prefix: string, tables: readonly OperatedTable[]): Promise<TableFigures[]> {
  let counters: Record<string, string>[];
  let footprints: Map<TableRuntime, Footprint>;
  try {
    [counters, footprints] = await Promise.all([
      Promise.all(tables.map(({ rt }) => redis.hgetall(statsKey(prefix, rt.info.schema, rt.info.name)))),
      measureFootprints(redis, prefix, tables.map((t) => t.rt)),
    ]);
  } catch (error) {
    throw redisFailure(redis, error);
  }
  return tables.map((table, n) => {
    const footprint = footprints.get(table.rt);
    if (footprint === undefined) throw new Error(`hotstorage: internal: no footprint for ${table.rt.info.display}`);
    return figuresOf(table, counters[n] ?? {}, footprint);
  });
}

function figuresOf(table: OperatedTable, raw: Record<string, string>, footprint: Footprint): TableFigures {
  const counters = Object.fromEntries(Object.entries(raw).map(([field, value]) => [field, Number(value)]));
  const count = (field: string) => counters[field] ?? 0;
  const hits = count('hits');
  const misses = count('misses');
  return {
    schema: table.rt.info.schema,
    name: table.rt.info.name,
    exportName: table.model.exportName,
    cachedRows: footprint.cachedRows,
    markers: footprint.markers,
    keys: footprint.keys,
    memoryBytes: footprint.memoryBytes,
    memoryEstimated: true,
    approximate: footprint.approximate,
    hits,
    misses,
    fills: count('fills'),
    leaseWaits: count('leaseWaits'),
    invalidations: count('invalidations') + count('outboxInvalidations'),
    errors: count('redisErrors') + count('corrupt'),
    hitRatio: hits + misses === 0 ? null : hits / (hits + misses),
    counters,
  };
}
