// The README's usage example, as a program: `node --import tsx example/usage.ts` runs it against DATABASE_URL and
// REDIS_URL; test/runtime/usage-example.test.ts runs `tour` in a Postgres schema and key prefix of its own and checks
// that README.md shows the region between the README markers verbatim, so the README cannot go stale.
// README:begin
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { pathToFileURL } from 'node:url';
import { createHotStorage } from '@hotstorage/runtime';
import * as hot from './hot/index.js'; // generated from ./db/schema.ts by `npm run example`

export async function tour({ db, redis, prefix }: { db: PostgresJsDatabase; redis: Redis; prefix: string }) {
  const hs = await createHotStorage({ db, redis, prefix, tables: hot });
  try {
    // save: insert or update in Postgres, then the row and its unique pointers go to Redis
    const acme = await hot.tenants.save(hs, { slug: 'acme', name: 'Acme Tea' });
    const ada = await hot.users.save(hs, { email: 'ada@acme.test', displayName: 'Ada' });
    await hot.memberships.save(hs, { tenantId: acme.id, userId: ada.id, role: 'owner' });
    const sencha = await hot.products.save(hs, { tenantId: acme.id, sku: 'TEA-01', name: 'Sencha', priceCents: 900 });

    // reads: a hit is one Redis round trip and no SQL; a miss reads Postgres once and fills the cache
    const byId = await hot.users.getByPk(hs, ada.id);
    const byEmail = await hot.users.getByEmail(hs, 'ada@acme.test');
    const bySku = await hot.products.getByTenantIdAndSku(hs, { tenantId: acme.id, sku: 'TEA-01' });
    const role = (await hot.memberships.getByPk(hs, { tenantId: acme.id, userId: ada.id }))?.role;
    const many = await hot.products.getManyByPk(hs, [sencha.id, -1]); // input order, null where absent

    // update: these columns only; the cached row follows
    const repriced = await hot.products.update(hs, sencha.id, { priceCents: 950 });

    // a transaction: the cache is updated after COMMIT; a body that throws leaves Redis as it was
    const bob = await hs.transaction(async (tx) => {
      const user = await hot.users.save(tx, { email: 'bob@acme.test', displayName: 'Bob' });
      await hot.memberships.save(tx, { tenantId: acme.id, userId: user.id, role: 'member' });
      return user;
    });
    const bobByEmail = await hot.users.getByEmail(hs, 'bob@acme.test');

    // lists, one per foreign key or non-unique index: the rows whose tenantId is acme's, ordered by primary key, a
    // page at a time (`limit`, `after`); a hit is one round trip (the list and its rows; two on a Cluster), no SQL.
    // Every write that changes a list's members (the transaction above joined bob) invalidates it before the next read.
    const team = await hot.memberships.listByTenantId(hs, acme.id); // ada (owner), then bob (member)
    const catalog = await hot.products.listByTenantId(hs, acme.id, { limit: 20 });
    // `where`: equality on the rows' other columns, filtered from the cached list (typed: a wrong column is an error)
    const owners = await hot.memberships.listByTenantId(hs, acme.id, { where: { role: 'owner' } }); // ada

    // remove: the row is deleted, and a short tombstone in Redis answers the next read. The tenant's foreign keys
    // cascade (ON DELETE CASCADE): its memberships and products go too, in Postgres and, read in the same
    // transaction, in Redis (their rows and lists), with or without the change feed
    await hot.tenants.remove(hs, acme.id);
    for (const user of [ada, bob]) await hot.users.remove(hs, user.id);
    const afterRemove = await hot.products.getByPk(hs, sencha.id); // null, from the tombstone the cascade left
    const teamAfter = await hot.memberships.listByTenantId(hs, acme.id); // []

    return { ada, byId, byEmail, sencha, bySku, role, many, repriced, bob, bobByEmail, team, catalog, owners, afterRemove, teamAfter, stats: hs.stats() };
  } finally {
    hs.close(); // the clients are yours: close them yourself
  }
}

// Run as a program: the example's tables live in a schema of their own (EXAMPLE_SCHEMA, default hotstorage_example),
// found through the connection's search_path; createTables (below) makes them if absent. The tour removes what it
// created, so it can run again.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const schema = process.env.EXAMPLE_SCHEMA ?? 'hotstorage_example';
  const client = postgres(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', { connection: { search_path: schema } });
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    await createTables(client, schema);
    const { repriced, bobByEmail, afterRemove, stats } = await tour({ db: drizzle(client), redis, prefix: `${schema}:` });
    console.log({ repriced, bobByEmail, afterRemove, hits: stats.hits, misses: stats.misses, writes: stats.writes });
  } finally {
    await client.end();
    redis.disconnect();
  }
}
// README:end

/** The tables of ./db/schema.ts in `schema`, created if absent (an application would run its migrations instead). */
export async function createTables(sql: postgres.Sql, schema: string): Promise<void> {
  const s = `"${schema.replace(/"/g, '""')}"`;
  await sql.unsafe(`
    create schema if not exists ${s};
    create table if not exists ${s}.tenants (
      id uuid primary key default gen_random_uuid(), slug text not null unique, name text not null,
      created_at timestamptz not null default now());
    create table if not exists ${s}.users (
      id integer primary key generated always as identity, email text not null unique, display_name text not null,
      created_at timestamptz not null default now());
    create table if not exists ${s}.memberships (
      tenant_id uuid not null references ${s}.tenants (id) on delete cascade,
      user_id integer not null references ${s}.users (id) on delete cascade,
      role text not null, primary key (tenant_id, user_id));
    create table if not exists ${s}.products (
      id integer primary key generated always as identity,
      tenant_id uuid not null references ${s}.tenants (id) on delete cascade,
      sku text not null, name text not null, price_cents integer not null, active boolean not null default true,
      constraint products_tenant_sku unique (tenant_id, sku));
  `);
}
