// The runtime's published declarations need neither driver's types (issue 14.3): an application on node-postgres
// with `skipLibCheck: false` and no postgres.js installed compiles against them. The compiler runs as the user runs it
// (the native `tsc` CLI) on a project under .tmp/ whose `postgres` module cannot be found (a `paths` entry to nowhere).
// drizzle-orm's own declarations do not pass `skipLibCheck: false` (they name gel, mysql2 and more), so what is held
// here is that no diagnostic is in the runtime's declarations or the application, and none is about `postgres`.
// Run after `npm run build` (npm test builds first): it reads runtime/dist.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeProject, removeProject, REPO_ROOT } from '../helpers/project.js';
import { timed } from '../helpers/timeout.js';

const TSC = join(REPO_ROOT, 'node_modules/.bin/tsc');

const APP = `import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createHotStorage, type HotStorage, type ListenOptions, type TableFeedStatus } from '@hotstorage/runtime';

const pool = new pg.Pool({ connectionString: 'postgres://127.0.0.1/app' });
export const storage: Promise<HotStorage> = createHotStorage({ db: drizzle(pool), redis: new Redis({ lazyConnect: true }) });
export const viaPool: ListenOptions = { sql: pool };
export const viaClient: ListenOptions = { sql: new pg.Client() };
export const feeds = async (): Promise<TableFeedStatus[]> => (await storage).changeFeed();
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false,
    types: ['node'], esModuleInterop: true,
    // As if postgres.js were not installed.
    paths: { postgres: ['./no-such-module'], 'postgres/*': ['./no-such-module'] },
  },
  files: ['app.ts'],
};

function tsc(dir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSC, '-p', join(dir, 'tsconfig.json')], { cwd: dir });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

test('an application on node-postgres compiles against the runtime\'s declarations without postgres.js types', timed(120_000, async () => {
  const dir = makeProject({ 'app.ts': APP, 'tsconfig.json': JSON.stringify(TSCONFIG), 'package.json': '{"type":"module"}' });
  try {
    const diagnostics = (await tsc(dir)).split('\n').filter((line) => /error TS\d+/.test(line));
    const ours = diagnostics.filter((line) => /@hotstorage|runtime\/dist|app\.ts|'postgres'/.test(line));
    assert.equal(ours, [], 'no diagnostic in the runtime\'s declarations or the application, none about postgres');
  } finally {
    removeProject(dir);
  }
}));

test.run();
