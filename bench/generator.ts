// Generator speed on a synthetic schema: 200 tables across 20 files, with column helpers spread in from a
// shared file, composite primary keys and composite unique keys. Times `hotstorage generate` and
// `hotstorage generate --check` as whole CLI processes (wall clock, as a user or CI waits for them).
// Usage: npm run bench:generator [-- RUNS] [--keep]   (a benchmark script, not a test: it asserts nothing;
// --keep leaves the synthetic project in .tmp/ for profiling)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from './lib/numbers.js';

export const FILES = 20;
export const TABLES_PER_FILE = 10;
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

// CPU seconds (user + sys) of the child, through /usr/bin/time when the machine has it: on a loaded machine
// wall time mostly measures the other processes, CPU time still measures ours.
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

export interface Sample {
  readonly wall: number;
  readonly cpu: number;
}

export function run(cwd: string, args: string[]): Sample {
  const command = TIME ? [TIME, '-f', 'HOTSTORAGE_CPU %U %S', process.execPath, BIN, ...args] : [process.execPath, BIN, ...args];
  const started = process.hrtime.bigint();
  const result = spawnSync(command[0]!, command.slice(1), { cwd, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`hotstorage ${args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`);
  const cpu = /HOTSTORAGE_CPU ([\d.]+) ([\d.]+)/.exec(result.stderr);
  return { wall, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN };
}

function summary(label: string, samples: Sample[]): string {
  const walls = samples.map((s) => s.wall);
  const cpu = median(samples.map((s) => s.cpu));
  return (
    `${label.padEnd(34)} wall median ${median(walls).toFixed(2)} s (min ${Math.min(...walls).toFixed(2)}, max ${Math.max(...walls).toFixed(2)})` +
    `${Number.isNaN(cpu) ? '' : `   cpu median ${cpu.toFixed(2)} s`}`
  );
}

/** Writes the synthetic project (schema files, helpers, config) into `dir`; `hot/` is its output folder. */
export function writeSyntheticProject(dir: string): void {
  mkdirSync(join(dir, 'db'), { recursive: true });
  writeFileSync(join(dir, 'db/helpers.ts'), HELPERS);
  for (let f = 0; f < FILES; f++) writeFileSync(join(dir, `db/schema${String(f).padStart(2, '0')}.ts`), schemaFile(f));
  writeFileSync(join(dir, 'hotstorage.config.ts'), "export default { schema: './db/schema*.ts', out: './hot' };\n");
}

/** A fresh directory under the repository's .tmp/ (the CLI resolves `hotstorage/config` from the repository). */
export function syntheticProjectDir(): string {
  mkdirSync(join(REPO, '.tmp'), { recursive: true });
  return mkdtempSync(join(REPO, '.tmp', 'bench-generator-'));
}

function main(): void {
  const keep = process.argv.includes('--keep');
  const runs = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 5);
  const dir = syntheticProjectDir();
  try {
    writeSyntheticProject(dir);

    const fresh: Sample[] = [];
    const check: Sample[] = [];
    const again: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      rmSync(join(dir, 'hot'), { recursive: true, force: true });
      fresh.push(run(dir, ['generate']));
      check.push(run(dir, ['generate', '--check']));
      again.push(run(dir, ['generate']));
    }
    const help: Sample[] = [];
    for (let i = 0; i < runs; i++) help.push(run(dir, ['--help']));

    console.log(`${FILES * TABLES_PER_FILE} tables in ${FILES} files (+ a helpers file), ${runs} runs each, node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log(summary('generate (empty output folder)', fresh));
    console.log(summary('generate --check (up to date)', check));
    console.log(summary('generate (up to date)', again));
    console.log(summary('--help (process start-up only)', help));
  } finally {
    if (keep) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

// Run only as a script: bench/run.ts imports the project writer and the timer from here.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
