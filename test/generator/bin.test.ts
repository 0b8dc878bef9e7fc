// The `hotstorage` bin runs with no build step: from this checkout (`npx hotstorage`) and from an installed
// copy of the package, whose config imports 'hotstorage/config' and whose generated code imports
// 'hotstorage/runtime'.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeProject, removeProject, REPO_ROOT, snapshotFolder } from '../helpers/project.js';
import { timed } from '../helpers/timeout.js';

function exec(command: string, args: readonly string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

test(
  'npx hotstorage in this checkout runs the package’s own bin',
  timed(120_000, async () => {
    const run = await exec('npx', ['--no-install', 'hotstorage', 'generate', '--help'], REPO_ROOT);
    assert.is(run.code, 0, run.stderr);
    assert.match(run.stdout, 'hotstorage generate');
  }),
);

test(
  'an installed copy of the package generates for a CommonJS project whose config imports hotstorage/config',
  timed(120_000, async () => {
    // The project sits under this checkout's .tmp/, so the package's own dependencies resolve from the
    // checkout's node_modules, as they would from a real install's.
    const dir = makeProject({
      'package.json': '{ "name": "user-app", "private": true }\n',
      'hotstorage.config.ts': "import { defineConfig } from 'hotstorage/config';\n\nexport default defineConfig({ schema: './db/schema.ts', out: './src/hot' });\n",
    });
    try {
      const installed = join(dir, 'node_modules/hotstorage');
      for (const part of ['package.json', 'bin', 'generator', 'operate', 'runtime', 'templates']) cpSync(join(REPO_ROOT, part), join(installed, part), { recursive: true });
      mkdirSync(join(dir, 'node_modules/.bin'));
      symlinkSync('../hotstorage/bin/hotstorage.js', join(dir, 'node_modules/.bin/hotstorage'));
      cpSync(join(REPO_ROOT, 'example/db'), join(dir, 'db'), { recursive: true });

      const run = await exec(join(dir, 'node_modules/.bin/hotstorage'), ['generate'], dir);
      assert.is(run.code, 0, run.stderr);
      const out = snapshotFolder(join(dir, 'src/hot'));
      const example = snapshotFolder(join(REPO_ROOT, 'example/hot'));
      assert.equal(Object.keys(out), Object.keys(example));
      // Same modules as the example's, one folder deeper.
      assert.is(out['users.ts'], example['users.ts']?.replace("from '../db/schema.js'", "from '../../db/schema.js'"));
    } finally {
      removeProject(dir);
    }
  }),
);

test.run();
