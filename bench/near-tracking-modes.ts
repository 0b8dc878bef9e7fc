// Per-key tracking against BCAST PREFIX, the choice behind the near-cache's tracking (runtime/README.md, "Near-cache"):
// hotstorage saves over 1,000 rows while 4 subscribers track them, each either per key (its reader GETs 100 of the rows,
// and reads a row again after it was invalidated, as the near-cache's next read would) or by broadcast of the table's
// row prefix. Prints the invalidated keys each subscriber receives per save and Redis's CPU per save (INFO cpu).
// Run alone: `node --import tsx bench/near-tracking-modes.ts` (a redis-server of its own).
import { Redis } from 'ioredis';

import { openWorld, user } from '../test/faults/world.js';
const world = await openWorld('trackmode');
const w = await world.storage();
const ROWS = 1000, HOT = 100, WRITES = 3000, SUBS = 4;
for (let id = 1; id <= ROWS; id++) await world.users.save(w.hs, user(id));
const rowKey = (await world.admin.redis.keys(`${world.prefix}users@*:{1}`))[0] ?? "";
const rowPrefix = rowKey.slice(0, rowKey.indexOf('{') + 1);
async function cpu() { const info = await world.admin.redis.info('cpu'); return Number(/used_cpu_user:([\d.]+)/.exec(info)![1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)![1]); }
for (const mode of ['none', 'per-key', 'bcast']) {
  const subs: { sub: Redis; reader: Redis; count: number }[] = [];
  for (let i = 0; i < (mode === 'none' ? 0 : SUBS); i++) {
    const sub = new Redis({ port: world.server.port, protocol: 2 }); const reader = new Redis({ port: world.server.port, protocol: 2 });
    const id = await sub.client('ID'); await sub.subscribe('__redis__:invalidate');
    const s = { sub, reader, count: 0 };
    sub.on('messageBuffer', (_c: Buffer, m: Buffer[] | null) => { s.count += Array.isArray(m) ? m.length : 1; });
    if (mode === 'per-key') { await reader.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(id)); for (let r = 1; r <= HOT; r++) await reader.get(`${rowPrefix}${r}}`); }
    else await reader.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(id), 'BCAST', 'PREFIX', rowPrefix);
    subs.push(s);
  }
  const c0 = await cpu(); const t0 = performance.now();
  for (let i = 0; i < WRITES; i++) {
    const id = 1 + ((i * 7919) % ROWS);
    await world.users.save(w.hs, user(id, { name: `n${i}` }));
    // per-key: the reader re-reads rows of its hot set after they were invalidated (as the near-cache does on its next read)
    if (mode === 'per-key' && id <= HOT) for (const s of subs) await s.reader.get(`${rowPrefix}${id}}`);
  }
  const ms = performance.now() - t0; const c1 = await cpu();
  await new Promise((r) => setTimeout(r, 200));
  const per = subs.map((s) => (s.count / WRITES).toFixed(2));
  console.log(`${mode}: invalidation keys per save per subscriber ${per.join(' ') || '-'}; Redis CPU per save ${((c1 - c0) / WRITES * 1e6).toFixed(1)} µs; ${(ms / WRITES * 1000).toFixed(0)} µs per save (client side, serial)`);
  for (const s of subs) { s.sub.disconnect(); s.reader.disconnect(); }
}
await world.close();
process.exit(0);
