// The fault suites' workload: the shared one (test/helpers/workload.ts: workers that each own their ids and check every
// call against their model) over the suite's users table and one storage, plus the check that Postgres holds every
// last write.
import { drizzle } from 'drizzle-orm/postgres-js';
import { inArray } from 'drizzle-orm';
import { startWorkload as startShared, type UsersApi, type Workload as SharedWorkload } from '../helpers/workload.js';
import type { Storage, World } from './world.js';

export interface Workload extends SharedWorkload {
  /** Postgres rows of the workload's ids that differ from the model (lost writes): empty when none. */
  lost(): Promise<string[]>;
}

/** The suite's users table (defined in test/faults/world.ts) as the shared workload calls it. */
function usersOf(world: World): UsersApi {
  const { users } = world;
  return {
    getById: (ctx, id) => users.getBy(ctx, ['id'], { id }),
    getByEmail: (ctx, email) => users.getBy(ctx, ['email'], { email }),
    getByTenantSlug: (ctx, key) => users.getBy(ctx, ['tenantId', 'slug'], key),
    getMany: (ctx, ids) => users.getManyByIdentity(ctx, ids.map((id) => ({ id }))),
    save: (ctx, row) => users.save(ctx, row),
    update: (ctx, id, patch) => users.update(ctx, { id }, patch),
    remove: (ctx, id) => users.remove(ctx, { id }),
  };
}

export async function startWorkload(world: World, storage: Storage, options: { workers: number; idsPerWorker: number; firstId: number }): Promise<Workload> {
  const shared = await startShared(usersOf(world), Array.from({ length: options.workers }, () => storage.hs), options);
  return {
    ...shared,
    async lost() {
      const table = world.tables.users;
      const model = shared.model();
      const rows = await drizzle(world.admin.sql).select().from(table).where(inArray(table.id, [...model.keys()]));
      const byId = new Map(rows.map((row) => [row.id, row] as const));
      return [...model.entries()]
        .filter(([id, row]) => JSON.stringify(byId.get(id) ?? null) !== JSON.stringify(row))
        .map(([id, row]) => `id ${id}: Postgres has ${JSON.stringify(byId.get(id) ?? null)}, the last write was ${JSON.stringify(row)}`);
    },
  };
}
