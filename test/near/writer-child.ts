// A second process for test/near/cross-process.test.ts: a storage of its own (no near-cache) over the parent's
// Redis and schema, which saves what the parent sends and answers when the save returned (wall clock, in ms with
// sub-millisecond precision: performance.timeOrigin + performance.now(), comparable across processes on one machine).
import { drizzle } from 'drizzle-orm/postgres-js';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { createHotStorage, defineTable } from '@hotstorage/runtime';
import { tablesIn, user } from '../faults/world.js';
import { DATABASE_URL } from '../helpers/services.js';

const [schema = '', prefix = '', port = ''] = process.argv.slice(2);
const tables = tablesIn(schema);
const users = defineTable(tables.users, { primaryKey: ['id'], uniqueKeys: [['email'], ['tenantId', 'slug']], identity: ['id'] });
const sql = postgres(DATABASE_URL, { max: 2, onnotice: () => {} });
const redis = new Redis({ host: '127.0.0.1', port: Number(port) });
const hs = await createHotStorage({ db: drizzle(sql), redis, prefix, changeFeed: false, statsFlushMs: 0 });

process.on('message', (message: { id: number; name: string } | 'stop') => {
  if (message === 'stop') {
    void hs.close().then(async () => {
      redis.disconnect();
      await sql.end({ timeout: 1 });
      process.exit(0);
    });
    return;
  }
  void users.save(hs, user(message.id, { name: message.name })).then(() => {
    process.send?.({ id: message.id, doneAt: performance.timeOrigin + performance.now() });
  });
});
process.send?.('ready');
