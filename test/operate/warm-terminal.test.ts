// warm on a real pseudo-terminal (util-linux `script`): bars drawn in place (cursor codes, carriage returns), one per
// table with its name and rows/s; colours unless NO_COLOR is set.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT } from '../helpers/project.js';
import { DATABASE_URL, REDIS_URL } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';
import { openOperateWorld, type OperateWorld } from './world.js';

let world: OperateWorld;
test.before(async () => {
  world = await openOperateWorld('op_warm_tty');
  await world.seedUsers(0, 3000);
  await world.seedMembers(1000);
});
test.after(async () => {
  await world?.close();
});

const SGR = /\u001b\[[\d;]*m/; // a colour or weight: what NO_COLOR turns off
const CURSOR = /\u001b\[(\d*[AGK]|\?25[lh])/; // move up, to column, erase line, hide/show cursor: drawing in place

/** `hotstorage warm ...args` with stdout and stderr on a pseudo-terminal; resolves with everything the terminal got. */
function warmOnTerminal(args: string, env: Record<string, string>): Promise<string> {
  const command = `${process.execPath} ${join(REPO_ROOT, 'bin/hotstorage.js')} warm ${args}`;
  const { NO_COLOR: _drop, FORCE_COLOR: _drop2, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    execFile('script', ['-qfec', command, '/dev/null'], {
      cwd: world.dir,
      env: { ...inherited, DATABASE_URL, REDIS_URL, HOTSTORAGE_PREFIX: world.prefix, ...env },
    }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

test('on a terminal: a bar per table drawn in place, with the table names and rows/s; colours on', timed(60_000, async () => {
  const out = await warmOnTerminal('--batch 200 --rate 4000', {});
  assert.match(out, CURSOR, 'cursor codes: the bars are redrawn in place');
  assert.ok((out.match(/\u001b\[1G/g) ?? []).length >= 4, 'lines are drawn over again from their first column');
  assert.match(out, `${world.schema}.members`);
  assert.match(out, `${world.schema}.users`);
  assert.match(out, /\d+\/3000 rows \| [\d,]+ rows\/s \| ETA/);
  assert.match(out, /█/);
  assert.match(out, SGR, 'colours on a terminal without NO_COLOR');
  assert.match(out, /rows read/);
}));

test('NO_COLOR: still drawn in place, but no colour codes', timed(60_000, async () => {
  const out = await warmOnTerminal('users --batch 500', { NO_COLOR: '1' });
  assert.match(out, CURSOR);
  assert.match(out, `${world.schema}.users`);
  assert.match(out, /rows\/s/);
  assert.not.match(out, SGR);
}));

test.run();
