// A mixed workload that knows the right answer to every call: each worker owns a few ids and is their only writer, so
// it keeps the exact row each id must have (a model) and checks every read and every write's result against it
// (read-your-writes, invariant 2), while the workers run concurrently. Gets by id, email and (tenant, slug), getMany,
// save, update (unique columns too), remove, and two-row transactions. Shared by the fault suites (one storage, a
// table defined in the suite) and the cluster suites (a storage per worker, the generated accessors): each passes
// its users table as a UsersApi.
import { isDeepStrictEqual } from 'node:util';
import type { Context, HotStorage } from '@hotstorage/runtime';

export type User = { id: number; email: string; tenantId: number; slug: string; name: string; version: number };

/** The users table's calls, whatever defines them. */
export interface UsersApi {
  getById(ctx: Context, id: number): Promise<User | null>;
  getByEmail(ctx: Context, email: string): Promise<User | null>;
  getByTenantSlug(ctx: Context, key: { tenantId: number; slug: string }): Promise<User | null>;
  getMany(ctx: Context, ids: readonly number[]): Promise<(User | null)[]>;
  save(ctx: Context, row: User): Promise<User>;
  update(ctx: Context, id: number, patch: Partial<Omit<User, 'id'>>): Promise<User | null>;
  remove(ctx: Context, id: number): Promise<boolean>;
}

export interface WorkloadReport {
  ops: number;
  byKind: Record<string, number>;
  /** Calls that threw (the message names the call): with a cache that only ever falls back, none may. */
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
  /** The last write of every id (null: removed), for checking Postgres afterwards. */
  model(): ReadonlyMap<number, User | null>;
}

const KINDS = ['getById', 'getById', 'getByEmail', 'getByTenantSlug', 'getMany', 'save', 'update', 'updateEmail', 'remove', 'transaction'] as const;
type Kind = (typeof KINDS)[number];

/** One worker per storage (a storage may appear more than once), each the only writer of its `idsPerWorker` ids from `firstId`, all running until stop(). */
export async function startWorkload(users: UsersApi, storages: readonly HotStorage[], options: { idsPerWorker: number; firstId: number }): Promise<Workload> {
  const model = new Map<number, User | null>();
  const report: WorkloadReport = { ops: 0, byKind: {}, errors: [], mismatches: [], maxMs: 0, slowest: '' };
  const owned = storages.map((_, w) => Array.from({ length: options.idsPerWorker }, (_, i) => options.firstId + w * options.idsPerWorker + i));
  for (const [w, ids] of owned.entries()) {
    const hs = storages[w] as HotStorage;
    for (const id of ids) model.set(id, await users.save(hs, { id, email: `u${id}@example.com`, tenantId: 1, slug: `s${id}`, name: 'start', version: 0 }));
  }
  let running = true;
  let seq = 0;
  const waiters: { at: number; resolve: () => void }[] = [];
  const same = (what: string, actual: unknown, expected: unknown) => {
    if (!isDeepStrictEqual(actual, expected)) report.mismatches.push(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };

  async function step(hs: HotStorage, ids: readonly number[], kind: Kind): Promise<void> {
    const id = ids[Math.floor(Math.random() * ids.length)] ?? 0;
    const current = model.get(id) ?? null;
    const n = ++seq;
    switch (kind) {
      case 'getById':
        return same(`getBy id ${id}`, await users.getById(hs, id), current);
      case 'getByEmail': {
        const email = current?.email ?? `u${id}@example.com`;
        return same(`getBy email ${email}`, await users.getByEmail(hs, email), current);
      }
      case 'getByTenantSlug':
        return same(`getBy tenant/slug of ${id}`, await users.getByTenantSlug(hs, { tenantId: 1, slug: `s${id}` }), current);
      case 'getMany':
        return same(`getMany ${ids.join(',')}`, await users.getMany(hs, ids), ids.map((i) => model.get(i) ?? null));
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
        same(`update ${id}`, await users.update(hs, id, patch), expected);
        model.set(id, expected);
        return;
      }
      case 'remove':
        same(`remove ${id}`, await users.remove(hs, id), current !== null);
        model.set(id, null);
        return;
      case 'transaction': {
        const other = ids[(ids.indexOf(id) + 1) % ids.length] ?? id;
        const expected = new Map<number, User | null>();
        await hs.transaction(async (tx) => {
          for (const target of new Set([id, other])) {
            const row = model.get(target) ?? null;
            const next = row === null ? null : { ...row, name: `tx ${n}`, version: n };
            same(`transaction update ${target}`, await users.update(tx, target, { name: `tx ${n}`, version: n }), next);
            same(`transaction read ${target}`, await users.getById(tx, target), next);
            expected.set(target, next);
          }
        });
        for (const [target, row] of expected) model.set(target, row);
        return;
      }
    }
  }

  async function worker(hs: HotStorage, ids: readonly number[]): Promise<void> {
    while (running) {
      const kind = KINDS[Math.floor(Math.random() * KINDS.length)] ?? 'getById';
      const started = performance.now();
      try {
        await step(hs, ids, kind);
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
      await new Promise((resolve) => setImmediate(resolve)); // let timers and other workers run (not an ordering sleep)
    }
  }

  const done = Promise.all(storages.map((hs, w) => worker(hs, owned[w] ?? [])));
  return {
    ids: owned.flat(),
    ops: () => report.ops,
    advance: (count) => new Promise<void>((resolve) => waiters.push({ at: report.ops + count, resolve })),
    async stop() {
      running = false;
      await done;
      return report;
    },
    model: () => model,
  };
}
