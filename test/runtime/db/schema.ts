// The tables the runtime suites use, declared statically so the real generator reads them (test/runtime/hot/ is its
// output, checked for drift by test/runtime/generated.test.ts). They live in schema public as far as Drizzle knows:
// each suite creates them in a Postgres schema of its own and points its connections' search_path at it, so the
// SQL Drizzle emits (unqualified names) lands in the suite's schema.
import { index, integer, pgTable, primaryKey, serial, text, unique } from 'drizzle-orm/pg-core';

export const users = pgTable(
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
export const accounts = pgTable('accounts', {
  id: serial('id').primaryKey(),
  handle: text('handle').notNull().unique(),
  note: text('note'),
});

// A text composite primary key: key values with separators, unicode and empty strings.
export const memberships = pgTable(
  'member:ships',
  {
    orgId: text('org_id').notNull(),
    userId: text('user_id').notNull(),
    role: text('role').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] })],
);

// No primary key: the NOT NULL unique key is the identity. The table name carries a dot ("auth.users" exists).
export const tags = pgTable('auth.tags', {
  label: text('label').notNull().unique(),
  weight: integer('weight').notNull(),
});

// Lists: messages by chat (an index over a NOT NULL column) and by author (nullable: no list for null).
export const messages = pgTable(
  'messages',
  {
    id: integer('id').primaryKey(),
    chatId: integer('chat_id').notNull(),
    authorId: integer('author_id'),
    body: text('body').notNull(),
  },
  (t) => [index('messages_chat').on(t.chatId), index('messages_author').on(t.authorId)],
);
