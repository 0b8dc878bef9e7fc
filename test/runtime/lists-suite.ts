// Lists (listBy<Columns>) and getManyBy<Unique>: reads in identity order and pages, one round trip for a full
// getManyBy hit, lists too long to cache read from Postgres each time, hotstorage writes that change members (insert,
// move, delete, in and out of transactions) invalidating the old and the new list, and the race the list lease
// closes: a reader that read Postgres before a writer's commit never leaves its list cached (shown failing with the
// override switched off). test/runtime/lists.test.ts runs it on one Redis, test/cluster/accessors.test.ts on a cluster.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { timed } from '../helpers/timeout.js';
import { openHarness, SHARED_REDIS, type Harness, type TargetSource } from './harness.js';
import { messages, users } from './hot/index.js';

const test = suite('lists');
let source: TargetSource = async () => SHARED_REDIS;
let h: Harness;
let nextChat = 1;

export function listsSuite(target: TargetSource) {
  source = target;
  return test;
}

test.before(async () => {
  h = await openHarness('lists', await source());
});
test.after(async () => {
  await h.close();
});

const message = (id: number, chatId: number, body = `m${id}`, authorId: number | null = null) => ({ id, chatId, authorId, body });
const ids = (rows: readonly { id: number }[]) => rows.map((row) => row.id);

/** Fresh chat ids, and message ids that do not collide across tests. */
function chat(): { chatId: number; id: (n: number) => number } {
  const chatId = nextChat++;
  return { chatId, id: (n) => chatId * 1000 + n };
}

async function listKeyOf(chatId: number): Promise<string[]> {
  return h.keys(`${h.prefix}messages@*:list:chat_id:{${chatId}}`);
}

test(
  'a list is read in identity order, paged by limit and after, then served from Redis with no SQL',
  timed(20_000, async () => {
    const s = await h.storage();
    try {
      const { chatId, id } = chat();
      for (const n of [3, 1, 2, 5, 4]) await messages.save(s.hs, message(id(n), chatId));
      await messages.save(s.hs, message(id(9), chatId + 1000));
      assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [1, 2, 3, 4, 5].map(id));
      assert.equal((await listKeyOf(chatId)).length, 1, 'the list is cached under its own key');
      const before = s.queries.length;
      const stats = s.hs.stats();
      assert.equal(ids(await messages.listByChatId(s.hs, chatId, { limit: 2 })), [1, 2].map(id));
      assert.equal(ids(await messages.listByChatId(s.hs, chatId, { limit: 2, after: id(2) })), [3, 4].map(id));
      assert.equal(ids(await messages.listByChatId(s.hs, chatId, { after: id(4) })), [id(5)]);
      assert.equal(await messages.listByChatId(s.hs, chatId + 5000), [], 'an empty list');
      assert.is(s.queries.length - before, 1, 'only the empty list read Postgres');
      assert.is(s.hs.stats().listHits - stats.listHits, 3);
    } finally {
      await s.close();
    }
  }),
);

async function rowKeyOf(id: number): Promise<string> {
  const [key] = await h.keys(`${h.prefix}messages@*:{${id}}`);
  if (key === undefined) throw new Error(`no row key for ${id}`);
  return key;
}

