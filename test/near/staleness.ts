// The staleness check of test/near/multiprocess.test.ts, over the logs of every process: each row has one writer, so
// its versions were committed in order, and a read that began at t must show a version at least as new as the newest
// one whose write returned before t − bound (bound 0 in the writer's own process: read-your-writes). What a read showed
// is a version (a row carries its version) or, for an absence or a list without the row, any version that left the row
// absent or elsewhere and whose write began before the read ended: the newest of those is taken, so a read is never
// called stale for a version it could not have shown.
import { ownerOf, seedChatOf, type Observation, type ReadRecord, type Seen, type Table, type WriteRecord } from './multiprocess-plan.js';

/** A version of a row: what its write left (a message's chat, 0 for a user, null: removed), when it began and returned. */
interface Version {
  readonly chatId: number | null;
  readonly startedAt: number;
  readonly returnedAt: number;
}

export interface StalenessReport {
  readonly reads: number;
  readonly nearReads: number;
  readonly observations: number;
  /** How far behind the newest write returned before it began a read was (ms): the first newer write's return to its start. */
  readonly maxLagMs: number;
  /** Of the reads memory alone served, and of those it served none of (Redis is written before a write returns). */
  readonly maxNearLagMs: number;
  readonly maxRedisLagMs: number;
  /** The read behind by maxLagMs, described ('' when none was behind). */
  readonly mostBehind: string;
  /** Observations behind by anything at all (a write of the row returned before the read began, and it was not shown). */
  readonly behind: number;
  readonly violations: readonly string[];
}

const fromMemory = (read: ReadRecord): boolean => read.nearHits > 0 && read.nearMisses === 0;
const servedFrom = (read: ReadRecord): string => (fromMemory(read) ? 'memory' : read.nearHits > 0 ? 'memory and Redis' : 'Redis');

/** Every row's versions in order; version 0 is the seed, in Postgres before any process started. */
function histories(rows: readonly { table: Table; id: number }[], writes: readonly WriteRecord[], seededAt: number): Map<string, Version[]> {
  const byRow = new Map<string, Version[]>();
  for (const { table, id } of rows) byRow.set(`${table}:${id}`, [{ chatId: table === 'users' ? 0 : seedChatOf(id), startedAt: -Infinity, returnedAt: seededAt }]);
  for (const w of [...writes].sort((a, b) => a.version - b.version)) {
    const versions = byRow.get(`${w.table}:${w.id}`);
    if (versions === undefined) throw new Error(`${w.table} ${w.id} was written but is not among the rows`);
    if (versions.length !== w.version) throw new Error(`${w.table} ${w.id}: version ${w.version} logged after ${versions.length - 1}`);
    versions.push({ chatId: w.chatId, startedAt: w.startedAt, returnedAt: w.returnedAt });
  }
  return byRow;
}

/** The newest version whose write returned before `t` (writes of one row return in version order: its writer awaits each). */
function newestBefore(versions: readonly Version[], t: number): number {
  let newest = -1;
  for (const [v, version] of versions.entries()) {
    if (version.returnedAt < t) newest = v;
    else break;
  }
  return newest;
}

/** The newest version `seen` may have been, among those whose write began before the read ended (-1: none could be). */
function shown(versions: readonly Version[], seen: Seen, endedAt: number): number {
  for (let v = versions.length - 1; v >= 0; v--) {
    const version = versions[v] as Version;
    if (version.startedAt > endedAt) continue;
    if (seen.kind === 'row' && v === seen.version) return seen.intact && version.chatId === seen.chatId ? v : -1;
    if (seen.kind === 'absent' && version.chatId === null) return v;
    if (seen.kind === 'notInList' && version.chatId !== seen.chatId) return v;
  }
  return -1;
}

export function checkStaleness(
  writes: readonly WriteRecord[],
  reads: readonly ReadRecord[],
  options: {
    readonly seededAt: number;
    /** When the workload began (times in the report's lines are from it). */
    readonly startedAt: number;
    readonly boundMs: number;
    /** Every row read, written or not. */
    readonly rows: readonly { table: Table; id: number }[];
  },
): StalenessReport {
  const byRow = histories(options.rows, writes, options.seededAt);
  const violations: string[] = [];
  let observations = 0;
  let maxLagMs = 0;
  let maxNearLagMs = 0;
  let maxRedisLagMs = 0;
  let behind = 0;
  let mostBehind = '';
  const describe = (read: ReadRecord, o: Observation) =>
    `process ${read.process} ${read.op} at +${(read.startedAt - options.startedAt).toFixed(1)} ms (${servedFrom(read)}) showed ${o.table} ${o.id} as ${JSON.stringify(o.seen)}`;
  for (const read of reads) {
    for (const o of read.observations) {
      observations += 1;
      const versions = byRow.get(`${o.table}:${o.id}`) ?? [];
      const boundMs = ownerOf(o.id).process === read.process ? 0 : options.boundMs;
      const required = newestBefore(versions, read.startedAt - boundMs);
      const newest = newestBefore(versions, read.startedAt);
      const v = shown(versions, o.seen, read.endedAt);
      if (v === -1) {
        violations.push(`${describe(read, o)}: no version written before the read ended was that`);
        continue;
      }
      if (v < newest) {
        behind += 1;
        const lag = read.startedAt - (versions[v + 1] as Version).returnedAt;
        if (lag > maxLagMs) mostBehind = `${describe(read, o)}: version ${v}, ${lag.toFixed(1)} ms after version ${v + 1} returned`;
        maxLagMs = Math.max(maxLagMs, lag);
        if (fromMemory(read)) maxNearLagMs = Math.max(maxNearLagMs, lag);
        if (read.nearHits === 0) maxRedisLagMs = Math.max(maxRedisLagMs, lag);
      }
      if (v < required) {
        const returned = (versions[required] as Version).returnedAt;
        violations.push(`${describe(read, o)}: version ${v}, but version ${required} had returned ${(read.startedAt - returned).toFixed(1)} ms before (bound ${boundMs} ms)`);
      }
    }
  }
  return { reads: reads.length, nearReads: reads.filter(fromMemory).length, observations, maxLagMs, maxNearLagMs, maxRedisLagMs, mostBehind, behind, violations };
}
