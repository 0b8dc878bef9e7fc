// Generated code compiles under strict, against the real runtime contract, and its types reject wrong calls.
// The compiler runs as the user runs it (the native `tsc` CLI) over: every fixture's expected/ modules, the
// example's, and a module set rendered here with calls to it, the wrong ones marked `// @ts-expect-error`
// (an expected error that does not occur is itself a compile error, so each marked line is checked).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MODEL_VERSION, type Model, type Table } from '../../generator/model.js';
import { render } from '../../generator/render.js';
import { fixtureCases } from '../helpers/fixtures.js';
import { makeProject, removeProject, REPO_ROOT, writeFiles } from '../helpers/project.js';
import { timed } from '../helpers/timeout.js';

const TSC = join(REPO_ROOT, 'node_modules/.bin/tsc');

const SCHEMA = `import { integer, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';

export const users = pgTable(
  'users',
  {
    id: integer('id').primaryKey(),
    email: text('email').notNull().unique(),
    name: text('name').notNull(),
    phone: text('phone').notNull(),
  },
  (t) => [unique().on(t.name, t.phone)],
);

export const memberships = pgTable(
  'memberships',
  { tenantId: uuid('tenant_id').notNull(), userId: integer('user_id').notNull(), role: text('role') },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] })],
);

export const tags = pgTable('tags', { slug: text('slug').notNull().unique(), label: text('label') });

export const table = pgTable('odd', {
  default: text('default').primaryKey(),
  ctx: text('ctx').notNull().unique(),
  'user-id': integer('user_id').notNull().unique(),
});
`;

function table(t: Pick<Table, 'exportName' | 'primaryKey' | 'uniqueKeys' | 'identity'> & Partial<Pick<Table, 'lists'>>): Table {
  return { schema: 'public', name: t.exportName, file: 'schema.ts', columns: [], lists: [], skipped: [], ...t };
}

const MODEL: Model = {
  version: MODEL_VERSION,
  tables: [
    table({ exportName: 'memberships', primaryKey: ['tenantId', 'userId'], uniqueKeys: [], identity: ['tenantId', 'userId'], lists: [{ columns: ['tenantId'], sources: ['index'] }] }),
    table({ exportName: 'table', primaryKey: ['default'], uniqueKeys: [['ctx'], ['user-id']], identity: ['default'] }),
    table({ exportName: 'tags', primaryKey: [], uniqueKeys: [['slug']], identity: ['slug'] }),
    table({ exportName: 'users', primaryKey: ['id'], uniqueKeys: [['email'], ['name', 'phone']], identity: ['id'], lists: [{ columns: ['name'], sources: ['index'] }] }),
  ],
};

const CALLS = `import type { Context } from '@hotstorage/runtime';
import * as hot from './hot/index.js';

export async function calls(ctx: Context): Promise<void> {
  const user: hot.users.Row | null = await hot.users.getByPk(ctx, 1);
  // @ts-expect-error the primary key is a number
  await hot.users.getByPk(ctx, '1');
  await hot.users.getByEmail(ctx, 'a@example.com');
  // @ts-expect-error email is text
  await hot.users.getByEmail(ctx, 42);
  await hot.users.getByNameAndPhone(ctx, { name: 'Ada', phone: '1' });
  // @ts-expect-error a composite key needs every one of its columns
  await hot.users.getByNameAndPhone(ctx, { name: 'Ada' });
  const many: (hot.users.Row | null)[] = await hot.users.getManyByPk(ctx, [1, 2]);
  // @ts-expect-error getManyByPk takes primary key values
  await hot.users.getManyByPk(ctx, ['1']);

  await hot.memberships.getByPk(ctx, { tenantId: 't', userId: 1 });
  // @ts-expect-error a composite primary key is an object, not a value
  await hot.memberships.getByPk(ctx, 't');
  await hot.memberships.getManyByPk(ctx, [{ tenantId: 't', userId: 1 }]);
  await hot.memberships.remove(ctx, { tenantId: 't', userId: 1 });

  await hot.tags.getBySlug(ctx, 'news');
  await hot.tags.getManyBySlug(ctx, ['news']);
  await hot.tags.update(ctx, 'news', { label: 'News' });
  // @ts-expect-error tags has no primary key, so it has no getByPk
  await hot.tags.getByPk(ctx, 'news');

  const saved: hot.users.Row = await hot.users.save(ctx, { id: 1, email: 'a@example.com', name: 'Ada', phone: '1' });
  // @ts-expect-error save needs the NOT NULL columns
  await hot.users.save(ctx, { id: 1 });
  await hot.users.update(ctx, 1, { email: 'b@example.com' });
  // @ts-expect-error update cannot change the primary key
  await hot.users.update(ctx, 1, { id: 2 });
  const removed: boolean = await hot.users.remove(ctx, 1);

  await hot.table.getByPk(ctx, 'x');
  await hot.table.getByCtx(ctx, 'c');
  await hot.table.getByUserId(ctx, 3);
  // @ts-expect-error user-id is an integer
  await hot.table.getByUserId(ctx, '3');
  const named: hot.users.Row[] = await hot.users.listByName(ctx, 'Ada', { where: { phone: '1', email: undefined }, limit: 10, after: 3 });
  // @ts-expect-error where names columns of the table only
  await hot.users.listByName(ctx, 'Ada', { where: { nickname: 'x' } });
  // @ts-expect-error where takes each column's own type
  await hot.users.listByName(ctx, 'Ada', { where: { id: '1' } });
  // @ts-expect-error the list's own column is its value, not a filter
  await hot.users.listByName(ctx, 'Ada', { where: { name: 'Bob' } });
  await hot.memberships.listByTenantId(ctx, 't', { where: { role: null }, after: { tenantId: 't', userId: 1 } });
  // @ts-expect-error null only where the column is nullable
  await hot.memberships.listByTenantId(ctx, 't', { where: { userId: null } });
  void named;
  void user;
  void many;
  void saved;
  void removed;
}
`;