test(
  'a full list hit is one round trip on one Redis: the read-list script for a list this storage has not read yet, then one MGET of the list and its page\'s rows (a page after a member too)',
  timed(20_000, async () => {
    const s = await h.storage();
    try {
      const { chatId, id } = chat();
      for (const n of [1, 2, 3, 4]) await messages.save(s.hs, message(id(n), chatId));
      await messages.listByChatId(s.hs, chatId); // fills the list
      const [listKey] = await listKeyOf(chatId);
      const rowKeys = await Promise.all([1, 2, 3, 4].map((n) => rowKeyOf(id(n))));
      const hit = async (options: { limit?: number; after?: number }, want: readonly number[]) => {
        const trips = s.hs.stats().redisRoundTrips;
        const queries = s.queries.length;
        let rows: { id: number }[] = [];
        const commands = await h.record(async () => {
          rows = await messages.listByChatId(s.hs, chatId, options);
        });
        assert.equal(ids(rows), want.map(id));
        assert.is(s.queries.length - queries, 0, 'no SQL');
        if (h.target.kind === 'single') assert.is(s.hs.stats().redisRoundTrips - trips, 1, 'one round trip');
        // A Cluster: the list, then its rows (in other slots), in two steps.
        else assert.is(s.hs.stats().redisRoundTrips - trips, 2, 'two round trips on a cluster');
        return commands;
      };
      const first = await hit({}, [1, 2, 3, 4]);
      if (h.target.kind === 'single') assert.equal(first.map((c) => [c[0], c[2]]), [['script', listKey]], 'one script, on the list key');
      for (const [options, want] of [[{}, [1, 2, 3, 4]], [{ limit: 2, after: id(1) }, [2, 3]]] as const) {
        const commands = await hit(options, want);
        if (h.target.kind === 'single') {
          const page = want.map((n) => rowKeys[n - 1]);
          assert.equal(commands, [['mget', listKey, ...page]], 'one MGET: the list and the rows of the page it had');
        }
      }
    } finally {
      await s.close();
    }
  }),
);

test(
  'a list changed since this storage read it is served as it is now: other members (their rows read after it), the list gone (the lease and a fill), another type under its key (dropped, refilled)',
  timed(20_000, async () => {
    const s = await h.storage();
    const writer = await h.storage();
    try {
      const { chatId, id } = chat();
      for (const n of [1, 2]) await messages.save(s.hs, message(id(n), chatId));
      await messages.listByChatId(s.hs, chatId);
      assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [1, 2].map(id), 'read (and remembered)');
      // As many members as before, not the same: the rows read with the list are not its page's.
      await messages.save(writer.hs, message(id(1), chatId + 1000));
      await messages.save(writer.hs, message(id(3), chatId));
      assert.equal(ids(await messages.listByChatId(writer.hs, chatId)), [2, 3].map(id), 'refilled by another storage');
      let queries = s.queries.length;
      const trips = s.hs.stats().redisRoundTrips;
      assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [2, 3].map(id), 'the members as they are now');
      assert.is(s.queries.length - queries, 0, 'from Redis');
      assert.is(s.hs.stats().redisRoundTrips - trips, 2, 'the list, then its page\'s rows');
      await messages.remove(writer.hs, id(2));
      queries = s.queries.length;
      assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [id(3)], 'the list gone: read and filled');
      assert.is(s.queries.length - queries, 1, 'one query');
      assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [id(3)]);
      assert.is(s.queries.length - queries, 1, 'then served');
      // MGET answers nil for a key of another type: the script meets it, drops it and takes the lease.
      const [listKey] = await listKeyOf(chatId);
      assert.ok(listKey);
      await h.redis.del(listKey);
      await h.redis.sadd(listKey, 'foreign');
      assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [id(3)], 'another type under the list key');
      assert.is(s.queries.length - queries, 2, 'read from Postgres');
      assert.is(await h.redis.type(listKey), 'string', 'and filled');
    } finally {
      await s.close();
      await writer.close();
    }
  }),
);

test(
  'a member row missing from Redis is read through the batched miss path and filled; the others are served',
  timed(20_000, async () => {
    const s = await h.storage();
    try {
      const { chatId, id } = chat();
      for (const n of [1, 2, 3]) await messages.save(s.hs, message(id(n), chatId));
      await messages.listByChatId(s.hs, chatId);
      await h.redis.del(await rowKeyOf(id(2)));
      const queries = s.queries.length;
      assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [1, 2, 3].map(id));
      assert.is(s.queries.length - queries, 1, 'one query for the missing row');
      assert.ok((await h.redis.get(await rowKeyOf(id(2)))) !== null, 'filled');
      const again = s.queries.length;
      assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [1, 2, 3].map(id));
      assert.is(s.queries.length - again, 0, 'then served');
    } finally {
      await s.close();
    }
  }),
);

