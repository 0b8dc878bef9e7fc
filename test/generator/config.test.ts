// Configuration: hotstorage.config.ts, the drizzle.config.ts fallback, and flags over both.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ConfigFlags, loadConfig, type TableFilter } from '../../generator/config.js';
import { tableFilter } from '../../generator/table-filter.js';
import { formatDiagnostic } from '../../generator/diagnostics.js';
import { makeProject, removeProject } from '../helpers/project.js';
import { timed } from '../helpers/timeout.js';

const projects: string[] = [];
function project(files: Record<string, string>): string {
  const dir = makeProject(files);
  projects.push(dir);
  return dir;
}

async function load(cwd: string, flags: ConfigFlags = {}) {
  const result = await loadConfig({ cwd, flags });
  return { ...result, messages: result.diagnostics.map(formatDiagnostic) };
}

const HOT_CONFIG = `import { defineConfig } from 'hotstorage/config';

export default defineConfig({
  schema: ['./db/schema.ts', './db/more/*.ts'],
  out: './src/hot',
  casing: 'snake_case',
  extract: 'import',
  importExtension: '.ts',
  runtimeImport: '@acme/hot/runtime',
});
`;

test(
  'hotstorage.config.ts is found in the working folder and every key is read, relative to its folder',
  timed(20_000, async () => {
    const dir = project({ 'hotstorage.config.ts': HOT_CONFIG });
    const { config, messages } = await load(dir);
    assert.equal(messages, []);
    assert.ok(config);
    assert.is(config.root, dir);
    assert.is(config.configFile, 'hotstorage.config.ts');
    assert.equal(config.schema.map((s) => [s.pattern, s.base, s.origin?.line]), [
      ['./db/schema.ts', dir, 4],
      ['./db/more/*.ts', dir, 4],
    ]);
    assert.is(config.out, join(dir, 'src/hot'));
    assert.is(config.casing, 'snake_case');
    assert.is(config.extract, 'import');
    assert.is(config.importExtension, '.ts');
    assert.is(config.runtimeImport, '@acme/hot/runtime');
  }),
);

test(
  '--config elsewhere makes that file’s folder the root, and unset keys take their defaults',
  timed(20_000, async () => {
    const dir = project({ 'app/hotstorage.config.ts': "export default { schema: 'schema.ts' };\n" });
    const { config, messages } = await load(dir, { config: 'app/hotstorage.config.ts' });
    assert.equal(messages, []);
    assert.ok(config);
    assert.is(config.root, join(dir, 'app'));
    assert.is(config.out, join(dir, 'app/hotstorage'));
    assert.is(config.extract, 'static');
    assert.is(config.casing, undefined);
    assert.is(config.importExtension, '.js');
    assert.is(config.runtimeImport, '@hotstorage/runtime');
  }),
);

test(
  'without a hotstorage config, schema and casing come from drizzle.config.ts and out defaults to ./hotstorage',
  timed(20_000, async () => {
    const dir = project({
      'drizzle.config.ts': `export default {
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
  casing: 'snake_case',
  dbCredentials: { url: process.env.DATABASE_URL ?? '' },
};
`,
    });
    const { config, messages } = await load(dir);
    assert.equal(messages, []);
    assert.ok(config);
    assert.is(config.configFile, 'drizzle.config.ts');
    assert.equal(config.schema.map((s) => s.pattern), ['./src/db/schema.ts']);
    assert.is(config.casing, 'snake_case');
    // drizzle's `out` is its migrations folder, not ours.
    assert.is(config.out, join(dir, 'hotstorage'));
  }),
);

