// What users install is what we ship. Both packages are packed (`npm pack`), installed from their tarballs into fresh
// applications outside this checkout (with drizzle-orm, postgres and ioredis from the registry, as a user installs
// them), and used as a user would: the installed CLI generates the accessors, `tsc` compiles the application under
// strict options with the library checks on, and plain `node` runs it against Postgres and Redis — as ES modules, as
// CommonJS, and as one esbuild bundle moved away from every node_modules. A production install of the runtime adds no
// package but the runtime.
// test-file-limit-seconds: 900
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../helpers/project.js';
import { connectPostgres, connectRedis, DATABASE_URL, deletePrefix, REDIS_URL, suiteName } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function exec(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', npm_config_loglevel: 'error', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const run = await exec(command, args, cwd, env);
  assert.is(run.code, 0, `${command} ${args.join(' ')} (in ${cwd}) failed:\n${run.stdout}\n${run.stderr}`);
  return run;
}

const version = (name: string): string => (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const TSC = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
const ESBUILD = join(REPO_ROOT, 'node_modules/.bin/esbuild');
const own = suiteName('package');
const work = mkdtempSync(join(tmpdir(), 'hotstorage-package-'));
let tarballs: { cli: string; runtime: string };

/** The same peers a user installs, at the versions this checkout tests with (served from npm's cache when it has them). */
const PEERS = [`drizzle-orm@${version('drizzle-orm')}`, `postgres@${version('postgres')}`, `ioredis@${version('ioredis')}`];

const SCHEMA = `import { integer, pgSchema, text, timestamp } from 'drizzle-orm/pg-core';

export const app = pgSchema('${own}');

export const users = app.table('users', {
  id: integer('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
`;

const CONFIG = `import { defineConfig } from 'hotstorage/config';

export default defineConfig({ schema: './src/db/schema.ts', out: './src/hot', prefix: '${own}:' });
`;

// The application: a save and two reads through the generated accessors, then the counters that prove the reads hit.
const APP = `import { drizzle } from 'drizzle-orm/postgres-js';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { createHotStorage } from '@hotstorage/runtime';
import * as hot from './hot/index.js';

async function main(): Promise<void> {
  const client = postgres(process.env.DATABASE_URL ?? '', { max: 2, onnotice: () => {} });
  const redis = new Redis(process.env.REDIS_URL ?? '');
  try {
    const hs = await createHotStorage({ db: drizzle(client), redis, prefix: process.env.PREFIX ?? '', tables: hot });
    const id = Number(process.env.USER_ID);
    const saved = await hot.users.save(hs, { id, email: \`u\${id}@example.com\`, name: 'Ada' });
    const byId = await hot.users.getByPk(hs, id);
    const byEmail = await hot.users.getByEmail(hs, saved.email);
    const { hits, writes } = hs.stats();
    await hs.close();
    console.log(JSON.stringify({ name: byId?.name, email: byEmail?.email, createdAt: byId?.createdAt instanceof Date, hits, writes }));
  } finally {
    redis.disconnect();
    await client.end({ timeout: 1 });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
`;

const TSCONFIG = (module: 'nodenext') => `{
  "compilerOptions": {
    "target": "es2022",
    "module": "${module}",
    "moduleResolution": "nodenext",
    "strict": true,
    "noImplicitReturns": true,
    "noUnusedLocals": true,
    "noUnusedParameters": true,
    "exactOptionalPropertyTypes": true,
    "skipLibCheck": false,
    "types": ["node"],
    "rootDir": "src",
    "outDir": "dist"
  },
  "include": ["src"]
}
`;

/**
 * The applications share one install, made once as a user makes it (the runtime and the peers as dependencies, the CLI
 * and @types/node as dev dependencies): each is a folder inside it with its own package.json (its module type),
 * and resolves the packages from the install above it, as in a workspace.
 */
async function installApps(): Promise<void> {
  writeFileSync(join(work, 'package.json'), '{ "name": "apps", "private": true }\n');
  await ok('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarballs.runtime, ...PEERS], work);
  await ok('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--save-dev', tarballs.cli, '@types/node@20'], work);
}

/** A fresh application folder: the schema, the config, the app; the installed CLI is `work/node_modules/.bin`. */
function makeApp(name: string, type: 'module' | 'commonjs'): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'src/db'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name, private: true, type }, null, 2)}\n`);
  writeFileSync(join(dir, 'tsconfig.json'), TSCONFIG('nodenext'));
  writeFileSync(join(dir, 'hotstorage.config.ts'), CONFIG);
  writeFileSync(join(dir, 'src/db/schema.ts'), SCHEMA);
  writeFileSync(join(dir, 'src/app.ts'), APP);
  return dir;
}

const HOTSTORAGE = (): string => join(work, 'node_modules/.bin/hotstorage');

/**
 * Compiles the app with its tsconfig (library checks on: `skipLibCheck: false`). drizzle-orm's own declarations do not
 * pass that under TypeScript 7 (errors in its mysql, singlestore and sqlite builders, also in an app that imports
 * nothing but drizzle), so those, and only those, are tolerated: none may be in our declarations or in the app. The
 * JavaScript is emitted either way.
 */
async function compile(dir: string): Promise<void> {
  const run = await exec(process.execPath, [TSC, '-p', 'tsconfig.json'], dir);
  const errors = `${run.stdout}${run.stderr}`.split('\n').filter((line) => /^\S.*\(\d+,\d+\): error TS/.test(line));
  const ours = errors.filter((line) => !/^(\.\.\/)*node_modules\/drizzle-orm\//.test(line));
  assert.equal(ours, [], `tsc found errors outside drizzle-orm's own declarations:\n${ours.join('\n')}`);
  assert.ok(existsSync(join(dir, 'dist/app.js')), `tsc emitted no dist/app.js:\n${run.stdout}`);
}

