// The near-cache's hit, against its floor and its limit (issue 16), at concurrency 1 and 64 on one process:
// - hs.getByPk.near: getBy by primary key of a storage with `nearCache`, a hot set that fits (every read a near hit);
// - redis.get: the floor of a remote cache, a GET of the same row key and its decode (as bench/lib/cases.ts does);
// - lru.get: the physical limit, a bare lookup in the near-cache's own LRU (runtime/src/near/lru.ts) of the decoded row.
// Prints ops/s and client CPU per op (process.cpuUsage) for each. Not part of `npm run bench` (its cases and targets
// live in bench/lib/); run it alone: `node --import tsx bench/near.ts`. Uses a redis-server of its own.
import { Lru } from '../runtime/src/near/lru.js';
import { rowCodecFor } from '../runtime/src/codecs/row-codec.js';
import { openWorld, user } from '../test/faults/world.js';

const HOT = 1000;
const OPS = Number(process.env.NEAR_OPS ?? 200_000);
const world = await openWorld('nearbench');
const near = await world.storage({ nearCache: { maxRows: HOT * 2 } });
const writer = await world.storage();
for (let id = 1; id <= HOT; id++) await world.users.save(writer.hs, user(id));
const rowKey = (await world.admin.redis.keys(`${world.prefix}users@*:{1}`))[0] ?? '';
const keyOf = (id: number) => `${rowKey.slice(0, rowKey.indexOf('{') + 1)}${id}}`;
const codec = rowCodecFor(world.tables.users);
const lru = new Lru<object>(HOT * 2, () => {});
for (let id = 1; id <= HOT; id++) {
  lru.set(keyOf(id), Object.freeze(codec.decode((await writer.redis.get(keyOf(id))) ?? '') ?? {}));
  await world.users.getBy(near.hs, ['id'], { id }); // GET on the tracking connection: kept
}
const keys = Array.from({ length: HOT }, (_, i) => keyOf(i + 1));

type Op = (n: number) => unknown;
const cases: [string, Op][] = [
  ['hs.getByPk.near', (n) => world.users.getBy(near.hs, ['id'], { id: 1 + (n % HOT) })],
  ['redis.get', async (n) => codec.decode((await writer.redis.get(keys[n % HOT] ?? '')) ?? '')],
  ['lru.get', (n) => lru.get(keys[n % HOT] ?? '')],
];

async function run(op: Op, concurrency: number, ops: number): Promise<{ opsPerSec: number; cpuUs: number }> {
  let next = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < ops) await op(next++);
  }));
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { opsPerSec: (ops / ms) * 1000, cpuUs: (used.user + used.system) / ops };
}

for (const concurrency of [1, 64]) {
  for (const [name, op] of cases) {
    const ops = name === 'redis.get' ? Math.min(OPS, 20_000) : OPS;
    await run(op, concurrency, Math.min(ops, 10_000)); // warm-up
    const { opsPerSec, cpuUs } = await run(op, concurrency, ops);
    console.log(`c=${concurrency} ${name.padEnd(16)} ${Math.round(opsPerSec).toLocaleString('en').padStart(12)} ops/s  ${cpuUs.toFixed(3)} µs CPU/op`);
  }
}
const stats = near.hs.stats();
console.log(`near storage: nearHits ${stats.nearHits}, nearMisses ${stats.nearMisses}, redisRoundTrips ${stats.redisRoundTrips}`);
await world.close();
process.exit(0);
