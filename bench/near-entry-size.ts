// What a near-cache entry costs in this process's heap, against the length of the Redis value it was decoded from:
// the measurement behind `nearCache.maxBytes`'s estimate (near/entry-weight.ts). For each table, 100,000 entries are
// built as NearCache.settle builds them (the decoded row, frozen, in an entry, in our Lru under its row key) and the
// heap growth (`process.memoryUsage().heapUsed`, after a full GC) is divided by the entries; the value texts are made
// before the first reading, so only what the cache keeps is counted. No services.
// Run alone: `node --expose-gc --import tsx bench/near-entry-size.ts`.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { boolean, integer, jsonb, pgSchema, text, timestamp } from 'drizzle-orm/pg-core';
import type { PgTable } from 'drizzle-orm/pg-core';
import { rowCodecFor } from '../runtime/src/codecs/row-codec.js';
import { buildTableRuntime } from '../runtime/src/table/table-runtime.js';
import { Lru } from '../runtime/src/near/lru.js';
import { entryWeight, listWeight } from '../runtime/src/near/entry-weight.js';
import { decodeListCached, encodeList, type DecodedList } from '../runtime/src/table/list-value.js';
import { benchRows } from './db/schema.js';
import { rowOf } from './lib/world.js';

const N = 100_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const s = pgSchema('sizes');
const users = s.table('users', {
  id: integer('id').primaryKey(), email: text('email').notNull(), tenantId: integer('tenant_id').notNull(),
  slug: text('slug').notNull(), name: text('name').notNull(), version: integer('version').notNull(),
});
const docs = s.table('docs', {
  id: integer('id').primaryKey(), title: text('title').notNull(), payload: jsonb('payload').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(), published: boolean('published').notNull(),
});
const articles = s.table('articles', { id: integer('id').primaryKey(), title: text('title').notNull(), body: text('body').notNull() });

// A jsonb document of about 3 KB: an order's lines, as an application would keep them in one column.
const payloadOf = (id: number) => ({
  customer: { id: id % 977, name: `Customer ${id % 977}`, tier: id % 5 === 0 ? 'gold' : 'standard' },
  lines: Array.from({ length: 16 }, (_, i) => ({
    sku: `SKU-${(id * 31 + i) % 100_000}`, qty: 1 + ((id + i) % 7), priceCents: 199 + ((id * i) % 10_000),
    tags: ['catalogue', i % 2 === 0 ? 'promo' : 'regular'], note: `line ${i} of order ${id}, deliver before noon`,
  })),
  totals: { net: id * 13, vat: id * 2, currency: 'EUR' },
});
const greek = 'η γρήγορη καφέ αλεπού πηδά πάνω από τον τεμπέλη σκύλο ενώ η κρυφή μνήμη κρατά γραμμές '.repeat(30);
const words = 'the quick brown fox jumps over the lazy dog while a near cache keeps rows in memory '.repeat(30);

const cases: { name: string; table: PgTable; row: (id: number) => Record<string, unknown>; uniqueKeys?: string[][] }[] = [
  { name: 'users (6 columns)', table: users, row: (id) => ({ id, email: `u${id}@example.com`, tenantId: 1, slug: `s${id}`, name: `user ${id}`, version: 0 }) },
  { name: 'bench_rows (9 columns, small jsonb, timestamp)', table: benchRows, row: (id) => rowOf(id), uniqueKeys: [['email'], ['tenantId', 'slug']] },
  { name: 'docs (jsonb-heavy, ~3 KB)', table: docs, row: (id) => ({ id, title: `Order ${id}`, payload: payloadOf(id), updatedAt: new Date(1_700_000_000_000 + id), published: id % 2 === 0 }) },
  { name: 'articles (2 KB text, Greek: two bytes a character)', table: articles, row: (id) => ({ id, title: `Άρθρο ${id}`, body: `${id} ${greek.slice(0, 2000)}` }) },
  { name: 'articles (2 KB text)', table: articles, row: (id) => ({ id, title: `Article ${id}`, body: `${id} ${words.slice(0, 2000)}` }) },
];

interface Measured { name: string; chars: number; heap: number; estimate: number; members?: number }

