// The SQL that creates db/schema.ts's tables in one Postgres schema (a suite's own). Drizzle sees the tables in
// schema public; the suites' connections set search_path to this schema, so Drizzle's unqualified names land here.
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
    create table ${q}.messages (id integer primary key, chat_id integer not null, author_id integer, body text not null);
    create index messages_chat on ${q}.messages (chat_id);
    create index messages_author on ${q}.messages (author_id);
  `;
}