test(
  'a cached list whose member tags disagree with its identities, or of the older encoding, is a miss and refilled',
  timed(20_000, async () => {
    const s = await h.storage();
    try {
      const { chatId, id } = chat();
      for (const n of [1, 2]) await messages.save(s.hs, message(id(n), chatId));
      await messages.listByChatId(s.hs, chatId);
      const [listKey] = await listKeyOf(chatId);
      if (listKey === undefined) throw new Error('no list key');
      const good = await h.redis.get(listKey);
      assert.is(good, `K${id(1)} ${id(2)}\n[${id(1)},${id(2)}]`, 'the tags, then the identities');
      // The script reads rows by the tags: tags out of step with the identities would pair each member with another's row.
      for (const damaged of [`K${id(2)} ${id(1)}\n[${id(1)},${id(2)}]`, `L[${id(1)},${id(2)}]`, `K${id(1)} ${id(2)}\n[${id(1)},`]) {
        await h.redis.set(listKey, damaged);
        const misses = s.hs.stats().listMisses;
        assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [1, 2].map(id), damaged);
        assert.is(s.hs.stats().listMisses - misses, 1, `${damaged}: a miss`);
        assert.is(await h.redis.get(listKey), good, `${damaged}: refilled`);
      }
    } finally {
      await s.close();
    }
  }),
);

test(
  'listBy where: the rows whose other columns match, in identity order, from the cached list (further members read until limit) and from Postgres',
  timed(30_000, async () => {
    const s = await h.storage();
    try {
      const { chatId, id } = chat();
      // 150 members, three by author 7 (the last two beyond the first hundred members a step reads).
      await h.admin.sql.unsafe(
        `insert into "${h.schema}".messages select $1::int * 1000 + g, $1::int, case when g in (3, 140, 145) then 7 end, 'm' || g from generate_series(1, 150) g`,
        [chatId],
      );
      assert.is((await messages.listByChatId(s.hs, chatId, { limit: 1000 })).length, 150, 'the list filled, unfiltered');
      assert.is((await messages.listByChatId(s.hs, chatId, { limit: 1000 })).length, 150, 'and its rows');
      const queries = s.queries.length;
      const trips = s.hs.stats().redisRoundTrips;
      assert.equal(ids(await messages.listByChatId(s.hs, chatId, { where: { authorId: 7 }, limit: 2 })), [id(3), id(140)]);
      if (h.target.kind === 'single') assert.is(s.hs.stats().redisRoundTrips - trips, 2, 'the script (100 members), then one MGET of the next');
      assert.equal(ids(await messages.listByChatId(s.hs, chatId, { where: { authorId: 7 }, after: id(3) })), [id(140), id(145)]);
      assert.equal(ids(await messages.listByChatId(s.hs, chatId, { where: { authorId: null, body: 'm5' } })), [id(5)], 'null is IS NULL');
      assert.equal(await messages.listByChatId(s.hs, chatId, { where: { authorId: 8 } }), []);
      assert.equal(ids(await messages.listByChatId(s.hs, chatId, { where: { body: undefined }, limit: 2 })), [id(1), id(2)], 'undefined filters nothing');
      assert.is(s.queries.length - queries, 0, 'all from the cache');
      // From Postgres: a transaction's own view, and a miss (the fill caches the whole list, the page is filtered).
      await s.hs.transaction(async (tx) => {
        assert.equal(ids(await messages.listByChatId(tx, chatId, { where: { authorId: 7 }, limit: 2 })), [id(3), id(140)], 'in a transaction');
        assert.equal(ids(await messages.listByChatId(tx, chatId, { where: { authorId: null, body: 'm5' } })), [id(5)], 'IS NULL in SQL');
      });
      for (const key of await listKeyOf(chatId)) await h.redis.del(key);
      const fill = s.queries.length;
      assert.equal(ids(await messages.listByChatId(s.hs, chatId, { where: { authorId: 7 }, after: id(3) })), [id(140), id(145)], 'a miss');
      assert.is(s.queries.length - fill, 1, 'one query fills');
      assert.is((await messages.listByChatId(s.hs, chatId, { limit: 1000 })).length, 150, 'the whole list was cached');
      // Checked before any I/O: a column the table lacks.
      const calls = s.queries.length;
      const refused = await messages.listByChatId(s.hs, chatId, { where: { nope: 1 } as never }).then(() => undefined, (error: unknown) => error);
      assert.match(String(refused), /not a column of this table/);
      assert.is(s.queries.length, calls);
    } finally {
      await s.close();
    }
  }),
);

