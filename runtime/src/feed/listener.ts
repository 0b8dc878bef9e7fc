// hs.listen(): drains the change feed's outbox (see generator/triggers.ts) and invalidates what writes that bypassed
// hotstorage changed. The wake-up is postgres.js LISTEN on its own dedicated connection (it reconnects by itself and
// drains again on every (re)connect, so a lost connection loses nothing: the outbox is the durable part); a polling
// interval is the safety net. LISTEN needs a direct connection (a transaction pooler such as PgBouncer in transaction
// mode does not deliver notifications): pass `sql` for one when the storage's client goes through a pooler.
//
// Each batch is one transaction: DELETE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING, then the
// Redis invalidations, then COMMIT. Several instances drain side by side without taking each other's entries, and an
// entry is gone only once its invalidation succeeded: a Redis failure throws, the transaction rolls back, the entries
// stay for the next try.
import type postgres from 'postgres';
import { OptionError, RedisUnavailableError } from '../errors.js';
import { bumpEpoch } from '../protocol/invalidate.js';
import type { StorageCore } from '../storage/core.js';
import type { TableRuntime } from '../table/table-runtime.js';
import type { Database, Listener, ListenOptions } from '../types.js';
import { invalidateEntries, tableId, type OutboxEntry } from './outbox.js';

type Sql = postgres.Sql<Record<string, never>>;

interface EntryRow {
  id: string;
  table_schema: string;
  table_name: string;
  kind: string;
  pk: string[] | null;
  origin: string | null;
}

/** `tables`: the runtimes of the tables to invalidate (the storage resolves them from its `tables` or the options'). */
export async function startListener(core: StorageCore, tables: readonly TableRuntime[], options: ListenOptions = {}): Promise<Listener> {
  if (!core.changeFeed) {
    throw new OptionError('changeFeed', `hs.listen() needs the change feed: install it (\`hotstorage triggers\`; no table ${core.options.outboxSchema}.outbox was found at startup) or pass changeFeed: true`);
  }
  const sql = (options.sql ?? clientOf(core.db)) as unknown as Sql;
  const batchSize = options.batchSize ?? 500;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const outboxLimit = options.outboxLimit ?? 100_000;
  const schema = core.options.outboxSchema;

  const byId = new Map<string, TableRuntime>();
  for (const rt of tables) {
    await core.epochReady(rt);
    byId.set(tableId(rt.info.schema, rt.info.name), rt);
  }
  const schemas = [...byId.values()].map((rt) => rt.info.schema);
  const names = [...byId.values()].map((rt) => rt.info.name);
  const ours = (tx: postgres.TransactionSql<Record<string, never>>) => tx`(table_schema, table_name) in (select * from unnest(${schemas}::text[], ${names}::text[]))`;

  const drainBatch = (): Promise<number> =>
    sql.begin(async (tx) => {
      const rows = await tx<EntryRow[]>`
        delete from ${tx(schema)}.outbox where id in (
          select id from ${tx(schema)}.outbox where ${ours(tx)} order by id limit ${batchSize} for update skip locked)
        returning id::text as id, table_schema, table_name, kind, pk, origin`;
      const entries: OutboxEntry[] = rows.map((r) => ({ id: r.id, schema: r.table_schema, table: r.table_name, kind: r.kind, pk: r.pk, origin: r.origin }));
      await invalidateEntries(core, byId, entries);
      return rows.length;
    }) as Promise<number>;

  /** A listener down for long leaves more than `outboxLimit` entries: bump the tables they name, drop them. */
  // The span counts our tables' entries only: entries of tables this process does not cache (another application's,
  // drained by its own listener) must not make us invalidate our tables whole.
  const checkBound = async (): Promise<void> => {
    await sql.begin(async (tx) => {
      const [span] = await tx<{ lo: string | null; hi: string | null }[]>`
        select min(id)::text as lo, max(id)::text as hi from ${tx(schema)}.outbox where ${ours(tx)}`;
      if (span?.lo == null || span.hi == null || BigInt(span.hi) - BigInt(span.lo) + 1n <= BigInt(outboxLimit)) return;
      const hi = span.hi;
      const named = await tx<{ table_schema: string; table_name: string }[]>`
        select distinct table_schema, table_name from ${tx(schema)}.outbox where id <= ${hi} and ${ours(tx)}`;
      // Bumped before the delete commits: an entry is never gone before its table is invalidated.
      for (const row of named) {
        const rt = byId.get(tableId(row.table_schema, row.table_name));
        if (rt !== undefined) await bumpEpoch(core, rt);
      }
      await tx`delete from ${tx(schema)}.outbox where id <= ${hi} and ${ours(tx)}`;
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
  // onlisten runs on every (re)connection of the LISTEN connection: catch up on what was written meanwhile.
  const subscription = await sql.listen(schema, () => kick(), () => kick());

  return {
    async stop() {
      running = false;
      clearInterval(timer);
      await subscription.unlisten().catch(() => undefined);
      await draining;
    },
    drain: () => exclusive(async () => {
      await checkBound();
      return drainAll();
    }),
  };
}

function clientOf(db: Database): postgres.Sql {
  const client = (db as unknown as { $client?: unknown }).$client;
  if (typeof client !== 'function' || typeof (client as { listen?: unknown }).listen !== 'function') {
    throw new OptionError('sql', 'hs.listen() needs a postgres.js client: the storage\'s db is not drizzle over postgres.js; pass `sql`');
  }
  return client as postgres.Sql;
}
