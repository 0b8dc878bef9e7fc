// The tables the runtime suites use, in a Postgres schema of the suite's own. Kept in one file (tables, specs, DDL,
// accessors) so the suites can later switch to generated accessors by replacing `accessorsFor` alone.
import { integer, pgSchema, primaryKey, serial, text, unique } from 'drizzle-orm/pg-core';
import { defineTable, type TableSpec } from '../../runtime/index.js';

export function tablesIn(schema: string) {
  const s = pgSchema(schema);
  const users = s.table(
    'users',
    {
      id: integer('id').primaryKey(),
      email: text('email').notNull().unique(),
      tenantId: integer('tenant_id').notNull(),
      slug: text('slug').notNull(),
      name: text('name').notNull(),
      version: integer('version').notNull().default(0),
    },
    (t) => [unique('users_tenant_slug').on(t.tenantId, t.slug)],
  );
  // A serial identity: saved rows get their id from the database.
  const accounts = s.table('accounts', {
    id: serial('id').primaryKey(),
    handle: text('handle').notNull().unique(),
    note: text('note'),
  });
  // A text composite primary key: key values with separators, unicode and empty strings.
  const memberships = s.table(
    'member:ships',
    {
      orgId: text('org_id').notNull(),
      userId: text('user_id').notNull(),
      role: text('role').notNull(),
    },
    (t) => [primaryKey({ columns: [t.orgId, t.userId] })],
  );
  // No primary key: the NOT NULL unique key is the identity. The table name carries a dot ("auth.users" exists).
  const tags = s.table('auth.tags', {
    label: text('label').notNull().unique(),
    weight: integer('weight').notNull(),
  });
  return { users, accounts, memberships, tags };
}

export type Tables = ReturnType<typeof tablesIn>;

export const specs = {
  users: { primaryKey: ['id'], uniqueKeys: [['email'], ['tenantId', 'slug']], identity: ['id'] },
  accounts: { primaryKey: ['id'], uniqueKeys: [['handle']], identity: ['id'] },
  memberships: { primaryKey: ['orgId', 'userId'], uniqueKeys: [], identity: ['orgId', 'userId'] },
  tags: { primaryKey: [], uniqueKeys: [['label']], identity: ['label'] },
} satisfies Record<keyof Tables, TableSpec>;

export function ddl(schema: string): string {
  const q = `"${schema}"`;
  return `
    create schema ${q};
    create table ${q}.users (
      id integer primary key, email text not null unique, tenant_id integer not null, slug text not null,
      name text not null, version integer not null default 0, constraint users_tenant_slug unique (tenant_id, slug));
    create table ${q}.accounts (id serial primary key, handle text not null unique, note text);
    create table ${q}."member:ships" (org_id text not null, user_id text not null, role text not null, primary key (org_id, user_id));
    create table ${q}."auth.tags" (label text not null unique, weight integer not null);
  `;
}

export function accessorsFor(tables: Tables) {
  return {
    users: defineTable(tables.users, specs.users),
    accounts: defineTable(tables.accounts, specs.accounts),
    memberships: defineTable(tables.memberships, specs.memberships),
    tags: defineTable(tables.tags, specs.tags),
  };
}
