// The benchmark's table: one row shape a typical application caches, with a primary key, a single-column unique key
// and a composite unique key. Unqualified (no pgSchema): the bench runs it in a schema of its own through search_path.
import { boolean, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';

export const benchRows = pgTable(
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
