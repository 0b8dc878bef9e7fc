// The operating commands and `triggers --check` read drizzle-kit's config as drizzle-kit reads it: its dbCredentials
// give the database when DATABASE_URL is unset, its tablesFilter / schemaFilter limit the tables, a config of any file
// name with drizzle-kit's shape is one; and `triggers --check` takes hotstorage.config.ts's databaseUrl too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFiles } from '../helpers/project.js';
import { DATABASE_URL } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';
import { openOperateWorld, type OperateWorld } from './world.js';

let world: OperateWorld;
test.before(async () => {
  world = await openOperateWorld('op_drizzle_config');
  await world.seedUsers(0, 3);
  await world.seedMembers(4);
  const url = new URL(DATABASE_URL);
  writeFiles(world.dir, {
    // Named as a project names its second config: drizzle-kit's shape (dialect), credentials in the host form.
    'drizzle-dev.config.ts': `
export default {
  dialect: 'postgresql',
  schema: './schema.ts',
  out: './drizzle',
  dbCredentials: {
    host: ${JSON.stringify(url.hostname)},
    port: ${Number(url.port || 5432)},
    user: ${JSON.stringify(decodeURIComponent(url.username) || 'postgres')},
    ${url.password ? `password: ${JSON.stringify(decodeURIComponent(url.password))},` : ''}
    database: ${JSON.stringify(url.pathname.slice(1))},
  },
  tablesFilter: ['users'],
  schemaFilter: [${JSON.stringify(world.schema)}],
};
`,
    'drizzle-other.config.ts': `export default { dialect: 'postgresql', schema: './schema.ts', dbCredentials: { url: ${JSON.stringify(DATABASE_URL)} }, schemaFilter: ['public'] };\n`,
    'hot-db.config.ts': `export default { schema: './schema.ts', databaseUrl: ${JSON.stringify(DATABASE_URL)} };\n`,
  });
});
test.after(async () => {
  await world?.close();
});

test('warm with DATABASE_URL unset connects through dbCredentials and takes only the tables tablesFilter keeps', timed(60_000, async () => {
  const run = await world.cli(['warm', '--config', 'drizzle-dev.config.ts'], { DATABASE_URL: undefined });
  assert.is(run.code, 0, run.stdout + run.stderr);
  const said = run.stdout + run.stderr;
  assert.match(said, `${world.schema}.users: 3 rows done`);
  assert.not.match(said, 'members', 'members is left out by tablesFilter');
  assert.not.match(said, 'Unknown config key');
}));

test('a schemaFilter that keeps none of the schema\'s tables leaves no table to operate on', timed(60_000, async () => {
  const run = await world.cli(['warm', 'members', '--config', 'drizzle-other.config.ts'], { DATABASE_URL: undefined });
  assert.is(run.code, 2, run.stdout + run.stderr);
  assert.is(run.stderr, 'hotstorage: No cached table is named "members"; the cached tables are: none.\n');
}));

test('triggers --check takes its database from dbCredentials or from hotstorage.config.ts\'s databaseUrl when DATABASE_URL is unset', timed(60_000, async () => {
  const viaDrizzle = await world.cli(['triggers', '--check', '--config', 'drizzle-dev.config.ts', '--outbox-schema', `${world.schema}_feed`], { DATABASE_URL: undefined });
  assert.is(viaDrizzle.code, 1, viaDrizzle.stdout + viaDrizzle.stderr);
  assert.match(viaDrizzle.stdout, `missing: trigger hotstorage_insert on ${world.schema}.users`);
  assert.not.match(viaDrizzle.stdout, 'members', 'members is left out by tablesFilter');
  const viaHot = await world.cli(['triggers', '--check', '--config', 'hot-db.config.ts', '--outbox-schema', `${world.schema}_feed`], { DATABASE_URL: undefined });
  assert.is(viaHot.code, 1, viaHot.stdout + viaHot.stderr);
  assert.match(viaHot.stdout, `missing: trigger hotstorage_insert on ${world.schema}.members`);
  const none = await world.cli(['triggers', '--check'], { DATABASE_URL: undefined });
  assert.is(none.code, 2);
  assert.is(
    none.stderr,
    'hotstorage: triggers --check needs a database: pass --database-url, or set DATABASE_URL (or "databaseUrl" in hotstorage.config.ts, or "dbCredentials" in drizzle.config.ts).\n',
  );
}));

test.run();