// Lists: 10,000 lists (the bound of decodeListCached's memo, which holds the same decoded lists) of `members` posts.
const LISTS = 10_000;
const posts = s.table('posts', { id: integer('id').primaryKey(), threadId: integer('thread_id').notNull(), body: text('body').notNull() });
const listCases = [5, 20, 100].map((members) => ({ name: `a list of ${members} members`, members }));

function measureLists(c: (typeof listCases)[number]): Measured {
  const rt = buildTableRuntime({ table: posts, spec: { primaryKey: ['id'], uniqueKeys: [], identity: ['id'], lists: [['threadId']] }, prefix: 'app:', codec: rowCodecFor(posts) });
  const texts = Array.from({ length: LISTS }, (_, i) => encodeList(rt, Array.from({ length: c.members }, (_, m) => ({ id: i * c.members + m + 1 }))));
  let chars = 0;
  let estimate = 0;
  gc?.();
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const lru = new Lru<{ kind: 'list'; list: DecodedList; rt: typeof rt; expiresAt: number }>(LISTS, Infinity, () => {});
  for (let i = 0; i < LISTS; i++) {
    const key = `app:sizes.posts@abcdef12:list:thread_id:{${i + 1}}`;
    const text = texts[i] ?? '';
    const list = decodeListCached(rt, key, text);
    if (list === undefined) throw new Error('a list did not decode');
    chars += text.length + key.length;
    const weight = listWeight(key, text, list.members.length);
    estimate += weight;
    lru.set(key, { kind: 'list', list, rt, expiresAt: 0 }, weight);
  }
  gc?.();
  gc?.();
  const heap = (process.memoryUsage().heapUsed - before) / LISTS;
  if (lru.size !== LISTS || texts.length !== LISTS) throw new Error('entries were evicted');
  return { name: c.name, chars: chars / LISTS, heap, estimate: estimate / LISTS, members: c.members };
}

function measure(c: (typeof cases)[number]): Measured {
  const codec = rowCodecFor(c.table);
  const rt = buildTableRuntime({ table: c.table, spec: { primaryKey: ['id'], uniqueKeys: c.uniqueKeys ?? [], identity: ['id'] }, prefix: 'app:', codec });
  const texts = Array.from({ length: N }, (_, i) => codec.encode(c.row(i + 1)));
  let chars = 0;
  let estimate = 0;
  gc?.();
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const lru = new Lru<{ kind: 'row'; row: Record<string, unknown> | null; rt: typeof rt; expiresAt: number }>(N, Infinity, () => {});
  for (let i = 0; i < N; i++) {
    const key = rt.rowKeys({ id: i + 1 }).row;
    const text = texts[i] ?? '';
    const row = codec.decode(text);
    if (row === undefined) throw new Error('a row did not decode');
    chars += text.length + key.length;
    const weight = entryWeight(key, text);
    estimate += weight;
    lru.set(key, { kind: 'row', row: Object.freeze(row), rt, expiresAt: 0 }, weight);
  }
  gc?.();
  gc?.();
  const heap = (process.memoryUsage().heapUsed - before) / N;
  if (lru.size !== N || texts.length !== N) throw new Error('entries were evicted');
  return { name: c.name, chars: chars / N, heap, estimate: estimate / N };
}

// Each table in a process of its own: what one measurement freed must not be counted in the next one's.
const only = process.argv[2];
if (only !== undefined) {
  const c = cases[Number(only)];
  const l = listCases[Number(only) - cases.length];
  if (c !== undefined) console.log(JSON.stringify(measure(c)));
  else if (l !== undefined) console.log(JSON.stringify(measureLists(l)));
  else throw new Error(`no case ${only}`);
} else {
  for (let i = 0; i < cases.length + listCases.length; i++) {
    const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), String(i)], { encoding: 'utf8' });
    const r = JSON.parse(out) as Measured;
    console.log(`${r.name}: value+key ${r.chars.toFixed(0)} chars, heap ${r.heap.toFixed(0)} B per entry (${(r.heap / r.chars).toFixed(2)}x), estimate ${r.estimate.toFixed(0)} B (${(r.estimate / r.heap).toFixed(2)}x the heap)${r.members === undefined ? '' : `, ${((r.heap - r.chars) / r.members).toFixed(0)} B per member beyond its chars`}`);
  }
}
