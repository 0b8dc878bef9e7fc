import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { rowCodecFor } from '../../runtime/src/codecs/row-codec.js';
import { escapeKeyPart, shapeHash, tableKeyspace, tableTag, unescapeKeyPart } from '../../runtime/src/table/keys.js';
import { buildTableRuntime } from '../../runtime/src/table/table-runtime.js';

const TRICKY = ['', ' ', ':', '{', '}', '=', '%', ',', '.', '@', '%_', '%25', '%3A', 'a:b', 'a{b}', 'a=b', '😀', '\uD83D', '\uFFFD', 'é', 'e\u0301', '\u0000', 'A', 'a'];

test('escapeKeyPart keeps [A-Za-z0-9_-] and escapes everything else, the empty string as %_', () => {
  assert.is(escapeKeyPart('user_42-x'), 'user_42-x');
  assert.is(escapeKeyPart('a:b{c}=d%e'), 'a%3Ab%7Bc%7D%3Dd%25e');
  assert.is(escapeKeyPart('a.b@c,d e'), 'a%2Eb%40c%2Cd%20e');
  assert.is(escapeKeyPart(''), '%_');
  assert.is(escapeKeyPart('😀'), '%uD83D%uDE00');
});

test('no two distinct strings escape to the same text, and no escaped text carries a separator raw', () => {
  const seen = new Map<string, string>();
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const values = [...TRICKY];
  for (let i = 0; i < 5000; i++) {
    const length = Math.floor(random() * 4);
    values.push(Array.from({ length }, () => TRICKY[Math.floor(random() * TRICKY.length)] ?? '').join(''));
  }
  for (const value of values) {
    const escaped = escapeKeyPart(value);
    const previous = seen.get(escaped);
    if (previous !== undefined) assert.is(previous, value, `${JSON.stringify(value)} and ${JSON.stringify(previous)} collide`);
    seen.set(escaped, value);
    assert.not.match(escaped, /[:{}=.@, ]/);
    assert.is(unescapeKeyPart(escaped), value, 'tools read keys back exactly');
  }
});

test('row keys: row, lease and writer sets share one non-empty hash tag; composite parts cannot run together', () => {
  const ks = tableKeyspace({ prefix: 'app:', schema: 'public', table: 'users', shape: 'abc' });
  const base = `app:users@${tableTag('public', 'users', 'abc')}`;
  const keys = ks.rowKeys(['42']);
  const { tag, row, lease, writers, contended, applied } = keys;
  assert.equal({ tag, row, lease, writers, contended, applied }, {
    tag: '42',
    row: `${base}:{42}`,
    lease: `${base}:{42}:lease`,
    writers: `${base}:{42}:writers`,
    contended: `${base}:{42}:contended`,
    applied: `${base}:{42}:applied`,
  });
  assert.is(ks.rowKeys(['']).row, `${base}:{%_}`);
  assert.is.not(ks.rowKeys(['a,b', 'c']).row, ks.rowKeys(['a', 'b,c']).row);
  assert.is.not(ks.rowKeys(['', 'x']).row, ks.rowKeys(['x', '']).row);
  assert.is.not(ks.rowKeys(['a}b']).row, ks.rowKeys(['a']).row);
  assert.is(ks.rowKeysForTag(keys.tag).row, keys.row);
});

test('the table part is the escaped table name and a 6-character tag of schema, table and shape', () => {
  const tag = tableTag('public', 'users', 'abc');
  assert.match(tag, /^[A-Za-z0-9_-]{6}$/);
  assert.is(tableKeyspace({ prefix: '', schema: 'public', table: 'users', shape: 'abc' }).base, `users@${tag}`);
  assert.is(tableKeyspace({ prefix: 'p:', schema: 'public', table: 'a.b', shape: 'abc' }).base, `p:a%2Eb@${tableTag('public', 'a.b', 'abc')}`);
  // One table name in two schemas, or two shapes of one table: different key spaces.
  assert.is.not(tableTag('auth', 'users', 'abc'), tag);
  assert.is.not(tableTag('public', 'users', 'abd'), tag);
  // "a.b"."c" and "a"."b.c" hash different texts (the parts are escaped before they are joined).
  assert.is.not(tableTag('a.b', 'c', 's'), tableTag('a', 'b.c', 's'));
  assert.is.not(tableTag('a\nb', 'c', 's'), tableTag('a', 'b\nc', 's'));
});

