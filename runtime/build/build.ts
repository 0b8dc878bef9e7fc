// The runtime package's build: the Lua scripts embedded (build/lua.ts); the sources compiled by the project's
// TypeScript to ES modules with declarations and source maps (dist/esm); then the same sources emitted as CommonJS by
// esbuild, file by file, no bundling (dist/cjs, behind a package.json of type commonjs), beside a copy of the
// declarations, which read as CommonJS declarations there. `npm run build -w @hotstorage/runtime`.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { composeScripts, LUA_MODULE, renderLuaModule } from './lua.js';

const root = join(import.meta.dirname, '..');
// The project's own compiler (TypeScript 7, native): its package exports no JavaScript API, only the `tsc` bin.
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');

function writeIfChanged(path: string, text: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileSync(path, text);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(dir, file));
}

writeIfChanged(LUA_MODULE, renderLuaModule(composeScripts()));
rmSync(join(root, 'dist'), { recursive: true, force: true });

const esm = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
if (esm.status !== 0) {
  process.stderr.write('runtime build: tsc failed\n');
  process.exit(1);
}

await build({
  entryPoints: sourceFiles(join(root, 'src')),
  outdir: join(root, 'dist/cjs'),
  outbase: join(root, 'src'),
  bundle: false,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
writeFileSync(join(root, 'dist/cjs/package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
cpSync(join(root, 'dist/esm'), join(root, 'dist/cjs'), { recursive: true, filter: (source) => !/\.js(\.map)?$/.test(source) });
