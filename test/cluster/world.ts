// Shared by the cluster suites: the users table's keyspace as the runtime lays it out, the audit every suite ends with
// (each cached row equals Postgres or is a marker, each pointer leads to a row carrying its value, each getter answers
// what Postgres holds), and the shared workload (test/helpers/workload.ts) run through the generated accessors.
import { isDeepStrictEqual } from 'node:util';
import { onNode } from '../helpers/redis-cluster.js';
import { rowCodecFor } from '../../runtime/src/codecs/row-codec.js';
import { shapeHash, tableKeyspace, type TableKeyspace, unescapeKeyPart } from '../../runtime/src/table/keys.js';
import { ABSENT, INVALID, OVERSIZED } from '../../runtime/src/codecs/markers.js';
import * as db from '../runtime/db/schema.js';
import type { Harness, Storage } from '../runtime/harness.js';
import { users } from '../runtime/hot/index.js';
import { startWorkload, type User, type UsersApi, type Workload } from '../helpers/workload.js';

/** The keyspace test/runtime/hot/users.ts was generated for (schema public as Drizzle sees it). */
export function usersKeyspace(prefix: string): TableKeyspace {
  const shape = shapeHash({ signature: rowCodecFor(db.users).signature, identity: ['id'], uniqueKeys: [['email'], ['tenantId', 'slug']] });
  return tableKeyspace({ prefix, schema: 'public', table: 'users', shape });
}

export async function postgresUsers(h: Harness): Promise<Map<number, User>> {
  const rows = (await h.admin.sql.unsafe(`select id, email, tenant_id, slug, name, version from "${h.schema}".users`)) as unknown as {
    id: number; email: string; tenant_id: number; slug: string; name: string; version: number;
  }[];
  return new Map(rows.map((r) => [r.id, { id: r.id, email: r.email, tenantId: r.tenant_id, slug: r.slug, name: r.name, version: r.version }]));
}

export interface ClusterAudit {
  rows: number;
  markers: number;
  pointers: number;
  /** Pointers naming a cached row that no longer carries their value: hints a lookup re-checks (a miss, never a wrong row). */
  stalePointers: number;
  /** Everything that disagrees with Postgres: stale or corrupt rows, pointers to a row not carrying their value, wrong getters. */
  problems: string[];
}