test(
  'drizzle.config.ts is read as drizzle-kit reads it: dbCredentials (url or host form), tablesFilter and schemaFilter',
  timed(20_000, async () => {
    const withUrl = project({
      'drizzle.config.ts': `import { defineConfig } from 'drizzle-kit';
export default {
  dialect: 'postgresql',
  schema: './schema.ts',
  dbCredentials: { url: 'postgres://app:secret@db.internal:6543/shop' },
  tablesFilter: 'shop_*',
  schemaFilter: ['public', 'billing'],
};
`,
    });
    const a = await load(withUrl);
    assert.equal(a.messages, []);
    assert.equal(a.config?.services, { databaseUrl: 'postgres://app:secret@db.internal:6543/shop', databaseUrlFrom: '"dbCredentials" in drizzle.config.ts' });
    assert.equal(a.config?.tables, { tablesFilter: ['shop_*'], schemaFilter: ['public', 'billing'] });

    const withHost = project({
      'drizzle.config.ts': `export default {
  dialect: 'postgresql',
  schema: './schema.ts',
  dbCredentials: { host: 'db.internal', port: 6543, user: 'app', password: 'p@ss/word', database: 'shop', ssl: { rejectUnauthorized: false } },
  extensionsFilters: ['postgis'],
};
`,
    });
    const b = await load(withHost);
    assert.equal(b.messages, []);
    assert.equal(b.config?.services, {
      databaseUrl: 'postgresql://app:p%40ss%2Fword@db.internal:6543/shop',
      databaseUrlFrom: '"dbCredentials" in drizzle.config.ts',
      databaseSsl: { rejectUnauthorized: false },
    });
    assert.equal(b.config?.tables, { tablesFilter: ['!geography_columns', '!geometry_columns', '!spatial_ref_sys'] });

    // An unset variable (url: '') is no database, not an error: generate never needs one.
    const unset = project({ 'drizzle.config.ts': "export default { dialect: 'postgresql', schema: './schema.ts', dbCredentials: { url: '' }, ssl: true };\n" });
    const c = await load(unset);
    assert.equal(c.messages, []);
    assert.equal(c.config?.services, {});
  }),
);

test(
  '--config of any name is read as a drizzle-kit config when it has drizzle-kit\'s shape (a dialect); another dialect is refused',
  timed(20_000, async () => {
    const dir = project({
      'drizzle-dev.config.ts': `export default {
  dialect: 'postgresql',
  schema: './src/schema.ts',
  out: './migrations',
  strict: true,
  verbose: true,
  dbCredentials: { url: 'postgres://dev@127.0.0.1:5432/dev' },
};
`,
      'drizzle-mysql.config.ts': "export default {\n  schema: './src/schema.ts',\n  dialect: 'mysql',\n};\n",
    });
    const dev = await load(dir, { config: 'drizzle-dev.config.ts' });
    assert.equal(dev.messages, []);
    assert.equal(dev.config?.schema.map((s) => s.pattern), ['./src/schema.ts']);
    assert.is(dev.config?.out, join(dir, 'hotstorage'), 'its out is the migrations folder, not ours');
    assert.is(dev.config?.services.databaseUrl, 'postgres://dev@127.0.0.1:5432/dev');
    const mysql = await load(dir, { config: 'drizzle-mysql.config.ts' });
    assert.equal(mysql.messages, [
      'drizzle-mysql.config.ts:3:3: error: drizzle-mysql.config.ts is a drizzle-kit config for dialect "mysql"; hotstorage reads PostgreSQL schemas (dialect "postgresql"). [invalid-config]',
    ]);
  }),
);

test(
  'hotstorage.config.ts takes tablesFilter and schemaFilter too (a string or a list), and refuses other types',
  timed(20_000, async () => {
    const dir = project({ 'hotstorage.config.ts': "export default { schema: './schema.ts', tablesFilter: 'shop_*', schemaFilter: ['app'] };\n" });
    const { config, messages } = await load(dir);
    assert.equal(messages, []);
    assert.equal(config?.tables, { tablesFilter: ['shop_*'], schemaFilter: ['app'] });
    const bad = project({ 'hotstorage.config.ts': "export default {\n  schema: './schema.ts',\n  tablesFilter: 3,\n};\n" });
    assert.equal((await load(bad)).messages, ['hotstorage.config.ts:3:3: error: Config key "tablesFilter" in hotstorage.config.ts must be a glob or a list of globs. [invalid-config]']);
  }),
);

test('tablesFilter and schemaFilter keep tables as drizzle-kit does: globs on the bare name, ! excludes, exact schema names', () => {
  const kept = (filter: TableFilter, tables: string[]) =>
    tables.filter((t) => {
      const [schema = '', name = ''] = t.split('.');
      return tableFilter(filter)(schema, name);
    });
  const all = ['public.shop_orders', 'public.shop_tmp', 'public.users', 'billing.shop_invoices', 'auth.sessions'];
  assert.equal(kept({}, all), all, 'no filter keeps every table, whatever its schema');
  assert.equal(kept({ tablesFilter: ['shop_*'] }, all), ['public.shop_orders', 'public.shop_tmp', 'billing.shop_invoices']);
  // drizzle-kit's rule, quirk included: an exclusion votes for every name it does not match, so `users` is kept here.
  assert.equal(kept({ tablesFilter: ['shop_*', '!shop_tmp'] }, all), ['public.shop_orders', 'public.users', 'billing.shop_invoices', 'auth.sessions']);
  assert.equal(kept({ tablesFilter: ['!users', '!sessions'] }, all), ['public.shop_orders', 'public.shop_tmp', 'billing.shop_invoices']);
  assert.equal(kept({ tablesFilter: ['{users,sessions}'] }, all), ['public.users', 'auth.sessions']);
  assert.equal(kept({ schemaFilter: ['public'] }, all), ['public.shop_orders', 'public.shop_tmp', 'public.users']);
  assert.equal(kept({ schemaFilter: ['billing', 'auth'], tablesFilter: ['shop_*'] }, all), ['billing.shop_invoices']);
});

