// An application process for the stats tests: runs a plan of lookups and saves on the operate world's tables through
// its own storage, closes it (the last flush of its counters), and prints its hs.stats() as JSON. Run as
// `node --import tsx test/operate/stats-app.ts <schema.ts> <prefix> <plan JSON>` with DATABASE_URL and REDIS_URL set.
import { pathToFileURL } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { createHotStorage, defineTable } from '@hotstorage/runtime';
import { ABSENCE_KEPT_MS, type Hot, runPlan, type Step } from './stats-plans.js';
import type { SchemaTables } from './world.js';

async function main(schemaPath: string, prefix: string, planText: string): Promise<void> {
  const tables = (await import(pathToFileURL(schemaPath).href)) as SchemaTables;
  const hot: Hot = {
    users: defineTable(tables.users, { primaryKey: ['id'], uniqueKeys: [['email']], identity: ['id'] }),
    members: defineTable(tables.members, { primaryKey: ['id'], uniqueKeys: [['tenantId', 'slug']], identity: ['id'] }),
  };
  const sql = postgres(process.env.DATABASE_URL ?? '', { max: 2, onnotice: () => {} });
  const redis = new Redis(process.env.REDIS_URL ?? '');
  // The timer never fires within the run: the counters reach Redis through close(), as when an application stops.
  const hs = await createHotStorage({ db: drizzle(sql), redis, prefix, statsFlushMs: 600_000, tombstoneTtlMs: ABSENCE_KEPT_MS });
  await runPlan(hot, hs, JSON.parse(planText) as Step[]);
  await hs.close();
  process.stdout.write(JSON.stringify(hs.stats()));
  redis.disconnect();
  await sql.end({ timeout: 1 });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [schemaPath, prefix, plan] = process.argv.slice(2);
  await main(schemaPath ?? '', prefix ?? '', plan ?? '[]');
}
