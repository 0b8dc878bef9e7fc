// The Lua the runtime ships is embedded at build time (runtime/build/lua.ts): runtime/src/redis/lua-scripts.ts must be
// exactly what the .lua sources and their fragments compose to, and every lease value a script names comes from
// lease-values.ts, the one place TypeScript reads it too.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { composeScripts, LUA_MODULE, renderLuaModule } from '../../runtime/build/lua.js';
import { LEASE_VALUES } from '../../runtime/src/redis/lease-values.js';
import { ALL_SCRIPTS } from '../../runtime/src/redis/scripts.js';

test('runtime/src/redis/lua-scripts.ts is what the Lua sources compose to (run `npm run build` after editing a .lua file)', () => {
  assert.fixture(readFileSync(LUA_MODULE, 'utf8'), renderLuaModule(composeScripts()));
});

test('every script is registered, with its includes resolved and its lease values declared', () => {
  const scripts = composeScripts();
  assert.equal(new Set(ALL_SCRIPTS.map((s) => s.lua)), new Set(scripts.values()));
  for (const [name, text] of scripts) {
    assert.not.match(text, /^--#include/m, `${name}: an include was left unresolved`);
    for (const [constant, value] of Object.entries(LEASE_VALUES)) {
      if (new RegExp(`\\b${constant}\\b`).test(text)) assert.match(text, `local ${constant} = '${value}'`, `${name} names ${constant} without declaring it`);
    }
    // A bare lease value in code (not a comment) would bypass lease-values.ts.
    const code = text.split('\n').filter((line) => !line.trimStart().startsWith('--')).map((line) => line.replace(/--.*$/, '')).join('\n');
    assert.not.match(code.replace(/^local [A-Z_]+ = '[^']*'/gm, ''), /'(w|f|c:|r:|w:)'/, `${name} spells a lease value instead of naming it`);
  }
});

test.run();
