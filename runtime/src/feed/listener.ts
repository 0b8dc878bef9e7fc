// hs.listen(): drains the change feed's outbox (see generator/triggers.ts) and invalidates what writes that bypassed
// hotstorage changed. The wake-up is LISTEN on a dedicated connection (feed/feed-client.ts: postgres.js's own, or a
// node-postgres Client the listener keeps; it reconnects and drains again on every (re)connect, so a lost connection
// loses nothing: the outbox is the durable part); a polling interval is the safety net. LISTEN needs a direct
// connection (a transaction pooler such as PgBouncer in transaction mode does not deliver notifications): pass `sql`
// for one when the storage's client goes through a pooler.
//
// Each batch is one transaction: DELETE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING, then the
// Redis invalidations, then COMMIT. Several instances drain side by side without taking each other's entries, and an
// entry is gone only once its invalidation succeeded: a Redis failure throws, the transaction rolls back, the entries
// stay for the next try.
import { OptionError, RedisUnavailableError } from '../errors.js';
import { bumpEpoch } from '../protocol/invalidate.js';
import type { StorageCore } from '../storage/core.js';
import type { TableRuntime } from '../table/table-runtime.js';
import type { Listener, ListenOptions } from '../types.js';
import { feedClientFor, type Query } from './feed-client.js';
import { invalidateEntries, tableId, type OutboxEntry } from './outbox.js';

interface EntryRow {
  id: string;
  table_schema: string;
  table_name: string;
  kind: string;
  pk: string[] | null;
  origin: string | null;
  lists: unknown;
}

