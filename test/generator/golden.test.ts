// Every fixture case with a model renders exactly its expected/ folder, two ways: from model.json alone (the
// rendering seam), and through the whole pipeline from its schema files. UPDATE_GOLDEN=1 rewrites expected/.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDiagnostic } from '../../generator/diagnostics.js';
import { generate } from '../../generator/generate.js';
import type { Model } from '../../generator/model.js';
import { render } from '../../generator/render.js';
import { fixtureCases, UPDATE_GOLDEN } from '../helpers/fixtures.js';
import { assertGoldenFolder, writeGoldenFolder } from '../helpers/golden.js';
import { timed } from '../helpers/timeout.js';

const cases = fixtureCases().filter((c) => !c.mustFail && existsSync(join(c.dir, 'model.json')));

test('the fixture corpus has cases with a model to render', () => {
  assert.ok(cases.length > 0, 'no fixtures/<case>/model.json found');
});

for (const fixture of cases) {
  const expectedDir = join(fixture.dir, 'expected');

  test(`${fixture.name}: rendering model.json gives expected/`, () => {
    const model = JSON.parse(readFileSync(join(fixture.dir, 'model.json'), 'utf8')) as Model;
    const { files, diagnostics } = render(model, { outDir: 'expected' });
    assert.equal(diagnostics.map(formatDiagnostic), []);
    if (UPDATE_GOLDEN) writeGoldenFolder(expectedDir, files);
    assertGoldenFolder(expectedDir, files, fixture.name);
  });

  // A case only the drizzle-orm 1.0 install can load is held to its model by the 1.x suite instead.
  const extract = fixture.extract === 'import' ? 'import' : 'static';
  if (extract === 'import' && fixture.drizzle === '1.x') continue;

  test(
    `${fixture.name}: generate --check on its schema finds expected/ up to date (${extract} extraction)`,
    timed(60_000, async () => {
      const result = await generate({
        cwd: fixture.dir,
        flags: { schema: fixture.schema, out: 'expected', casing: fixture.casing, extract },
        check: true,
      });
      const detail =
        result.status === 'error'
          ? result.diagnostics.map(formatDiagnostic).join('\n')
          : `stale ${result.comparison.stale.map((f) => f.path)}; missing ${result.comparison.missing.map((f) => f.path)}; orphaned ${result.comparison.orphaned}`;
      assert.is(result.status, 'up-to-date', detail);
    }),
  );
}

test.run();
