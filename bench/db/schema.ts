// The benchmark's table: one row shape a typical application caches, with a primary key, a single-column unique key
// and a composite unique key. It lives in a schema of the bench's own (created and dropped by each run), declared
// here so that Drizzle's SQL, the runtime's keys and the change feed's triggers all name the same schema.
import { boolean, index, integer, jsonb, pgSchema, text, timestamp, unique } from 'drizzle-orm/pg-core';

export const BENCH_SCHEMA = 'hotstorage_bench';

export const benchRows = pgSchema(BENCH_SCHEMA).table(
  'bench_rows',
  {
    id: integer('id').primaryKey(),
    email: text('email').notNull().unique(),
    tenantId: integer('tenant_id').notNull(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    balanceCents: integer('balance_cents').notNull(),
    active: boolean('active').notNull(),
    settings: jsonb('settings').$type<{ theme: string; locale: string }>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [unique('bench_rows_tenant_slug').on(t.tenantId, t.slug)],
);

// Lists (issue 15): posts by thread, 20 per thread, through a non-unique index (listByThreadId).
export const benchPosts = pgSchema(BENCH_SCHEMA).table(
  'bench_posts',
  {
    id: integer('id').primaryKey(),
    threadId: integer('thread_id').notNull(),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('bench_posts_thread').on(t.threadId)],
);