test('pointer keys name every column and value, escaped; composite pointers cannot collide', () => {
  const ks = tableKeyspace({ prefix: 'p:', schema: 'public', table: 'users', shape: 's' });
  assert.is(ks.pointer(['email'], ['a@b.c']), `${ks.base}:email=a%40b%2Ec`);
  assert.is(ks.pointer(['tenant_id', 'slug'], ['1', 'x']), `${ks.base}:tenant_id=1:slug=x`);
  assert.is.not(ks.pointer(['a', 'b'], ['1:b=2', '3']), ks.pointer(['a', 'b'], ['1', '2:b=3']));
  assert.is.not(ks.pointer(['email'], ['']), ks.pointer(['email'], ['%_']));
});

test('the shape hash changes with the codec signature and with the keys', () => {
  const base = { signature: 'v1|id:id:number', identity: ['id'], uniqueKeys: [['email']] };
  const hash = shapeHash(base);
  assert.match(hash, /^[0-9a-f]{10}$/);
  assert.is(shapeHash({ ...base }), hash);
  assert.is.not(shapeHash({ ...base, signature: 'v2|id:id:number' }), hash);
  assert.is.not(shapeHash({ ...base, uniqueKeys: [] }), hash);
  assert.is.not(shapeHash({ ...base, uniqueKeys: [['email'], ['slug']] }), hash);
});

test('checkKey remembers an identity\'s key texts by its value: the same keys as built afresh, bounded, never across types', () => {
  const users = pgTable('memo_users', { id: integer('id').primaryKey(), email: text('email').notNull().unique() });
  const notes = pgTable('memo_notes', { code: text('code').primaryKey() });
  const spec = (identity: string[], uniqueKeys: string[][] = []) => ({ primaryKey: identity, uniqueKeys, identity });
  const rt = buildTableRuntime({ table: users, spec: spec(['id'], [['email']]), prefix: 'm:', codec: rowCodecFor(users), identityMemo: 4 });
  const first = rt.checkKey(rt.keyNamed(['id']), { id: 7 });
  assert.is(first.rowKeys?.row, rt.rowKeys({ id: 7 }).row);
  assert.equal(first.parts, ['7']);
  assert.is(rt.checkKey(rt.keyNamed(['id']), { id: 7 }), first, 'remembered');
  // A unique key is not the identity: no row keys, nothing remembered.
  const byEmail = rt.checkKey(rt.keyNamed(['email']), { email: 'a@x' });
  assert.is(byEmail.rowKeys, undefined);
  assert.is.not(rt.checkKey(rt.keyNamed(['email']), { email: 'a@x' }), byEmail);
  // Bounded: past its limit the memo starts over, so 7 is built afresh (the same texts, another object).
  for (let id = 100; id < 110; id++) rt.checkKey(rt.keyNamed(['id']), { id });
  const again = rt.checkKey(rt.keyNamed(['id']), { id: 7 });
  assert.is.not(again, first);
  assert.is(again.rowKeys?.row, first.rowKeys?.row);
  // A text identity: the string '7' is its own value, never the number 7's (and the number is refused as ever).
  const notesRt = buildTableRuntime({ table: notes, spec: spec(['code']), prefix: 'm:', codec: rowCodecFor(notes) });
  assert.is(notesRt.checkKey(notesRt.keyNamed(['code']), { code: '7' }).rowKeys?.row, notesRt.rowKeys({ code: '7' }).row);
  assert.throws(() => rt.checkKey(rt.keyNamed(['id']), { id: '7' }));
  // Without the near-cache (no identityMemo) nothing is remembered: the same texts, built afresh each time.
  const plain = buildTableRuntime({ table: users, spec: spec(['id'], [['email']]), prefix: 'm:', codec: rowCodecFor(users) });
  const once = plain.checkKey(plain.keyNamed(['id']), { id: 7 });
  assert.is.not(plain.checkKey(plain.keyNamed(['id']), { id: 7 }), once);
  assert.is(once.rowKeys?.row, first.rowKeys?.row);
  assert.throws(() => rt.checkKey(rt.keyNamed(['id']), { id: 7.5 }));
});

test.run();
