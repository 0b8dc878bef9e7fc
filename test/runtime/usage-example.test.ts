// The README's usage example is example/usage.ts: these tests run it against real Postgres and Redis (in a schema and
// key prefix of their own), as a function and as a program, and hold README.md's Usage section to the file's marked
// region, so the README cannot go stale.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createTables, tour } from '../../example/usage.js';
import { REPO_ROOT, runNode } from '../helpers/project.js';
import { connectPostgres, connectRedis, DATABASE_URL, deletePrefix, REDIS_URL, suiteName } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';

const schema = suiteName('usage');
const prefix = `${schema}:`;
let admin: postgres.Sql;
let adminRedis: Redis;

test.before(async () => {
  admin = connectPostgres();
  adminRedis = await connectRedis();
});
test.after(async () => {
  await deletePrefix(adminRedis, prefix);
  await admin.unsafe(`drop schema if exists "${schema}" cascade`);
  await admin.end();
  adminRedis.disconnect();
});

/** Runs the tour over connections of its own whose search_path is the test's schema. */
async function runTour() {
  const client = postgres(DATABASE_URL, { max: 2, onnotice: () => {}, connection: { search_path: schema } });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    return await tour({ db: drizzle(client), redis, prefix });
  } finally {
    await client.end({ timeout: 1 });
    redis.disconnect();
  }
}

async function rowCounts(): Promise<Record<string, number>> {
  const [counts] = await admin.unsafe(`
    select (select count(*)::int from "${schema}".tenants) as tenants, (select count(*)::int from "${schema}".users) as users,
           (select count(*)::int from "${schema}".memberships) as memberships, (select count(*)::int from "${schema}".products) as products`);
  return { ...counts };
}

test('the usage example saves, reads by every kind of key, updates, writes in a transaction and removes, all through the cache', timed(20_000, async () => {
  await createTables(admin, schema);
  const r = await runTour();
  assert.equal(r.byId, r.ada);
  assert.equal(r.byEmail, r.ada);
  assert.instance(r.ada.createdAt, Date);
  assert.equal(r.bySku, r.sencha);
  assert.equal(r.sencha, { id: r.sencha.id, tenantId: r.sencha.tenantId, sku: 'TEA-01', name: 'Sencha', priceCents: 900, active: true });
  assert.match(r.sencha.tenantId, /^[0-9a-f-]{36}$/);
  assert.is(r.role, 'owner');
  assert.equal(r.many, [r.sencha, null]);
  assert.equal(r.repriced, { ...r.sencha, priceCents: 950 });
  assert.equal(r.bobByEmail, r.bob);
  assert.is(r.bob.email, 'bob@acme.test');
  assert.equal(r.team.map((m) => [m.userId, m.role]), [[r.ada.id, 'owner'], [r.bob.id, 'member']]);
  assert.equal(r.catalog, [r.repriced]);
  assert.equal(r.owners.map((m) => [m.userId, m.role]), [[r.ada.id, 'owner']]);
  assert.is(r.afterRemove, null);
  assert.equal(r.teamAfter, []);
  // Every read after a write was a hit; the one miss is the absent product in getManyByPk.
  assert.equal(
    { hits: r.stats.hits, misses: r.stats.misses, tombstoneHits: r.stats.tombstoneHits, writes: r.stats.writes, invalidations: r.stats.invalidations, redisErrors: r.stats.redisErrors },
    { hits: 9, misses: 1, tombstoneHits: 1, writes: 13, invalidations: 0, redisErrors: 0 },
  );
  assert.equal(await rowCounts(), { tenants: 0, users: 0, memberships: 0, products: 0 }, 'the tour removes what it created');
}));

test('the usage example runs again in the same schema and prefix (what a second `node example/usage.ts` does)', timed(20_000, async () => {
  await createTables(admin, schema); // already there: a no-op
  const r = await runTour();
  assert.equal(r.byEmail, r.ada);
  assert.equal(r.bySku, r.sencha);
  assert.is(r.repriced?.priceCents, 950);
  assert.equal(r.bobByEmail, r.bob);
  assert.is(r.afterRemove, null);
  assert.is(r.stats.invalidations + r.stats.redisErrors, 0);
  assert.equal(await rowCounts(), { tenants: 0, users: 0, memberships: 0, products: 0 });
}));

test('`node --import tsx example/usage.ts` runs the example as a program against DATABASE_URL and REDIS_URL', timed(60_000, async () => {
  const own = `${schema}_cli`;
  try {
    const run = await runNode(['--import', 'tsx', 'example/usage.ts'], REPO_ROOT, { ...process.env, DATABASE_URL, REDIS_URL, EXAMPLE_SCHEMA: own, NO_COLOR: '1' });
    assert.is(run.code, 0, run.stderr);
    assert.is(run.stderr, '');
    assert.match(run.stdout, /priceCents: 950/);
    assert.match(run.stdout, /email: 'bob@acme\.test'/);
    assert.match(run.stdout, /afterRemove: null/);
    assert.match(run.stdout, /hits: 9,\s+misses: 1,\s+writes: 13/);
    const [tables] = await admin.unsafe(`select count(*)::int as n from information_schema.tables where table_schema = '${own}'`);
    assert.is(tables?.n, 4, 'the program created its tables in EXAMPLE_SCHEMA');
  } finally {
    await deletePrefix(adminRedis, `${own}:`);
    await admin.unsafe(`drop schema if exists "${own}" cascade`);
  }
}));

/** The lines between `// README:begin` and `// README:end` in example/usage.ts. */
function markedRegion(source: string): string {
  const lines = source.split('\n');
  const begin = lines.indexOf('// README:begin');
  const end = lines.indexOf('// README:end');
  assert.ok(begin !== -1 && end > begin + 1, 'example/usage.ts has a README:begin … README:end region');
  return `${lines.slice(begin + 1, end).join('\n')}\n`;
}

test('README.md\'s Usage section shows example/usage.ts\'s marked region verbatim, in one ts code block', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Usage\n');
  assert.ok(start !== -1, 'README.md has a "## Usage" section');
  const next = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, next === -1 ? undefined : next);
  const region = markedRegion(readFileSync(join(REPO_ROOT, 'example/usage.ts'), 'utf8'));
  assert.ok(section.includes(`\n\`\`\`ts\n${region}\`\`\`\n`), 'README.md\'s Usage section is out of date: paste the region between the README markers of example/usage.ts into its ts code block');
});

test.run();