test(
  'getManyBy<Unique> answers in input order with null where absent, in one round trip when all hit',
  timed(20_000, async () => {
    const s = await h.storage();
    try {
      const base = 900_000;
      for (const n of [1, 2, 3]) await users.save(s.hs, { id: base + n, email: `many${n}@example.com`, tenantId: 7, slug: `many${n}`, name: `n${n}`, version: 0 });
      const emails = ['many3@example.com', 'nobody@example.com', 'many1@example.com'];
      const first = await users.getManyByEmail(s.hs, emails);
      assert.equal(first.map((row) => row?.id ?? null), [base + 3, null, base + 1]);
      const all = ['many1@example.com', 'many2@example.com', 'many3@example.com'];
      const queries = s.queries.length;
      await users.getManyByEmail(s.hs, all); // two round trips: the rows hinted by the first call, the pointer of many2
      const trips = s.hs.stats().redisRoundTrips;
      const hit = await users.getManyByEmail(s.hs, all);
      assert.equal(hit.map((row) => row?.id ?? null), [base + 1, base + 2, base + 3]);
      // One Redis: one MGET of the rows the pointers named last. A Cluster: each value's own lookup, sent together.
      if (h.target.kind === 'single') assert.is(s.hs.stats().redisRoundTrips - trips, 1, 'one round trip');
      assert.is(s.queries.length - queries, 0, `no SQL: ${s.queries.slice(queries).join(' / ')}`);
      const fresh = await h.storage();
      const trips2 = fresh.hs.stats().redisRoundTrips;
      assert.equal((await users.getManyByEmail(fresh.hs, all)).map((row) => row?.id ?? null), [base + 1, base + 2, base + 3]);
      if (h.target.kind === 'single') assert.is(fresh.hs.stats().redisRoundTrips - trips2, 1, 'one round trip in a fresh process (read-pointers)');
      await fresh.close();
      await users.update(s.hs, base + 2, { email: 'moved@example.com' });
      assert.equal((await users.getManyByEmail(s.hs, all)).map((row) => row?.id ?? null), [base + 1, null, base + 3], 'a hint to a row that moved is re-checked');
      const composite = await users.getManyByTenantIdAndSlug(s.hs, [{ tenantId: 7, slug: 'many2' }, { tenantId: 8, slug: 'many2' }]);
      assert.equal(composite.map((row) => row?.id ?? null), [base + 2, null]);
    } finally {
      await s.close();
    }
  }),
);

/** Commands as sorted text: on a cluster each node's MONITOR keeps its own order, not the order across nodes. */
const unordered = (commands: readonly (readonly string[])[]) => commands.map((c) => c.join(' ')).sort();

