// The operating commands accept every schema the runtime accepts (issue 14.5), in an ES module project and in a
// CommonJS one (whose schema loads drizzle-orm's CommonJS build while the CLI's runtime imports the ES one: two copies
// of drizzle's classes, which only drizzle's own `is()` sees as one). The fixture forms: a composite unique key by
// `uniqueIndex().on()`, a unique index by `.using()`, `pgSchema`, a composite primary key. Each of warm, verify, stats
// and purge runs on them as a user runs it, after `generate`.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeProject, removeProject, runCli, type CliRun } from '../helpers/project.js';
import { connectPostgres, connectRedis, DATABASE_URL, deletePrefix, REDIS_URL, suiteName } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';

/** The same TypeScript in both projects: a CommonJS project's is compiled to require() calls, as drizzle-kit loads it. */
function schemaFile(schema: string): string {
  return `import { index, integer, pgSchema, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';

export const shop = pgSchema(${JSON.stringify(schema)});

export const products = shop.table('products', {
  id: integer('id').primaryKey(),
  tenantId: integer('tenant_id').notNull(),
  sku: text('sku').notNull(),
  code: text('code').notNull(),
  name: text('name').notNull(),
}, (t) => [
  uniqueIndex('products_tenant_sku').on(t.tenantId, t.sku),
  uniqueIndex('products_code').using('btree', t.code),
  index('products_name').on(t.name),
]);

export const stock = shop.table('stock', {
  productId: integer('product_id').notNull(),
  warehouse: text('warehouse').notNull(),
  units: integer('units').notNull(),
}, (t) => [primaryKey({ columns: [t.productId, t.warehouse] })]);
`;
}

function ddl(schema: string): string {
  const q = `"${schema}"`;
  return `
    create schema ${q};
    create table ${q}.products (id integer primary key, tenant_id integer not null, sku text not null, code text not null, name text not null);
    create unique index products_tenant_sku on ${q}.products (tenant_id, sku);
    create unique index products_code on ${q}.products using btree (code);
    create index products_name on ${q}.products (name);
    create table ${q}.stock (product_id integer not null, warehouse text not null, units integer not null, primary key (product_id, warehouse));
    insert into ${q}.products select g, g % 5, 'sku' || g, 'code' || g, 'product ' || g from generate_series(1, 120) g;
    insert into ${q}.stock select g, w, g from generate_series(1, 60) g, unnest(array['north', 'south']) w;`;
}

for (const kind of ['esm', 'cjs'] as const) {
  const test = suite(`operating commands, ${kind === 'esm' ? 'ES module' : 'CommonJS'} project`);
  const schema = suiteName(`forms_${kind}`);
  const prefix = `${schema}:`;
  const admin = connectPostgres();
  let dir = '';
  const cli = (args: readonly string[]): Promise<CliRun> =>
    runCli(dir, args, { DATABASE_URL, REDIS_URL, HOTSTORAGE_PREFIX: prefix, REDIS_CLUSTER_NODES: undefined });
  const ok = (run: CliRun, what: string) => assert.is(run.code, 0, `${what}: exit ${run.code}\n${run.stderr}${run.stdout}`);

  test.before(async () => {
    dir = makeProject({
      // A CommonJS project: no "type": "module", so .ts files load as CommonJS, as drizzle-kit loads them there.
      'package.json': JSON.stringify({ name: `forms-${kind}`, private: true, ...(kind === 'esm' && { type: 'module' }) }),
      'schema.ts': schemaFile(schema),
      'hotstorage.config.ts': "export default { schema: './schema.ts', out: './hot' };\n",
    });
    await admin.unsafe(ddl(schema));
  });

  test.after(async () => {
    const redis = await connectRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await admin.unsafe(`drop schema if exists "${schema}" cascade`);
    await admin.end({ timeout: 1 });
    removeProject(dir);
  });

  test('generate, then warm, verify, stats and purge accept uniqueIndex().on(), .using(), pgSchema and a composite key', timed(120_000, async () => {
    ok(await cli(['generate']), 'generate');
    assert.ok(existsSync(join(dir, 'hot', 'products.ts')) && existsSync(join(dir, 'hot', 'stock.ts')));

    const warm = await cli(['warm']);
    ok(warm, 'warm');
    const verify = await cli(['verify', '--all', '--json']);
    ok(verify, 'verify');
    const verified = JSON.parse(verify.stdout) as { tables: { name: string; checked: number; equal: number }[] };
    const checked = Object.fromEntries(verified.tables.map((t) => [t.name, [t.checked, t.equal]]));
    assert.equal(checked, { products: [120, 120], stock: [120, 120] }, 'every row warmed, every row equal');

    const stats = await cli(['stats', '--json']);
    ok(stats, 'stats');
    const figures = JSON.parse(stats.stdout) as { tables: { name: string; cachedRows: number }[] };
    assert.equal(figures.tables.map((t) => [t.name, t.cachedRows]).sort(), [['products', 120], ['stock', 120]]);

    ok(await cli(['purge', 'products', 'stock']), 'purge');
    const after = JSON.parse((await cli(['stats', '--json'])).stdout) as { tables: { name: string; cachedRows: number }[] };
    assert.equal(after.tables.map((t) => t.cachedRows), [0, 0], 'purged');
  }));

  test.run();
}
