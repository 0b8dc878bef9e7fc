// getManyBy<Unique> with the near-cache: the hinted rows this process holds are served from memory (no round trip once
// they are held), and a change elsewhere drops them like any held row, so the next batch reads the new row.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { timed } from '../helpers/timeout.js';
import { Events, openWorld, user, type Storage, type World } from './world.js';

let world: World;
let writer: Storage;
let reader: Storage;
const events = new Events();

test.before(async () => {
  world = await openWorld('nearmany');
  writer = await world.storage();
  reader = await world.storage({ nearCache: { maxRows: 100, heartbeatMs: 60_000 }, onEvent: events.listener });
});
test.after(async () => {
  await world.close();
});

const byEmail = (s: Storage, emails: readonly string[]) => world.users.getManyBy(s.hs, ['email'], emails.map((email) => ({ email })));

test('hinted rows held in memory answer getManyBy<Unique> with no round trip; a change elsewhere is read anew', timed(20_000, async () => {
  const ids = [1, 2, 3];
  for (const id of ids) await world.users.save(writer.hs, user(id, { name: `first ${id}` }));
  const emails = ids.map((id) => user(id).email);
  // Follows the pointers (learns the hints), then reads the hinted rows on the tracked connection (held from then on).
  for (let tries = 0; ; tries++) {
    const before = reader.hs.stats();
    assert.equal((await byEmail(reader, emails)).map((row) => row?.name), ['first 1', 'first 2', 'first 3']);
    const after = reader.hs.stats();
    if (after.nearHits - before.nearHits === 3) {
      assert.is(after.redisRoundTrips, before.redisRoundTrips, 'no round trip when every hinted row is held');
      break;
    }
    assert.ok(tries < 20, 'the hinted rows are never all served from memory');
  }
  const invalidated = events.next((e) => e.type === 'nearInvalidation');
  await world.users.save(writer.hs, user(2, { name: 'second 2' }));
  await invalidated;
  assert.equal((await byEmail(reader, emails)).map((row) => row?.name), ['first 1', 'second 2', 'first 3']);
}));

test.run();
