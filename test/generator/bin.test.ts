// The `hotstorage` bin runs from this checkout (`npx hotstorage`, the compiled CLI that `npm run build` writes). An
// installed copy, from the packed tarball, is test/package/install.test.ts's.
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../helpers/project.js';
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

test.run();
