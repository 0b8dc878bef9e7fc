import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectPostgres, connectRedis, deletePrefix, suiteName } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';

test('the shared Postgres and Redis answer, and a suite prefix can be cleared without touching other keys', timed(10_000, async () => {
  const sql = connectPostgres();
  const redis = await connectRedis();
  try {
    const [row] = await sql`select 1 + 1 as two`;
    assert.is(row?.two, 2);
    const prefix = `${suiteName('foundation')}:`;
    await redis.set(`${prefix}a`, '1');
    await redis.set(`${prefix}b`, '2');
    await redis.set(`${prefix.slice(0, -1)}x:keep`, '3');
    await deletePrefix(redis, prefix);
    assert.is(await redis.exists(`${prefix}a`, `${prefix}b`), 0);
    assert.is(await redis.get(`${prefix.slice(0, -1)}x:keep`), '3');
    await redis.del(`${prefix.slice(0, -1)}x:keep`);
  } finally {
    await sql.end();
    redis.disconnect();
  }
}));

test.run();