test(
  'a full hit costs what runtime/README.md documents: listBy one script on its first read by a storage (on a cluster a GET of the list, then one MGET per row, sent together); getManyBy<Unique> one script (on a cluster a GET of each pointer, then of its row)',
  timed(20_000, async () => {
    const s = await h.storage();
    const fresh = await h.storage();
    const cluster = h.target.kind === 'cluster';
    try {
      const { chatId, id } = chat();
      for (const n of [1, 2, 3]) await messages.save(s.hs, message(id(n), chatId));
      assert.is((await messages.listByChatId(s.hs, chatId)).length, 3, 'the list is filled');
      const [list] = await listKeyOf(chatId);
      assert.ok(list);
      const rowKey = async (table: string, identity: number) => (await h.keys(`${h.prefix}${table}@*:{${identity}}`))[0] ?? '';
      const rows = await Promise.all([1, 2, 3].map((n) => rowKey('messages', id(n))));
      let trips = s.hs.stats().redisRoundTrips;
      let sql = s.queries.length;
      const listed = await h.record(() => messages.listByChatId(s.hs, chatId));
      if (cluster) {
        assert.is(s.hs.stats().redisRoundTrips - trips, 2, 'two round trips: the list, then its rows');
        assert.equal(unordered(listed), unordered([['get', list], ...rows.map((row) => ['mget', row])]));
      } else {
        assert.is(s.hs.stats().redisRoundTrips - trips, 1, 'one round trip');
        assert.equal(listed.map((c) => [c[0], c[2]]), [['script', list]], 'one read-list script on the list key');
      }
      assert.is(s.queries.length, sql, 'no SQL');

      const base = 910_000 + chatId * 10;
      const emails = [1, 2, 3].map((n) => `pin${chatId}x${n}@example.com`);
      for (const [i, email] of emails.entries()) await users.save(s.hs, { id: base + i, email, tenantId: 9, slug: `pin${chatId}x${i}`, name: email, version: 0 });
      assert.equal((await users.getManyByEmail(s.hs, emails)).map((row) => row?.id ?? null), [base, base + 1, base + 2], 'pointers filled');
      const userRows = await Promise.all([0, 1, 2].map((i) => rowKey('users', base + i)));
      const pointers = (await h.keys(`${h.prefix}users@*:email=pin${chatId}x*`)).filter((key) => !key.endsWith(':lease')).sort();
      assert.is(pointers.length, 3);
      // A process that has not looked these values up yet: no hint, so the pointers are followed.
      trips = fresh.hs.stats().redisRoundTrips;
      sql = fresh.queries.length;
      const followed = await h.record(() => users.getManyByEmail(fresh.hs, emails));
      if (cluster) {
        assert.is(fresh.hs.stats().redisRoundTrips - trips, 6, 'two per value, the values\' lookups sent together');
        assert.equal(unordered(followed), unordered([...pointers, ...userRows].map((key) => ['get', key])));
      } else {
        assert.is(fresh.hs.stats().redisRoundTrips - trips, 1, 'one round trip');
        assert.is(followed.length, 1, 'one read-pointers script');
        assert.equal([followed[0]?.[0], followed[0]?.[1], ...(followed[0]?.slice(3) ?? []).sort()], ['script', '0', ...pointers]);
      }
      assert.is(fresh.queries.length, sql, 'no SQL');
      // The same process again: on one Redis its hints name the rows, read with one MGET.
      trips = fresh.hs.stats().redisRoundTrips;
      const hinted = await h.record(() => users.getManyByEmail(fresh.hs, emails));
      if (cluster) assert.equal(unordered(hinted), unordered(followed));
      else assert.equal(hinted, [['mget', ...userRows]]);
      assert.is(fresh.hs.stats().redisRoundTrips - trips, cluster ? 6 : 1);
    } finally {
      await fresh.close();
      await s.close();
    }
  }),
);

test(
  'hotstorage writes keep lists true: insert, move between parents (both lists), delete, and a transaction',
  timed(20_000, async () => {
    const s = await h.storage();
    try {
      const { chatId, id } = chat();
      const other = chat().chatId;
      await messages.save(s.hs, message(id(1), chatId));
      await messages.save(s.hs, message(id(2), chatId));
      assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [id(1), id(2)]);
      assert.equal(ids(await messages.listByChatId(s.hs, other)), []);
      await messages.save(s.hs, message(id(3), chatId));
      assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [id(1), id(2), id(3)], 'insert');
      await messages.update(s.hs, id(2), { chatId: other });
      assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [id(1), id(3)], 'moved out of the old list');
      assert.equal(ids(await messages.listByChatId(s.hs, other)), [id(2)], 'and into the new one');
      await messages.save(s.hs, message(id(3), other, 'moved by save'));
      assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [id(1)], 'save that moves a row');
      assert.equal(ids(await messages.listByChatId(s.hs, other)), [id(2), id(3)]);
      await messages.remove(s.hs, id(2));
      assert.equal(ids(await messages.listByChatId(s.hs, other)), [id(3)], 'delete');
      await s.hs.transaction(async (tx) => {
        await messages.save(tx, message(id(4), chatId));
        await messages.update(tx, id(3), { chatId });
      });
      assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [id(1), id(3), id(4)], 'a transaction');
      assert.equal(ids(await messages.listByChatId(s.hs, other)), []);
      await s.hs.transaction(async (tx) => {
        await messages.remove(tx, id(1));
        throw new Error('rolled back');
      }).catch(() => undefined);
      assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [id(1), id(3), id(4)], 'a rollback changes nothing');
      await messages.update(s.hs, id(4), { body: 'not a listed column' });
      assert.equal((await messages.listByChatId(s.hs, chatId)).map((m) => m.body), ['m' + id(1), 'moved by save', 'not a listed column']);
      await messages.update(s.hs, id(4), { authorId: 42 });
      assert.equal(ids(await messages.listByAuthorId(s.hs, 42)), [id(4)], 'a nullable listed column');
    } finally {
      await s.close();
    }
  }),
);

