// The repair queue decides whether a cached row may be trusted. A read whose round trip was sent before a repair
// landed may carry the pre-repair row even though, by the time its continuation runs, the repair has finished and the
// row has left the queue: `untrusted(key, mark)` must still say so.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RowKeys } from '../../runtime/src/table/keys.js';
import { RepairQueue } from '../../runtime/src/storage/repair-queue.js';

const row = (key: string): RowKeys => ({ tag: key, row: key, lease: `${key}:lease`, writers: `${key}:writers`, contended: `${key}:contended`, applied: `${key}:applied` });

test('a row repaired after a read was sent stays untrusted for that read, and only for reads sent before the repair', () => {
  const queue = new RepairQueue(10, () => {});
  queue.add(row('row:1'));
  const sentBefore = queue.mark();
  assert.ok(queue.untrusted('row:1', sentBefore), 'queued: untrusted');
  queue.delete('row:1'); // the repair landed while the read was in flight
  assert.ok(queue.untrusted('row:1', sentBefore), 'the read sent before the repair may hold the pre-repair row');
  assert.not.ok(queue.untrusted('row:1', queue.mark()), 'a read sent after the repair is trusted');
  assert.not.ok(queue.untrusted('row:2', sentBefore), 'other rows are unaffected');
});

test('removing a row that was not queued changes nothing', () => {
  const queue = new RepairQueue(10, () => {});
  const mark = queue.mark();
  queue.delete('row:3');
  assert.is(queue.mark(), mark);
  assert.not.ok(queue.untrusted('row:3', mark));
});

test('a row queued again while its repair was in flight stays queued: the later write may be newer than that repair', () => {
  const queue = new RepairQueue(10, () => {});
  queue.add(row('row:1'));
  queue.add(row('row:2'));
  const stamp = queue.stamp();
  const sent = queue.snapshot(); // the repair round trip for both rows goes out
  queue.add(row('row:2')); // a later write of row 2 failed its cache update meanwhile
  assert.equal(sent.map((keys) => queue.settle(keys.row, stamp)), [true, false]);
  assert.equal(queue.snapshot().map((keys) => keys.row), ['row:2'], 'row 2 waits for a repair sent after its latest write');
  assert.ok(queue.settle('row:2', queue.stamp()));
  assert.is(queue.size, 0);
});

test.run();