const goldensOf = (dir: string): string[] =>
  readdirSync(join(dir, 'expected')).filter((f) => f.endsWith('.ts')).map((f) => join(dir, 'expected', f));

/**
 * Fixture cases drizzle-orm 0.x (the installed one) can load, with expected modules. A case with its own
 * tsconfig.json (path aliases) is compiled under it; the rest share one program.
 */
function fixtureGoldens(): { shared: string[]; own: { tsconfig: string; files: string[] }[] } {
  const cases = fixtureCases().filter((c) => !c.mustFail && c.drizzle !== '1.x' && existsSync(join(c.dir, 'expected')));
  const hasOwn = (dir: string): boolean => existsSync(join(dir, 'tsconfig.json'));
  return {
    shared: cases.filter((c) => !hasOwn(c.dir)).flatMap((c) => goldensOf(c.dir)),
    own: cases.filter((c) => hasOwn(c.dir)).map((c) => ({ tsconfig: join(c.dir, 'tsconfig.json'), files: goldensOf(c.dir) })),
  };
}

const STRICT = { strict: true, noEmit: true, skipLibCheck: true, types: [] };

function tsc(project: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(TSC, ['-p', project], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

/** A project holding the schema, its rendered modules, `calls` and a tsconfig over them plus `extra` files. */
function project(calls: string, extra: readonly string[]): string {
  const { files, diagnostics } = render(MODEL, { outDir: 'hot' });
  assert.equal(diagnostics, []);
  const dir = makeProject({ 'schema.ts': SCHEMA, 'calls.ts': calls });
  writeFiles(dir, Object.fromEntries([...files].map(([name, text]) => [`hot/${name}`, text])));
  const tsconfig = {
    // Users' schemas import each other with or without extensions, as their bundler allows; `bundler`
    // resolution takes both (the example is also compiled under nodenext by the project's own tsconfig).
    compilerOptions: {
      target: 'es2022',
      module: 'preserve',
      moduleResolution: 'bundler',
      ...STRICT,
      isolatedModules: true,
      verbatimModuleSyntax: true,
    },
    include: [],
    files: ['schema.ts', 'calls.ts', ...[...files.keys()].map((f) => `hot/${f}`), ...extra],
  };
  writeFiles(dir, { 'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n` });
  return dir;
}

/** tsc's error lines, grouped: those in generated code (or the calls to it) and those in users' schema files. */
function classify(output: string, dir: string): { generated: string[]; schemas: string[] } {
  const errors = output.split('\n').filter((line) => /\(\d+,\d+\): error TS/.test(line));
  const isGenerated = (line: string): boolean =>
    /(^|\/)expected\/[^/]+\.ts\(/.test(line) || line.includes('example/hot/') || line.startsWith(relative(REPO_ROOT, dir));
  return { generated: errors.filter(isGenerated), schemas: errors.filter((line) => !isGenerated(line)) };
}

interface Checked {
  readonly code: number | null;
  readonly output: string;
  readonly generated: string[];
  readonly schemas: string[];
}

let checked: Promise<Checked> | undefined;
/** The compiler runs over everything once, shared by the tests that read it. */
function checkAll(): Promise<Checked> {
  checked ??= (async () => {
    const example = readdirSync(join(REPO_ROOT, 'example/hot')).map((f) => join(REPO_ROOT, 'example/hot', f));
    const goldens = fixtureGoldens();
    const dir = project(CALLS, [...goldens.shared, ...example]);
    try {
      const runs = [await tsc(join(dir, 'tsconfig.json'))];
      for (const [i, own] of goldens.own.entries()) {
        const tsconfig = { extends: own.tsconfig, compilerOptions: STRICT, include: [], files: own.files };
        writeFiles(dir, { [`own-${i}.tsconfig.json`]: JSON.stringify(tsconfig) });
        runs.push(await tsc(join(dir, `own-${i}.tsconfig.json`)));
      }
      const output = runs.map((r) => r.output).join('');
      return { code: runs.find((r) => r.code !== 0)?.code ?? 0, output, ...classify(output, dir) };
    } finally {
      removeProject(dir);
    }
  })();
  return checked;
}

test(
  'generated modules of every fixture, of the example and of a rendered schema compile under strict; wrong calls are rejected',
  timed(120_000, async () => {
    const run = await checkAll();
    assert.equal(run.generated, [], run.output);
  }),
);

test(
  'the fixture schemas behind the goldens compile too, so the goldens are checked against real table types',
  timed(120_000, async () => {
    const run = await checkAll();
    assert.equal(run.schemas, [], run.output);
    assert.is(run.code, 0, run.output);
  }),
);

test(
  'the compiler really checks the calls: an unmarked wrong call fails it',
  timed(120_000, async () => {
    const dir = project(CALLS.replace('  // @ts-expect-error tags has no primary key, so it has no getByPk\n', ''), []);
    try {
      const run = await tsc(join(dir, 'tsconfig.json'));
      assert.is.not(run.code, 0, run.output);
      assert.equal(
        classify(run.output, dir).generated.map((line) => line.replace(/^.*calls\.ts/, 'calls.ts')),
        ["calls.ts(27,18): error TS2339: Property 'getByPk' does not exist on type 'typeof import(\"" + dir + "/hot/tags\")'."],
      );
    } finally {
      removeProject(dir);
    }
  }),
);

test.run();
