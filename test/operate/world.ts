// A user's project for the operating commands: a schema file under .tmp/ (tables in a Postgres schema of this run's
// own), a config file, the tables created and seeded in Postgres, a Redis prefix of its own, the CLI run as its own
// process with that prefix, and application storages on the same prefix (what the commands must agree with).
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { PgTable } from 'drizzle-orm/pg-core';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { defineTable, type HotTable } from '@hotstorage/runtime';
import { type TestStorageOptions } from '@hotstorage/runtime/testing';
import { type CliRun, makeProject, removeProject, runCli } from '../helpers/project.js';
import { type AppStorage, connectPostgres, connectRedis, DATABASE_URL, deletePrefix, openAppStorage, REDIS_URL, suiteName } from '../helpers/services.js';

/** The schema file: users (serial-like integer pk, unique email), members (uuid pk, unique (tenant_id, slug), a list by tenant_id). */
function schemaFile(schema: string): string {
  return `import { index, integer, pgSchema, text, unique, uuid } from 'drizzle-orm/pg-core';

export const app = pgSchema(${JSON.stringify(schema)});

export const users = app.table('users', {
  id: integer('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  version: integer('version').notNull(),
});

export const members = app.table('members', {
  id: uuid('id').primaryKey(),
  tenantId: integer('tenant_id').notNull(),
  slug: text('slug').notNull(),
  note: text('note'),
}, (t) => [unique('members_tenant_slug').on(t.tenantId, t.slug), index('members_tenant').on(t.tenantId)]);
`;
}

function ddl(schema: string): string {
  const q = `"${schema}"`;
  return `
    create schema ${q};
    create table ${q}.users (id integer primary key, email text not null unique, name text not null, version integer not null);
    create table ${q}.members (id uuid primary key, tenant_id integer not null, slug text not null, note text,
      constraint members_tenant_slug unique (tenant_id, slug));
    create index members_tenant on ${q}.members (tenant_id);`;
}

export interface SchemaTables {
  readonly users: PgTable & { $inferSelect: { id: number; email: string; name: string; version: number } };
  readonly members: PgTable & { $inferSelect: { id: string; tenantId: number; slug: string; note: string | null } };
}

export type { AppStorage } from '../helpers/services.js';

export interface OperateWorld {
  /** The project folder (config, schema.ts): the CLI runs here. */
  readonly dir: string;
  /** Postgres schema of the tables; also the start of the Redis prefix. */
  readonly schema: string;
  readonly prefix: string;
  readonly tables: SchemaTables;
  /** Accessors as generated code would define them. */
  readonly hot: { users: HotTable<SchemaTables['users']>; members: HotTable<SchemaTables['members']> };
  readonly admin: { sql: postgres.Sql; redis: Redis };
  /** Inserts users with ids from..to-1 (email `u<id>@example.com`, version 1) in one statement. */
  seedUsers(from: number, to: number): Promise<void>;
  /** Inserts `count` members over 10 tenants (slug `m<n>`). */
  seedMembers(count: number): Promise<void>;
  /** `hotstorage ...args` in the project, with this world's DATABASE_URL, REDIS_URL and HOTSTORAGE_PREFIX (and `env` over them). */
  cli(args: readonly string[], env?: Record<string, string | undefined>): Promise<CliRun>;
  /** An application storage on its own connections with this world's prefix. */
  storage(options?: Partial<TestStorageOptions>): Promise<AppStorage>;
  close(): Promise<void>;
}

export async function openOperateWorld(suite: string): Promise<OperateWorld> {
  const schema = suiteName(suite);
  const prefix = `${schema}:`;
  const dir = makeProject({
    'schema.ts': schemaFile(schema),
    'hotstorage.config.ts': "export default { schema: './schema.ts', out: './hot' };\n",
  });
  const admin = { sql: connectPostgres(), redis: await connectRedis() };
  await admin.sql.unsafe(ddl(schema));
  const tables = (await import(pathToFileURL(join(dir, 'schema.ts')).href)) as SchemaTables;
  const hot = {
    users: defineTable(tables.users, { primaryKey: ['id'], uniqueKeys: [['email']], identity: ['id'] }),
    members: defineTable(tables.members, { primaryKey: ['id'], uniqueKeys: [['tenantId', 'slug']], identity: ['id'], lists: [['tenantId']] }),
  };
  const opened: AppStorage[] = [];
  const q = `"${schema}"`;
  return {
    dir, schema, prefix, tables, hot, admin,
    async seedUsers(from, to) {
      await admin.sql.unsafe(
        `insert into ${q}.users (id, email, name, version) select g, 'u' || g || '@example.com', 'user ' || g, 1 from generate_series($1::int, $2::int - 1) g`,
        [from, to],
      );
    },
    async seedMembers(count) {
      await admin.sql.unsafe(
        `insert into ${q}.members (id, tenant_id, slug, note) select gen_random_uuid(), g % 10, 'm' || g, case when g % 3 = 0 then null else 'note ' || g end from generate_series(0, $1::int - 1) g`,
        [count],
      );
    },
    cli(args, env = {}) {
      return runCli(dir, args, { DATABASE_URL, REDIS_URL, HOTSTORAGE_PREFIX: prefix, REDIS_CLUSTER_NODES: undefined, ...env });
    },
    async storage(options = {}) {
      // The application's storage knows its tables (their keys and change feed are read at startup), as an app's does.
      const handle = await openAppStorage({ prefix, tables: Object.values(hot), ...options });
      opened.push(handle);
      return handle;
    },
    async close() {
      for (const s of opened) await s.close().catch(() => undefined);
      await admin.sql.unsafe(`drop schema if exists ${q} cascade`);
      await deletePrefix(admin.redis, prefix);
      await admin.sql.end({ timeout: 1 });
      admin.redis.disconnect();
      removeProject(dir);
    },
  };
}
