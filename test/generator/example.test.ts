// The committed example output is what `npm run example` generates, so it cannot drift from the generator.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT, runCli } from '../helpers/project.js';
import { timed } from '../helpers/timeout.js';

test(
  'generate --check on the bundled example exits 0',
  timed(120_000, async () => {
    const run = await runCli(REPO_ROOT, ['generate', '--check', '--config', 'example/hotstorage.config.ts']);
    assert.is(run.code, 0, `${run.stdout}${run.stderr}\nRun \`npm run example\` and commit example/hot/.`);
    assert.is(run.stdout, 'hotstorage: example/hot/ is up to date (5 files).\n');
  }),
);

test.run();