test(
  'a list longer than maxListLength is served from Postgres each time, whole, never cached, and counted',
  timed(20_000, async () => {
    const s = await h.storage({ maxListLength: 3 });
    try {
      const { chatId, id } = chat();
      for (const n of [1, 2, 3, 4, 5]) await messages.save(s.hs, message(id(n), chatId));
      for (let i = 0; i < 2; i++) assert.equal(ids(await messages.listByChatId(s.hs, chatId)), [1, 2, 3, 4, 5].map(id));
      assert.equal(ids(await messages.listByChatId(s.hs, chatId, { after: id(3) })), [id(4), id(5)]);
      assert.equal(ids(await messages.listByChatId(s.hs, chatId, { where: { body: `m${id(4)}` } })), [id(4)], 'a filter joins the page query');
      assert.equal(await listKeyOf(chatId), [], 'not cached');
      assert.is(s.hs.stats().listsOversized, 4);
    } finally {
      await s.close();
    }
  }),
);

/**
 * A reader misses the list, takes its lease and reads Postgres; before it fills, another storage commits a write that
 * changes the list's members. Whatever the reader then does, the list read afterwards must hold the write.
 */
async function readerBeforeWrite(write: 'insert' | 'move' | 'delete', override: boolean): Promise<number[]> {
  const { chatId, id } = chat();
  const other = chat().chatId;
  let raced = false;
  const writer = await h.storage({ unsafeSkipLeaseOverride: !override });
  const reader = await h.storage({
    hooks: {
      async afterDbRead({ key }) {
        if (raced || !key.includes(':list:chat_id:')) return;
        raced = true;
        if (write === 'insert') await messages.save(writer.hs, message(id(3), chatId));
        if (write === 'move') await messages.update(writer.hs, id(1), { chatId: other });
        if (write === 'delete') await messages.remove(writer.hs, id(2));
      },
    },
  });
  try {
    await messages.save(writer.hs, message(id(1), chatId));
    await messages.save(writer.hs, message(id(2), chatId));
    const stale = await messages.listByChatId(reader.hs, chatId);
    assert.ok(raced, 'the write ran between the read and the fill');
    assert.is(stale.length, 2, 'the racing reader answers what it read');
    return ids(await messages.listByChatId(reader.hs, chatId)).map((n) => n - chatId * 1000);
  } finally {
    await reader.close();
    await writer.close();
  }
}

const afterWrite = { insert: [1, 2, 3], move: [2], delete: [1] } as const;

for (const write of ['insert', 'move', 'delete'] as const) {
  test(
    `a list read before a concurrent ${write} committed is never left cached (the writer overrides its lease)`,
    timed(20_000, async () => {
      assert.equal(await readerBeforeWrite(write, true), [...afterWrite[write]]);
    }),
  );
}

test(
  'without the lease override the same race leaves the stale list cached (the test detects what the guard prevents)',
  timed(20_000, async () => {
    assert.equal(await readerBeforeWrite('insert', false), [1, 2]);
  }),
);

