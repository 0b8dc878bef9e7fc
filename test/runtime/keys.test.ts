import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeKeyPart, shapeHash, tableKeyspace } from '../../runtime/keys.js';

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
  }
});

test('row keys: row, index set, lease and writer sets share one non-empty hash tag; composite parts cannot run together', () => {
  const ks = tableKeyspace({ prefix: 'app:', schema: 'public', table: 'users', shape: 'abc' });
  const keys = ks.rowKeys(['42']);
  assert.equal(keys, {
    tag: '42',
    row: 'app:public.users@abc:{42}',
    index: 'app:public.users@abc:{42}:ix',
    lease: 'app:public.users@abc:{42}:lease',
    writers: 'app:public.users@abc:{42}:writers',
    contended: 'app:public.users@abc:{42}:contended',
    applied: 'app:public.users@abc:{42}:applied',
  });
  assert.is(ks.rowKeys(['']).row, 'app:public.users@abc:{%_}');
  assert.is.not(ks.rowKeys(['a,b', 'c']).row, ks.rowKeys(['a', 'b,c']).row);
  assert.is.not(ks.rowKeys(['', 'x']).row, ks.rowKeys(['x', '']).row);
  assert.is.not(ks.rowKeys(['a}b']).row, ks.rowKeys(['a']).row);
  assert.is(ks.rowKeysForTag(keys.tag).row, keys.row);
  assert.is(ks.all, 'app:public.users@abc:all');
});

test('schema and table names are escaped: "a.b"."c" and "a"."b.c" are different key spaces', () => {
  const one = tableKeyspace({ prefix: 'p:', schema: 'a.b', table: 'c', shape: 's' });
  const two = tableKeyspace({ prefix: 'p:', schema: 'a', table: 'b.c', shape: 's' });
  assert.is(one.base, 'p:a%2Eb.c@s');
  assert.is(two.base, 'p:a.b%2Ec@s');
  assert.is(tableKeyspace({ prefix: '', schema: 'auth', table: 'users', shape: 's' }).base, 'auth.users@s');
});

test('pointer keys name every column and value, escaped; composite pointers cannot collide', () => {
  const ks = tableKeyspace({ prefix: 'p:', schema: 'public', table: 'users', shape: 's' });
  assert.is(ks.pointer(['email'], ['a@b.c']), 'p:public.users@s:email=a%40b%2Ec');
  assert.is(ks.pointer(['tenant_id', 'slug'], ['1', 'x']), 'p:public.users@s:tenant_id=1:slug=x');
  assert.is.not(ks.pointer(['a', 'b'], ['1:b=2', '3']), ks.pointer(['a', 'b'], ['1', '2:b=3']));
  assert.is.not(ks.pointer(['email'], ['']), ks.pointer(['email'], ['%_']));
  assert.not.ok(ks.pointer(['all'], ['x']) === ks.all);
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

test.run();