/** `tables`: the runtimes of the tables to invalidate (the storage resolves them from its `tables` or the options'). */
export async function startListener(core: StorageCore, tables: readonly TableRuntime[], options: ListenOptions = {}): Promise<Listener> {
  const batchSize = options.batchSize ?? 500;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const outboxLimit = options.outboxLimit ?? 100_000;
  const schema = core.options.outboxSchema;

  const byId = new Map<string, TableRuntime>();
  for (const rt of tables) {
    await core.tableReady(rt);
    // A table without the feed has no entries to drain (hs.changeFeed() and its changeFeedOff event say so).
    if (core.hasFeed(rt)) byId.set(tableId(rt.info.schema, rt.info.name), rt);
  }
  if (byId.size === 0) {
    throw new OptionError('changeFeed', `hs.listen() needs the change feed: none of the tables (${tables.map((rt) => rt.info.display).join(', ')}) has its capture triggers calling ${schema} (install them with \`hotstorage triggers\`), or pass changeFeed: true`);
  }
  const client = feedClientFor(options.sql ?? (core.db as { $client?: unknown }).$client, options.sql === undefined, (error) => options.onError?.(error));
  const outbox = `${quoteIdent(schema)}.outbox`;
  // Our tables' entries only, as ($1, $2), ($3, $4)...: the parameters come after the ones the statement sets itself.
  const ownTables = [...byId.values()].flatMap((rt) => [rt.info.schema, rt.info.name]);
  const ours = (first: number) =>
    `(table_schema, table_name) in (${[...byId.keys()].map((_, i) => `($${first + 2 * i}::text, $${first + 2 * i + 1}::text)`).join(', ')})`;

  const drainBatch = (): Promise<number> =>
    client.transaction(async (query) => {
      const rows = await query<EntryRow>(
        // The drain's COMMIT need not wait for the WAL to reach disk (synchronous_commit off, for this transaction
        // only, set by the same statement: no round trip of its own). A delete lost in a crash brings its entries back,
        // and invalidating a row twice is harmless. Under load that wait was the drain's longest step, and a wake-up
        // arriving during a drain waits for it: COMMIT p50 6.5 → 2.6 ms, p99 63 → 40 ms (README.md, "Staleness bound").
        // `lists` through to_jsonb: an outbox made before lists has no such column, and answers null for it.
        `delete from ${outbox} as entry where id in (
          select id from ${outbox} where ${ours(2)} order by id limit $1 for update skip locked)
          and (select set_config('synchronous_commit', 'off', true)) = 'off'
        returning id::text as id, table_schema, table_name, kind, pk, origin, to_jsonb(entry) -> 'lists' as lists`,
        [batchSize, ...ownTables],
      );
      const entries: OutboxEntry[] = rows.map((r) => ({ id: r.id, schema: r.table_schema, table: r.table_name, kind: r.kind, pk: r.pk, origin: r.origin, lists: listValues(r.lists) }));
      await invalidateEntries(core, byId, entries);
      return rows.length;
    });

  /** A listener down for long leaves more than `outboxLimit` entries: bump the tables they name, drop them. */
  // The span counts our tables' entries only: entries of tables this process does not cache (another application's,
  // drained by its own listener) must not make us invalidate our tables whole.
  // One check at a time in this process (the poll's and drain()'s): two side by side would each see the same span and
  // bump the tables twice.
  let bounding: Promise<void> | undefined;
  const checkBound = (): Promise<void> =>
    (bounding ??= checkBoundOnce().finally(() => {
      bounding = undefined;
    }));
  const checkBoundOnce = async (): Promise<void> => {
    await client.transaction(async (query: Query) => {
      const [span] = await query<{ lo: string | null; hi: string | null }>(
        `select min(id)::text as lo, max(id)::text as hi from ${outbox} where ${ours(1)}`,
        ownTables,
      );
      if (span?.lo == null || span.hi == null || BigInt(span.hi) - BigInt(span.lo) + 1n <= BigInt(outboxLimit)) return;
      const hi = span.hi;
      const named = await query<{ table_schema: string; table_name: string }>(
        `select distinct table_schema, table_name from ${outbox} where id <= $1::bigint and ${ours(2)}`,
        [hi, ...ownTables],
      );
      // Bumped before the delete commits: an entry is never gone before its table is invalidated.
      for (const row of named) {
        const rt = byId.get(tableId(row.table_schema, row.table_name));
        if (rt !== undefined) await bumpEpoch(core, rt);
      }
      await query(`delete from ${outbox} where id <= $1::bigint and ${ours(2)}`, [hi, ...ownTables]);
    });
  };

  let running = true;
  // One drain at a time in this process: the background drain (woken by NOTIFY or the poll) and drain() take turns.
  // Side by side, drain() would skip the entries the background drain has locked (SKIP LOCKED) and return before
  // their invalidation landed, and its caller would read what it had just been told was invalidated.
  let draining: Promise<number> | undefined;
  let again = false;
  const drainAll = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const n = await drainBatch();
      total += n;
      if (n < batchSize || !running) return total;
    }
  };
  const failed = (error: unknown) => {
    // Postgres or Redis failing: the entries stay; the next wake-up or poll tries again.
    if (error instanceof RedisUnavailableError || (error instanceof Error && error.name === 'ReplyError')) core.redisError(error);
    options.onError?.(error);
  };
  let waiting = 0; // drain() calls waiting for their turn
  /** Runs `job` once no drain is under way; wake-ups that arrive meanwhile are folded into one drain after it. */
  const exclusive = async (job: () => Promise<number>): Promise<number> => {
    waiting += 1;
    while (draining !== undefined) await draining;
    waiting -= 1;
    const run = job();
    const settled = run.catch(() => 0);
    draining = settled;
    void settled.finally(() => {
      draining = undefined;
      // A drain() waiting goes first (a stream of wake-ups must not starve it); its own end kicks the folded ones.
      if (again && waiting === 0) {
        again = false;
        kick();
      }
    });
    return run;
  };
  const kick = (): void => {
    if (!running) return;
    if (draining !== undefined || waiting > 0) {
      again = true;
      return;
    }
    void exclusive(drainAll).catch(failed);
  };

  const timer = setInterval(() => {
    void checkBound().catch(failed).finally(kick);
  }, pollIntervalMs);
  timer.unref();
  // A listener that was down for long starts with the bound check, before any drain takes the entries row by row.
  await checkBound().catch(failed);
  // onListen runs on every (re)connection of the LISTEN connection: catch up on what was written meanwhile.
  await client.listen(schema, () => kick(), () => kick());

  return {
    async stop() {
      running = false;
      clearInterval(timer);
      await draining;
      await client.close();
    },
    drain: () => exclusive(async () => {
      await checkBound();
      return drainAll();
    }),
  };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The entry's `lists` (jsonb: parsed by the driver, or its text): a list of texts and nulls, else null. */
function listValues(value: unknown): (string | null)[] | null {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(parsed) || !parsed.every((item): item is string | null => item === null || typeof item === 'string')) return null;
  return parsed;
}
