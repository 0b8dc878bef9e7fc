// A mixed workload that knows the right answer to every call: each worker owns a few ids and is their only writer, so
// it keeps the exact row each id must have (a model) and checks every read and every write's result against it
// (read-your-writes, invariant 2), while the workers run concurrently against one storage. Gets by id, email and
// (tenant, slug), getMany, save, update (unique columns too), remove, and two-row transactions.
import { drizzle } from 'drizzle-orm/postgres-js';
import { inArray } from 'drizzle-orm';
import type { Storage, User, World } from './world.js';

export interface WorkloadReport {
  ops: number;
  byKind: Record<string, number>;
  /** Calls that threw (the message names the call). */
  errors: string[];
  /** Reads or write results that differed from the model: a stale or lost row. */
  mismatches: string[];
  /** The slowest call, in ms, and what it was. */
  maxMs: number;
  slowest: string;
}

export interface Workload {
  readonly ids: readonly number[];
  /** Calls completed so far. */
  ops(): number;
  /** Resolves once `count` more calls have completed. */
  advance(count: number): Promise<void>;
  stop(): Promise<WorkloadReport>;
  /** Postgres rows of the workload's ids that differ from the model (lost writes): empty when none. */
  lost(): Promise<string[]>;
}

const KINDS = ['getById', 'getById', 'getByEmail', 'getByTenantSlug', 'getMany', 'save', 'update', 'updateEmail', 'remove', 'transaction'] as const;
type Kind = (typeof KINDS)[number];

export async function startWorkload(world: World, storage: Storage, options: { workers: number; idsPerWorker: number; firstId: number }): Promise<Workload> {
  const { users } = world;
  const hs = storage.hs;
  const model = new Map<number, User | null>();
  const report: WorkloadReport = { ops: 0, byKind: {}, errors: [], mismatches: [], maxMs: 0, slowest: '' };
  const owned = Array.from({ length: options.workers }, (_, w) =>
    Array.from({ length: options.idsPerWorker }, (_, i) => options.firstId + w * options.idsPerWorker + i),
  );
  for (const id of owned.flat()) model.set(id, await users.save(hs, { id, email: `u${id}@example.com`, tenantId: 1, slug: `s${id}`, name: 'start', version: 0 }));
  let running = true;
  let seq = 0;
  const waiters: { at: number; resolve: () => void }[] = [];

  const same = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) report.mismatches.push(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };

  async function step(ids: readonly number[], kind: Kind): Promise<void> {
    const id = ids[Math.floor(Math.random() * ids.length)] ?? 0;
    const current = model.get(id) ?? null;
    const n = ++seq;
    switch (kind) {
      case 'getById':
        return same(`getBy id ${id}`, await users.getBy(hs, ['id'], { id }), current);
      case 'getByEmail': {
        const email = current?.email ?? `u${id}@example.com`;
        return same(`getBy email ${email}`, await users.getBy(hs, ['email'], { email }), current);
      }
      case 'getByTenantSlug':
        return same(`getBy tenant/slug of ${id}`, await users.getBy(hs, ['tenantId', 'slug'], { tenantId: 1, slug: `s${id}` }), current);
      case 'getMany':
        return same(`getMany ${ids.join(',')}`, await users.getManyByIdentity(hs, ids.map((i) => ({ id: i }))), ids.map((i) => model.get(i) ?? null));
      case 'save': {
        const row: User = { id, email: current?.email ?? `u${id}@example.com`, tenantId: 1, slug: `s${id}`, name: `saved ${n}`, version: n };
        same(`save ${id}`, await users.save(hs, row), row);
        model.set(id, row);
        return;
      }
      case 'update':
      case 'updateEmail': {
        const patch = kind === 'update' ? { name: `updated ${n}`, version: n } : { email: `u${id}.${n}@example.com`, version: n };
        const expected = current === null ? null : { ...current, ...patch };
        same(`update ${id}`, await users.update(hs, { id }, patch), expected);
        model.set(id, expected);
        return;
      }
      case 'remove':
        same(`remove ${id}`, await users.remove(hs, { id }), current !== null);
        model.set(id, null);
        return;
      case 'transaction': {
        const other = ids[(ids.indexOf(id) + 1) % ids.length] ?? id;
        const expected = new Map<number, User | null>();
        await hs.transaction(async (tx) => {
          for (const target of new Set([id, other])) {
            const row = model.get(target) ?? null;
            const next = row === null ? null : { ...row, name: `tx ${n}`, version: n };
            same(`transaction update ${target}`, await users.update(tx, { id: target }, { name: `tx ${n}`, version: n }), next);
            same(`transaction read ${target}`, await users.getBy(tx, ['id'], { id: target }), next);
            expected.set(target, next);
          }
        });
        for (const [target, row] of expected) model.set(target, row);
        return;
      }
    }
  }

  async function worker(ids: readonly number[]): Promise<void> {
    while (running) {
      const kind = KINDS[Math.floor(Math.random() * KINDS.length)] ?? 'getById';
      const started = performance.now();
      try {
        await step(ids, kind);
      } catch (error) {
        report.errors.push(`${kind} on ${ids.join(',')}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      }
      const ms = performance.now() - started;
      if (ms > report.maxMs) {
        report.maxMs = ms;
        report.slowest = kind;
      }
      report.ops += 1;
      report.byKind[kind] = (report.byKind[kind] ?? 0) + 1;
      for (const waiter of waiters.filter((w) => report.ops >= w.at)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      // Let timers and other workers run between calls (not an ordering sleep).
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  const done = Promise.all(owned.map((ids) => worker(ids)));
  return {
    ids: owned.flat(),
    ops: () => report.ops,
    advance: (count) => new Promise<void>((resolve) => waiters.push({ at: report.ops + count, resolve })),
    async stop() {
      running = false;
      await done;
      return report;
    },
    async lost() {
      const table = world.tables.users;
      const rows = await drizzle(world.admin.sql).select().from(table).where(inArray(table.id, [...model.keys()]));
      const byId = new Map(rows.map((row) => [row.id, row] as const));
      return [...model.entries()]
        .filter(([id, row]) => JSON.stringify(byId.get(id) ?? null) !== JSON.stringify(row))
        .map(([id, row]) => `id ${id}: Postgres has ${JSON.stringify(byId.get(id) ?? null)}, the last write was ${JSON.stringify(row)}`);
    },
  };
}
