// A write in another process is seen here after at most the measured delay: a child process saves a row this
// process holds in its near-cache; this process reads it (from memory, yielding between reads) until the new row
// comes back. Prints the delay from the save returning in the child to (a) the invalidation arriving here and (b) the
// first read here returning the new row: the near-cache's staleness bound on this machine (runtime/README.md,
// "Near-cache"). Asserts that every write is seen (within a hang guard), never a speed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { timed } from '../helpers/timeout.js';
import { Events, openWorld, user, type Storage, type World } from './world.js';

const WRITES = Number(process.env.NEAR_WRITES ?? 200);
const DEFAULT_HEARTBEAT_MS = 1000;
let world: World;
let child: ChildProcess;

test.before(async () => {
  world = await openWorld('nearproc');
  child = fork(fileURLToPath(new URL('./writer-child.ts', import.meta.url)), [world.schema, world.prefix, String(world.server.port)], {
    execArgv: ['--import', 'tsx'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the writer process exited with ${code}`)));
  });
});
test.after(async () => {
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));
  await world.close();
});

const now = () => performance.timeOrigin + performance.now();
const yieldTurn = () => new Promise((resolve) => setImmediate(resolve));

function percentiles(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  return `p50 ${at(50).toFixed(3)} ms, p99 ${at(99).toFixed(3)} ms, max ${(sorted[sorted.length - 1] ?? NaN).toFixed(3)} ms`;
}

test(`a write in another process is seen here (${WRITES} writes): delay printed`, timed(60_000, async () => {
  const events = new Events();
  const reader: Storage = await world.storage({ nearCache: { maxRows: 1000 }, onEvent: events.listener });
  const toInvalidation: number[] = [];
  const toRead: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const id = 1 + (i % 10);
    const name = `write ${i}`;
    if (i < 10) {
      await world.admin.sql.unsafe(`insert into "${world.schema}".users (id, email, tenant_id, slug, name) values ($1, $2, 1, $3, 'first')`, [id, user(id).email, `s${id}`]);
    }
    // Held here: read until a read is served from memory.
    for (let hits = reader.hs.stats().nearHits; reader.hs.stats().nearHits === hits; ) await world.users.getBy(reader.hs, ['id'], { id });
    let invalidatedAt = 0;
    const invalidated = events.next((e) => e.type === 'nearInvalidation').then(() => (invalidatedAt = now()));
    const done = new Promise<number>((resolve) => {
      const onMessage = (message: { id: number; doneAt: number }) => {
        if (message.id !== id) return;
        child.off('message', onMessage);
        resolve(message.doneAt);
      };
      child.on('message', onMessage);
    });
    child.send({ id, name });
    let seenAt = 0;
    for (;;) {
      const row = await world.users.getBy(reader.hs, ['id'], { id });
      if (row?.name === name) {
        seenAt = now();
        break;
      }
      await yieldTurn();
    }
    const doneAt = await done;
    await invalidated;
    toInvalidation.push(invalidatedAt - doneAt);
    toRead.push(seenAt - doneAt);
  }
  console.log(`  save returned in the writer process → invalidation here: ${percentiles(toInvalidation)}`);
  console.log(`  save returned in the writer process → first read here returning the new row: ${percentiles(toRead)}`);
  assert.is(toRead.length, WRITES);
  // The bound the README promises whatever happens to the stream: a lost invalidation is noticed by the heartbeat within
  // two beats (heartbeatMs, 1000 by default). The measured delays are two orders of magnitude under it; a read older
  // than it would be a broken promise, not noise.
  const worst = Math.max(...toRead);
  assert.ok(worst <= 2 * DEFAULT_HEARTBEAT_MS, `a read returned the old row ${worst.toFixed(1)} ms after the write returned (bound ${2 * DEFAULT_HEARTBEAT_MS} ms)`);
}));

test.run();
