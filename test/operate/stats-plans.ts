// The plans the stats tests run through application storages (two processes, or one on a cluster), what they must
// add up to, and the shape of `stats --json` the tests read.
import * as assert from 'uvu/assert';
import type { HotStorage, HotTable } from '@hotstorage/runtime';
import type { OperateWorld, SchemaTables } from './world.js';

export type Step =
  | { readonly users: 'byPk'; readonly ids: readonly number[] }
  | { readonly users: 'save'; readonly id: number }
  | { readonly members: 'bySlug'; readonly keys: readonly (readonly [number, string])[] }
  | { readonly members: 'save'; readonly id: string; readonly tenantId: number; readonly slug: string };

export interface Hot {
  readonly users: HotTable<SchemaTables['users']>;
  readonly members: HotTable<SchemaTables['members']>;
}

const NEW_MEMBER = '00000000-0000-4000-8000-000000000001';

/** Process A (a child process): users 1-10 missed then hit, an absent user, a save; three members missed, one hit. */
export const PLAN_A: Step[] = [
  { users: 'byPk', ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
  { users: 'byPk', ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
  { users: 'byPk', ids: [5000] },
  { users: 'save', id: 1 },
  { members: 'bySlug', keys: [[1, 'm1'], [2, 'm2'], [3, 'm3']] },
  { members: 'bySlug', keys: [[1, 'm1']] },
];
/** Process B (this process, after A): users 5-10 hit (A cached them), 11-15 missed, the absence hit; a member hit, one saved. */
export const PLAN_B: Step[] = [
  { users: 'byPk', ids: [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] },
  { users: 'byPk', ids: [5000] },
  { users: 'save', id: 20 },
  { members: 'bySlug', keys: [[2, 'm2']] },
  { members: 'save', id: NEW_MEMBER, tenantId: 9, slug: 'new' },
];

export async function runPlan(hot: Hot, hs: HotStorage, plan: readonly Step[]): Promise<void> {
  for (const step of plan) {
    if ('users' in step) {
      if (step.users === 'byPk') for (const id of step.ids) await hot.users.getBy(hs, ['id'], { id });
      else await hot.users.save(hs, { id: step.id, email: `u${step.id}@example.com`, name: `saved ${step.id}`, version: 2 });
    } else if (step.members === 'bySlug') {
      for (const [tenantId, slug] of step.keys) await hot.members.getBy(hs, ['tenantId', 'slug'], { tenantId, slug });
    } else {
      await hot.members.save(hs, { id: step.id, tenantId: step.tenantId, slug: step.slug, note: null });
    }
  }
}

/** The cached absence of user 5000 must outlive the run up to `stats` (the default 10 s does not on a loaded machine). */
export const ABSENCE_KEPT_MS = 600_000;

/** The figures PLAN_A then PLAN_B leave, whichever processes ran them. */
export const EXPECTED = {
  users: { hits: 10 + 6 + 1, misses: 10 + 1 + 5, fills: 10 + 1 + 5, writes: 2, leaseWaits: 0, errors: 0 },
  members: { hits: 1 + 1, misses: 3, fills: 3, writes: 1, leaseWaits: 0, errors: 0 },
  /** Rows 1-15 and 20 of users, members m1-m3 and the new one; the cached absence of user 5000 is a marker, not a row. */
  rows: { users: 16, usersMarkers: 1, members: 4 },
};

/** One table of `stats --json`. */
export interface JsonTable {
  schema: string;
  name: string;
  cachedRows: number;
  markers: number;
  memoryBytes: number;
  hits: number;
  misses: number;
  fills: number;
  leaseWaits: number;
  invalidations: number;
  errors: number;
  hitRatio: number | null;
  counters: Record<string, number>;
}

/** The figures the plans fix, from one table of `stats --json`. */
export function planFigures(t: JsonTable) {
  return { hits: t.hits, misses: t.misses, fills: t.fills, writes: t.counters.writes, leaseWaits: t.leaseWaits, errors: t.errors };
}

/** `hotstorage stats --json [args]` in the world (env over its own), which must succeed quietly. */
export async function statsJson(world: OperateWorld, args: readonly string[] = [], env: Record<string, string | undefined> = {}): Promise<JsonTable[]> {
  const run = await world.cli(['stats', '--json', ...args], env);
  assert.is(run.stderr, '');
  assert.is(run.code, 0);
  return (JSON.parse(run.stdout) as { tables: JsonTable[] }).tables;
}