const ENV = (id: number): NodeJS.ProcessEnv => ({ DATABASE_URL, REDIS_URL, PREFIX: `${own}:`, USER_ID: String(id) });

test.before(async () => {
  for (const built of ['dist/cli/main.js', 'runtime/dist/esm/index.js', 'runtime/dist/cjs/index.js']) {
    assert.ok(existsSync(join(REPO_ROOT, built)), `${built} is missing: run \`npm run build\` first (npm test does)`);
  }
  // Packed as built: `npm test` builds before any suite runs, and a build here would pull dist/ from under the suites
  // running beside this one.
  const packs = join(work, 'packs');
  mkdirSync(packs);
  await ok('npm', ['pack', '--ignore-scripts', '--pack-destination', packs], REPO_ROOT);
  await ok('npm', ['pack', '--ignore-scripts', '--pack-destination', packs, '-w', '@hotstorage/runtime'], REPO_ROOT);
  const files = readdirSync(packs);
  const find = (prefix: string) => join(packs, files.find((f) => f.startsWith(prefix)) ?? `${prefix}-missing.tgz`);
  tarballs = { cli: find('hotstorage-'), runtime: find('hotstorage-runtime-') };
  await installApps();
  const sql = connectPostgres({ max: 1 });
  try {
    await sql.unsafe(`create schema "${own}"; create table "${own}".users (id integer primary key, email text not null unique, name text not null, created_at timestamptz not null default now())`);
  } finally {
    await sql.end({ timeout: 1 });
  }
});

test.after(async () => {
  const sql = connectPostgres({ max: 1 });
  const redis = await connectRedis();
  try {
    await sql.unsafe(`drop schema if exists "${own}" cascade`);
    await deletePrefix(redis, `${own}:`);
  } finally {
    await sql.end({ timeout: 1 });
    redis.disconnect();
    rmSync(work, { recursive: true, force: true });
  }
});

test('the tarballs hold what ships and nothing else', timed(60_000, async () => {
  const listing = async (args: readonly string[]) => {
    const run = await ok('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', ...args], REPO_ROOT);
    return (JSON.parse(run.stdout) as { files: { path: string }[] }[])[0]?.files.map((f) => f.path) ?? [];
  };
  const cli = await listing([]);
  const runtime = await listing(['-w', '@hotstorage/runtime']);
  for (const [name, files, allowed] of [
    ['hotstorage', cli, /^(package\.json|README\.md|LICENSE|bin\/hotstorage\.js|dist\/(cli|generator|templates)\/.+\.(js|d\.ts|js\.map))$/],
    ['@hotstorage/runtime', runtime, /^(package\.json|README\.md|LICENSE|dist\/(esm|cjs)\/.+\.(js|d\.ts|js\.map)|dist\/cjs\/package\.json)$/],
  ] as const) {
    const stray = files.filter((f) => !allowed.test(f));
    assert.equal(stray, [], `${name} ships files it should not: ${stray.join(', ')}`);
    for (const required of ['package.json', 'README.md', 'LICENSE']) assert.ok(files.includes(required), `${name} lacks ${required}`);
  }
  assert.ok(runtime.includes('dist/esm/index.d.ts') && runtime.includes('dist/cjs/index.js'), 'the runtime ships both builds');
  assert.not.ok(runtime.some((f) => f.endsWith('.lua') || f.endsWith('.ts') && !f.endsWith('.d.ts')), 'no Lua file or TypeScript source: the scripts are embedded');
}));