/** Invariant 1 at quiescence, over every key of the prefix on every node (`h` on the cluster), then every getter for `ids`. */
export async function auditCluster(h: Harness, checker: Storage, ids: readonly number[]): Promise<ClusterAudit> {
  const ks = usersKeyspace(h.prefix);
  const codec = rowCodecFor(db.users);
  const inDb = await postgresUsers(h);
  // string keys only (rows, markers, pointers): what the checks below read
  const dump = new Map(Object.entries(await h.dump()).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const result: ClusterAudit = { rows: 0, markers: 0, pointers: 0, stalePointers: 0, problems: [] };
  const rowKey = new RegExp(`^${ks.rowPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+)\\}$`);
  const decoded = new Map<string, User | null | 'marker'>();
  for (const [key, value] of dump) {
    const match = rowKey.exec(key);
    if (match === null) continue;
    const id = Number(match[1]);
    if (value === INVALID || value === OVERSIZED) {
      result.markers += 1;
      decoded.set(key, 'marker');
      continue;
    }
    const cached = value === ABSENT ? null : ((codec.decode(value) as User | undefined) ?? 'corrupt');
    if (value === ABSENT) result.markers += 1;
    else result.rows += 1;
    decoded.set(key, cached === 'corrupt' ? 'marker' : cached);
    if (!isDeepStrictEqual(cached, inDb.get(id) ?? null)) result.problems.push(`row ${id} is stale: cached ${JSON.stringify(cached)}, Postgres ${JSON.stringify(inDb.get(id) ?? null)}`);
  }
  // On a cluster, pointers live in other slots than their rows and stale ones are left to expire (runtime/README.md,
  // "Redis Cluster"): each is counted, and a lookup by its value must still answer exactly what Postgres holds.
  for (const [key, tag] of dump) {
    const email = key.startsWith(`${ks.base}:email=`) ? unescapeKeyPart(key.slice(`${ks.base}:email=`.length)) : undefined;
    const tenantSlug = /^:tenant_id=([^:]*):slug=([^:]*)$/.exec(key.slice(ks.base.length));
    if (email === undefined && tenantSlug === null) continue;
    result.pointers += 1;
    const target = decoded.get(ks.rowKeysForTag(tag).row);
    if (target !== undefined && target !== 'marker' && target !== null) {
      const carries = key === ks.pointer(['email'], [target.email]) || key === ks.pointer(['tenant_id', 'slug'], [String(target.tenantId), target.slug]);
      if (!carries) result.stalePointers += 1;
    }
    const want = [...inDb.values()].find((u) =>
      email !== undefined ? u.email === email : String(u.tenantId) === unescapeKeyPart(tenantSlug?.[1] ?? '') && u.slug === unescapeKeyPart(tenantSlug?.[2] ?? ''),
    ) ?? null;
    const got = email !== undefined
      ? await users.getByEmail(checker.hs, email)
      : await users.getByTenantIdAndSlug(checker.hs, { tenantId: Number(unescapeKeyPart(tenantSlug?.[1] ?? '')), slug: unescapeKeyPart(tenantSlug?.[2] ?? '') });
    if (!isDeepStrictEqual(got, want)) result.problems.push(`lookup through pointer ${key}: ${JSON.stringify(got)}, Postgres ${JSON.stringify(want)}`);
  }
  const many = await users.getManyByPk(checker.hs, ids);
  for (const [i, id] of ids.entries()) {
    const want = inDb.get(id) ?? null;
    const got = { byPk: await users.getByPk(checker.hs, id), many: many[i] ?? null };
    if (!isDeepStrictEqual(got.byPk, want)) result.problems.push(`getByPk ${id}: ${JSON.stringify(got.byPk)}, Postgres ${JSON.stringify(want)}`);
    if (!isDeepStrictEqual(got.many, want)) result.problems.push(`getManyByPk ${id}: ${JSON.stringify(got.many)}, Postgres ${JSON.stringify(want)}`);
    if (want === null) continue;
    const byEmail = await users.getByEmail(checker.hs, want.email);
    if (!isDeepStrictEqual(byEmail, want)) result.problems.push(`getByEmail of ${id}: ${JSON.stringify(byEmail)}`);
    const bySlug = await users.getByTenantIdAndSlug(checker.hs, { tenantId: want.tenantId, slug: want.slug });
    if (!isDeepStrictEqual(bySlug, want)) result.problems.push(`getByTenantIdAndSlug of ${id}: ${JSON.stringify(bySlug)}`);
  }
  return result;
}

/** The generated accessors of test/runtime/hot/users.ts as the shared workload (test/helpers/workload.ts) calls them. */
const generatedUsers: UsersApi = {
  getById: users.getByPk,
  getByEmail: users.getByEmail,
  getByTenantSlug: users.getByTenantIdAndSlug,
  getMany: users.getManyByPk,
  save: users.save,
  update: users.update,
  remove: users.remove,
};

/** The shared workload through the generated accessors, one worker per storage (each with its own cluster client). */
export function startClusterWorkload(storages: readonly Storage[], options: { idsPerWorker: number; firstId: number }): Promise<Workload> {
  return startWorkload(generatedUsers, storages.map((s) => s.hs), options);
}

/** Master node ids by port, and which port serves `slot`, from CLUSTER NODES / CLUSTER SLOTS of one node. */
export async function clusterLayout(node: { host: string; port: number }): Promise<{ idOf: Map<number, string>; ownerOf(slot: number): number | undefined }> {
  return onNode(node, async (redis) => {
    const text = String(await redis.call('CLUSTER', 'NODES'));
    const idOf = new Map<number, string>();
    for (const line of text.trim().split('\n')) {
      const [id = '', address = ''] = line.split(' ');
      idOf.set(Number(/:(\d+)@/.exec(address)?.[1]), id);
    }
    const ranges = (await redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]], ...unknown[]][];
    return {
      idOf,
      ownerOf: (slot) => {
        const range = ranges.find(([from, to]) => slot >= from && slot <= to);
        return range?.[2][1];
      },
    };
  });
}

/** The cluster slot of a key (CRC16 of its hash tag), as the cluster itself computes it. */
export async function keySlot(node: { host: string; port: number }, key: string): Promise<number> {
  return onNode(node, async (redis) => Number(await redis.call('CLUSTER', 'KEYSLOT', key)));
}
