#!/usr/bin/env node
// Runs every test/**/*.test.ts file in its own Node process (two at a time: the machine has two cores),
// each under a wall-clock limit, and ends with the one line CI reads: `N passed, N failed`.
// Usage: npm test [-- PATTERN...]  (npm test builds first; node test/run.js alone does not)   (a file runs when its path contains any PATTERN)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { glob } from 'tinyglobby';

const FILE_LIMIT_MS = Number(process.env.HOTSTORAGE_TEST_FILE_LIMIT_MS ?? 600_000);
const patterns = process.argv.slice(2);
const files = (await glob('test/**/*.test.ts', { cwd: process.cwd() }))
  .sort()
  .filter((f) => patterns.length === 0 || patterns.some((p) => f.includes(p)));

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];

/** A file may raise its own limit with a line `// test-file-limit-seconds: N` (its tests' own timeouts still bound each test). */
function limitOf(file) {
  const declared = /^\/\/ test-file-limit-seconds: (\d+)$/m.exec(readFileSync(file, 'utf8'))?.[1];
  return declared === undefined ? FILE_LIMIT_MS : Math.max(FILE_LIMIT_MS, Number(declared) * 1000);
}

function runFile(file) {
  const limitMs = limitOf(file);
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? NaN);
      const ok = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? NaN);
      const skip = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      let note = '';
      if (Number.isNaN(total) || timedOut || (code !== 0 && total === ok + skip)) {
        // A file that crashed, hung or exited non-zero without a failing test is one failure of its own.
        const why = timedOut ? `killed after ${limitMs / 1000}s` : `exited with code ${code}`;
        passed += Number.isNaN(ok) ? 0 : ok;
        failed += 1;
        skipped += skip;
        failures.push(`${file}: ${why}`);
        note = ` (${why})`;
      } else {
        passed += ok;
        failed += total - ok - skip;
        skipped += skip;
        if (total - ok - skip > 0) failures.push(`${file}: ${total - ok - skip} failed`);
      }
      process.stdout.write(`\n### ${file} (${seconds}s)${note}\n${out.trimEnd()}\n`);
      resolve();
    });
  });
}

const queue = [...files];
const workers = Array.from({ length: Math.min(2, availableParallelism()) }, async () => {
  while (queue.length > 0) await runFile(queue.shift());
});
await Promise.all(workers);

if (files.length === 0) {
  failed += 1;
  failures.push('no test files matched');
}
if (failures.length > 0) process.stdout.write(`\nFailures:\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exitCode = failed > 0 ? 1 : 0;