test(
  'hotstorage.config.ts wins over drizzle.config.ts in the same folder',
  timed(20_000, async () => {
    const dir = project({
      'hotstorage.config.ts': "export default { schema: 'hot.ts' };\n",
      'drizzle.config.ts': "export default { schema: 'drizzle.ts' };\n",
    });
    const { config } = await load(dir);
    assert.equal(config?.schema.map((s) => s.pattern), ['hot.ts']);
  }),
);

test(
  'flags override both config files; their paths are relative to the working folder',
  timed(20_000, async () => {
    const dir = project({ 'hotstorage.config.ts': HOT_CONFIG, 'sub/.keep': '' });
    const cwd = join(dir, 'sub');
    const { config, messages } = await load(cwd, {
      config: '../hotstorage.config.ts',
      schema: ['x.ts', 'y/*.ts'],
      out: 'gen',
      casing: 'camelCase',
      extract: 'static',
    });
    assert.equal(messages, []);
    assert.ok(config);
    assert.equal(config.schema.map((s) => [s.pattern, s.base, s.origin]), [
      ['x.ts', cwd, undefined],
      ['y/*.ts', cwd, undefined],
    ]);
    assert.is(config.out, join(cwd, 'gen'));
    assert.is(config.casing, 'camelCase');
    assert.is(config.extract, 'static');
  }),
);

test(
  'with no config file at all, --schema is enough and the working folder is the root',
  timed(20_000, async () => {
    const dir = project({ 'schema.ts': '' });
    const { config, messages } = await load(dir, { schema: ['schema.ts'] });
    assert.equal(messages, []);
    assert.is(config?.root, dir);
    assert.is(config?.out, join(dir, 'hotstorage'));
  }),
);

test(
  'an unknown config key is an error naming the key, the file and the line',
  timed(20_000, async () => {
    const dir = project({
      'hotstorage.config.ts': "export default {\n  schema: 'schema.ts',\n  outDir: './hot',\n};\n",
    });
    const { config, messages } = await load(dir);
    assert.is(config, undefined);
    assert.equal(messages, [
      'hotstorage.config.ts:3:3: error: Unknown config key "outDir" in hotstorage.config.ts. [unknown-config-key]\n' +
        '  hint: known keys: schema, out, casing, extract, importExtension, runtimeImport, prefix, databaseUrl, redisUrl, redisClusterNodes, tablesFilter, schemaFilter',
    ]);
  }),
);

test(
  'a config value of the wrong kind is an error naming the key',
  timed(20_000, async () => {
    const dir = project({ 'hotstorage.config.ts': "export default { schema: 'schema.ts', casing: 'kebab' };\n" });
    const { messages } = await load(dir);
    assert.equal(messages, [
      'hotstorage.config.ts:1:39: error: Config key "casing" in hotstorage.config.ts must be "snake_case" or "camelCase". [invalid-config]',
    ]);
  }),
);

test(
  'a missing --config file is one sentence naming it',
  timed(20_000, async () => {
    const dir = project({});
    const { config, messages } = await load(dir, { config: 'nope.config.ts' });
    assert.is(config, undefined);
    assert.equal(messages, ['nope.config.ts: error: Config file nope.config.ts does not exist. [missing-config]']);
  }),
);

test(
  'a config that throws while loading is reported with its message',
  timed(20_000, async () => {
    const dir = project({ 'hotstorage.config.ts': "throw new Error('no env');\nexport default {};\n" });
    const { messages } = await load(dir);
    assert.equal(messages, ['hotstorage.config.ts: error: Config file hotstorage.config.ts failed to load: no env [config-load]']);
  }),
);

test(
  'no schema anywhere is an error that names the way out',
  timed(20_000, async () => {
    const dir = project({});
    const { messages } = await load(dir);
    assert.equal(messages, [
      'error: No schema files to read: no hotstorage.config.ts or drizzle.config.ts was found. [missing-schema]\n' +
        '  hint: pass --schema <file|folder|glob>, or set "schema" in hotstorage.config.ts',
    ]);
  }),
);

test.after(() => {
  for (const dir of projects) removeProject(dir);
});

test.run();