test('an ES module app: the installed CLI generates, tsc compiles it strictly with library checks on, plain node runs it', timed(240_000, async () => {
  const dir = makeApp('esm-app', 'module');
  // As the README says it: npx finds the installed bin.
  const generated = await ok('npx', ['--no-install', 'hotstorage', 'generate'], dir);
  assert.match(generated.stdout, 'wrote 2 of 2 files');
  const versions = await ok(HOTSTORAGE(), ['--version'], dir);
  assert.match(versions.stdout, `@hotstorage/runtime: v${JSON.parse(readFileSync(join(REPO_ROOT, 'runtime/package.json'), 'utf8')).version}`);
  assert.match(versions.stdout, `drizzle-orm: v${version('drizzle-orm')}`);
  await compile(dir);
  const run = await ok(process.execPath, ['dist/app.js'], dir, ENV(1));
  assert.equal(JSON.parse(run.stdout), { name: 'Ada', email: 'u1@example.com', createdAt: true, hits: 2, writes: 1 });

  // One bundle with everything in it, moved where no node_modules is: the runtime reads no file at run time.
  const bundled = join(work, 'bundle', 'app.cjs');
  await ok(ESBUILD, ['dist/app.js', '--bundle', '--platform=node', '--format=cjs', '--log-level=error', `--outfile=${bundled}`], dir);
  const far = mkdtempSync(join(tmpdir(), 'hotstorage-bundle-'));
  try {
    cpSync(bundled, join(far, 'app.cjs'));
    const fromBundle = await ok(process.execPath, [join(far, 'app.cjs')], far, ENV(2));
    assert.equal(JSON.parse(fromBundle.stdout), { name: 'Ada', email: 'u2@example.com', createdAt: true, hits: 2, writes: 1 });
  } finally {
    rmSync(far, { recursive: true, force: true });
  }
}));

test('a CommonJS app: its config loads, the generated code compiles to CommonJS and runs through require', timed(240_000, async () => {
  const dir = makeApp('cjs-app', 'commonjs');
  await ok(HOTSTORAGE(), ['generate'], dir);
  await compile(dir);
  assert.match(readFileSync(join(dir, 'dist/app.js'), 'utf8'), 'require("@hotstorage/runtime")', 'compiled to CommonJS');
  const run = await ok(process.execPath, ['dist/app.js'], dir, ENV(3));
  assert.equal(JSON.parse(run.stdout), { name: 'Ada', email: 'u3@example.com', createdAt: true, hits: 2, writes: 1 });
  // And the runtime's own CommonJS entries, required directly.
  const required = await ok(process.execPath, ['-e', "const r = require('@hotstorage/runtime'); const t = require('@hotstorage/runtime/testing'); console.log(typeof r.createHotStorage, typeof r.defineTable, typeof t.createHotStorage, require('@hotstorage/runtime/package.json').name)"], dir);
  assert.is(required.stdout.trim(), 'function function function @hotstorage/runtime');
}));

test('a production install of the runtime adds no package but the runtime', timed(120_000, async () => {
  // Apart from the apps' install: nothing above it may lend it a package.
  const dir = mkdtempSync(join(tmpdir(), 'hotstorage-prod-'));
  try {
  writeFileSync(join(dir, 'package.json'), '{ "name": "prod", "private": true }\n');
  const packages = (): Set<string> => {
    const found = new Set<string>();
    const walk = (folder: string): void => {
      if (!existsSync(folder)) return;
      for (const name of readdirSync(folder)) {
        if (name.startsWith('.')) continue;
        if (name.startsWith('@')) for (const inner of readdirSync(join(folder, name))) found.add(`${name}/${inner}`);
        else found.add(name);
      }
    };
    walk(join(dir, 'node_modules'));
    return found;
  };
  await ok('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', ...PEERS], dir);
  const before = packages();
  await ok('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', tarballs.runtime], dir);
  const added = [...packages()].filter((p) => !before.has(p));
  assert.equal(added, ['@hotstorage/runtime']);
  assert.ok(existsSync(join(dir, 'node_modules/@hotstorage/runtime/dist/esm/index.js')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}));

test.run();
