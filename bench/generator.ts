// Generator speed on a synthetic schema: 200 tables across 20 files, with column helpers spread in from a
// shared file, composite primary keys and composite unique keys. Times `hotstorage generate` and
// `hotstorage generate --check` as whole CLI processes (wall clock, as a user or CI waits for them).
// Usage: npm run bench:generator [-- RUNS] [--keep]   (a benchmark script, not a test: it asserts nothing;
// --keep leaves the synthetic project in .tmp/ for profiling)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const FILES = 20;
const TABLES_PER_FILE = 10;
const KEEP = process.argv.includes('--keep');
const RUNS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 5);
const REPO = resolve(import.meta.dirname, '..');
const BIN = join(REPO, 'bin/hotstorage.js');

const HELPERS = `import { integer, timestamp, uuid } from 'drizzle-orm/pg-core';

export const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }),
};

export const tenantScoped = {
  tenantId: uuid('tenant_id').notNull(),
  version: integer('version').notNull().default(1),
};
`;

function table(file: number, n: number): string {
  const name = `t${String(file).padStart(2, '0')}_${n}`;
  switch (n % 3) {
    case 0: // serial primary key, a unique column, a composite unique key over a spread-in column
      return `export const ${name} = pgTable(
  '${name}',
  {
    id: serial('id').primaryKey(),
    ...tenantScoped,
    code: text('code').notNull(),
    email: text('email').notNull().unique(),
    note: text('note'),
    ...timestamps,
  },
  (t) => [unique('${name}_tenant_code').on(t.tenantId, t.code), index('${name}_note_idx').on(t.note)],
);
`;
    case 1: // composite primary key, a unique index, a skipped partial index
      return `export const ${name} = pgTable(
  '${name}',
  {
    ...tenantScoped,
    seq: integer('seq').notNull(),
    slug: varchar('slug', { length: 64 }).notNull(),
    title: text('title').notNull(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.seq] }),
    uniqueIndex('${name}_slug_idx').on(t.tenantId, t.slug),
    uniqueIndex('${name}_title_partial').on(t.title).where(sql\`\${t.title} <> ''\`),
  ],
);
`;
    default: // no primary key: identity is the first NOT NULL unique key
      return `export const ${name} = pgTable('${name}', {
  externalId: uuid('external_id').notNull().unique(),
  label: text('label'),
  ...timestamps,
});
`;
  }
}

function schemaFile(file: number): string {
  const tables = Array.from({ length: TABLES_PER_FILE }, (_, n) => table(file, n)).join('\n');
  return `import { sql } from 'drizzle-orm';
import { index, integer, pgTable, primaryKey, serial, text, unique, uniqueIndex, uuid, varchar } from 'drizzle-orm/pg-core';
import { tenantScoped, timestamps } from './helpers.js';

${tables}`;
}

function run(cwd: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`hotstorage ${args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`);
  return seconds;
}

function summary(label: string, times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? NaN;
  return `${label.padEnd(34)} median ${median.toFixed(2)} s   min ${(sorted[0] ?? NaN).toFixed(2)} s   max ${(sorted[sorted.length - 1] ?? NaN).toFixed(2)} s`;
}

mkdirSync(join(REPO, '.tmp'), { recursive: true });
const dir = mkdtempSync(join(REPO, '.tmp', 'bench-generator-'));
try {
  mkdirSync(join(dir, 'db'));
  writeFileSync(join(dir, 'db/helpers.ts'), HELPERS);
  for (let f = 0; f < FILES; f++) writeFileSync(join(dir, `db/schema${String(f).padStart(2, '0')}.ts`), schemaFile(f));
  writeFileSync(join(dir, 'hotstorage.config.ts'), "export default { schema: './db/schema*.ts', out: './hot' };\n");

  const fresh: number[] = [];
  const check: number[] = [];
  const again: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    rmSync(join(dir, 'hot'), { recursive: true, force: true });
    fresh.push(run(dir, ['generate']));
    check.push(run(dir, ['generate', '--check']));
    again.push(run(dir, ['generate']));
  }
  const help: number[] = [];
  for (let i = 0; i < RUNS; i++) help.push(run(dir, ['--help']));

  console.log(`${FILES * TABLES_PER_FILE} tables in ${FILES} files (+ a helpers file), ${RUNS} runs each, node ${process.version}`);
  console.log(summary('generate (empty output folder)', fresh));
  console.log(summary('generate --check (up to date)', check));
  console.log(summary('generate (up to date)', again));
  console.log(summary('--help (process start-up only)', help));
} finally {
  if (KEEP) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
