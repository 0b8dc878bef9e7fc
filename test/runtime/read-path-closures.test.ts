// The read paths make no named closure per call. Where the runtime runs through esbuild with keepNames (tsx does, and
// the package ships TypeScript), every `const f = () => …` made inside a function is wrapped in `__name(f, "f")`, an
// Object.defineProperty on each call: about 0.4 µs, 5% of a cache hit's client CPU. A named closure in a read path
// is such a cost on every read, so this test transforms the read-path modules as tsx does and finds none inside a
// function (an arrow passed inline, as to `.then`, has no name to keep and costs nothing extra).
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const READ_PATHS = [
  'runtime/src/protocol/read.ts',
  'runtime/src/protocol/read-unique.ts',
  'runtime/src/protocol/read-many.ts',
  'runtime/src/protocol/read-list.ts',
  'runtime/src/protocol/read-through.ts',
];

/** `__name(...)` calls inside a function body: made each time that function runs. */
function namedClosures(source: string): string[] {
  const { code } = transformSync(source, { loader: 'ts', format: 'esm', keepNames: true, target: 'node20' });
  // Module-level renames start the line; class renames (`__name(this, …)`) run once per class.
  return code.split('\n').filter((line) => /^\s+.*__name\(/.test(line) && !line.includes('__name(this,')).map((line) => line.trim());
}

test('the check finds a named closure made inside a function, and none made at module level', () => {
  assert.equal(namedClosures('export function read(v: number) {\n  const serve = (x: number) => x + v;\n  return serve(1);\n}\n').length, 1);
  assert.equal(namedClosures('export function read(v: number) {\n  return [v].map((x) => x + 1);\n}\nconst once = () => 1;\n'), []);
});

for (const file of READ_PATHS) {
  test(`${file} makes no named closure per call`, () => {
    const found = namedClosures(readFileSync(file, 'utf8'));
    assert.equal(found, [], `${file}: inline these arrows or make them module-level functions:\n${found.join('\n')}`);
  });
}

test.run();
