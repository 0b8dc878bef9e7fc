// The row codec without services: what a stored row looks like, what decode refuses, what keyPart refuses,
// startup errors, the shape signature and the memory bound.
import { customType, integer, type PgColumnBuilderBase, pgEnum, pgTable, bigint, boolean, char, date, doublePrecision, jsonb, numeric, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CODEC_VERSION, NULL_KEY_PART, rowCodecFor } from '../../runtime/src/codecs/row-codec.js';
import { CorruptValueError, KeyValueError, UnsupportedColumnError } from '../../runtime/src/errors.js';

const mood = pgEnum('mood', ['sad', 'ok', 'happy']);
const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

const users = pgTable('users', {
  id: integer().primaryKey(),
  email: text().notNull(),
  balance: bigint({ mode: 'bigint' }).notNull(),
  score: doublePrecision(),
  createdAt: timestamp({ withTimezone: true }).notNull(),
  settings: jsonb().notNull(),
  tags: text().array(),
  mood: mood(),
  avatar: bytea(),
  active: boolean().notNull(),
});

const row = {
  id: 7,
  email: 'ada@example.com',
  balance: 9007199254740993n,
  score: -0,
  createdAt: new Date('2024-05-06T07:08:09.123Z'),
  settings: { theme: 'dark', n: [1, 2.5, null], 'é😀': {} },
  tags: ['a', null, ''],
  mood: 'ok',
  avatar: Buffer.from([0, 255, 0]),
  active: true,
};

// Golden stored form. If this fails, the stored format changed: bump CODEC_VERSION in runtime/codecs.ts (old rows
// then become unreachable instead of misread) and update this string in the same commit.
const GOLDEN =
  '["hs1",7,"ada@example.com","9007199254740993","-0",1714979289123,{"theme":"dark","n":[1,2.5,null],"é😀":{}},["a",null,""],"ok","AP8A",true]';

test('a row is stored as ["hs1", ...one JSON value per column in column order] (golden; bump CODEC_VERSION if it changes)', () => {
  assert.is(CODEC_VERSION, 1);
  assert.is(rowCodecFor(users).encode(row), GOLDEN);
});

test('decode returns exactly the encoded row, with Date, bigint, Buffer and -0 intact', () => {
  const decoded = rowCodecFor(users).decode(GOLDEN);
  assert.ok(decoded !== undefined);
  assert.equal(decoded, row);
  assert.ok(Object.is(decoded.score, -0));
  assert.instance(decoded.createdAt, Date);
  assert.ok(Buffer.isBuffer(decoded.avatar));
});

test('the codec is built once per table object', () => {
  assert.is(rowCodecFor(users), rowCodecFor(users));
});

const GARBAGE: readonly [string, string][] = [
  ['empty text', ''],
  ['not JSON', 'garbage'],
  ['a pickled value from the old Python store', "(dp0\nS'id'\np1\nI7\ns."],
  ['truncated', GOLDEN.slice(0, -1)],
  ['truncated mid-value', GOLDEN.slice(0, 40)],
  ['another codec version', GOLDEN.replace('"hs1"', '"hs2"')],
  ['no marker', GOLDEN.replace('"hs1",', '')],
  ['an object, not an array', '{"id":7}'],
  ['one column missing', GOLDEN.replace(',true]', ']')],
  ['one column too many', GOLDEN.replace(',true]', ',true,1]')],
  ['a string where an integer belongs', GOLDEN.replace('["hs1",7,', '["hs1","7",')],
  ['null in a NOT NULL column', GOLDEN.replace('"ada@example.com"', 'null')],
  ['bigint text with a leading zero', GOLDEN.replace('"9007199254740993"', '"09007199254740993"')],
  ['bigint as a JSON number', GOLDEN.replace('"9007199254740993"', '9007199254740993')],
  ['a number marker that is not one', GOLDEN.replace('"-0"', '"-1"')],
  ['a Date beyond the Date range', GOLDEN.replace('1714979289123', '8640000000000001')],
  ['a fractional Date', GOLDEN.replace('1714979289123', '1714979289123.5')],
  ['a Date as ISO text', GOLDEN.replace('1714979289123', '"2024-05-06T07:08:09.123Z"')],
  ['an array element of the wrong kind', GOLDEN.replace('["a",null,""]', '["a",1,""]')],
  ['an array where a scalar array was expected', GOLDEN.replace('["a",null,""]', '"a"')],
  ['base64 that is not base64', GOLDEN.replace('"AP8A"', '"AP8A!"')],
  ['a boolean as a number', GOLDEN.replace(',true]', ',1]')],
  ['a malformed json escape', GOLDEN.replace('{"theme":"dark","n":[1,2.5,null],"é😀":{}}', '{"~":[{},[["a","Infinity"]]]}')],
  ['the marker as a prefix of other text', '["hs1"'],
  ['arrays nested deeper than the stack', GOLDEN.replace('["a",null,""]', `${'['.repeat(200_000)}${']'.repeat(200_000)}`)],
];

for (const [what, text] of GARBAGE) {
  test(`decode returns undefined, without throwing, for ${what}`, () => {
    assert.is(rowCodecFor(users).decode(text), undefined);
  });
}

test('decode never throws and never returns a partial row, for 5000 random corruptions of a stored row', () => {
  const seed = Number(process.env.HS_SEED ?? Date.now() % 2 ** 31);
  let state = seed;
  const next = (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % n;
  };
  const codec = rowCodecFor(users);
  const alphabet = '[]{}",:0123456789-.eE nulltruefalsehs1\\~AP8=';
  let decodedSome = 0;
  for (let i = 0; i < 5000; i++) {
    let text = GOLDEN;
    for (let edits = 1 + next(3); edits > 0; edits--) {
      const at = next(text.length);
      const op = next(3);
      const char = alphabet[next(alphabet.length)] ?? '';
      text = op === 0 ? text.slice(0, at) + text.slice(at + 1) : op === 1 ? text.slice(0, at) + char + text.slice(at) : text.slice(0, at) + char + text.slice(at + 1);
    }
    let decoded: Record<string, unknown> | undefined;
    try {
      decoded = codec.decode(text);
    } catch (error) {
      assert.unreachable(`decode threw on ${JSON.stringify(text)} (seed ${seed}): ${String(error)}`);
    }
    if (decoded !== undefined) {
      decodedSome++;
      assert.equal(Object.keys(decoded), Object.keys(row), `partial row from ${JSON.stringify(text)} (seed ${seed})`);
    }
  }
  assert.ok(decodedSome < 5000);
});

test('encode refuses a value that is not what the column holds, naming table and column', () => {
  const codec = rowCodecFor(users);
  const bad: [string, unknown][] = [
    ['id', '7'],
    ['balance', 7],
    ['createdAt', '2024-05-06'],
    ['email', undefined],
    ['email', null],
    ['avatar', new Uint16Array(2)],
    ['settings', { when: new Date(0) }],
    ['settings', undefined],
  ];
  for (const [key, value] of bad) {
    try {
      codec.encode({ ...row, [key]: value });
      assert.unreachable(`encode accepted ${String(value)} for ${key}`);
    } catch (error) {
      assert.instance(error, CorruptValueError);
      assert.is((error as CorruptValueError).code, 'HS_CORRUPT_VALUE');
      assert.ok((error as Error).message.startsWith(`users.${key}:`), (error as Error).message);
    }
  }
});

test('json keeps numbers JSON cannot write (jsonb 1e400 → Infinity, json -0) and documents that look like the escape', () => {
  const codec = rowCodecFor(users);
  const odd: unknown[] = [
    { big: Infinity, small: -Infinity, deep: [{ z: -0 }] },
    Infinity,
    { '~': 'a document that looks like the escape' },
    { '~': [{}, [[['x'], 'NaN']]] },
    [NaN],
    null, // the JSON literal null in a NOT NULL jsonb column
  ];
  for (const settings of odd) {
    const decoded = codec.decode(codec.encode({ ...row, settings }));
    assert.ok(decoded !== undefined);
    assert.equal(decoded.settings, settings);
    if (Array.isArray(settings)) assert.ok(Number.isNaN((decoded.settings as number[])[0]));
  }
  const deep = codec.decode(codec.encode({ ...row, settings: odd[0] }))?.settings as { deep: { z: number }[] };
  assert.ok(Object.is(deep.deep[0]?.z, -0));
});

const keys = pgTable('keys', {
  id: integer().primaryKey(),
  small: integer(),
  big: bigint({ mode: 'bigint' }),
  price: numeric(),
  code: char({ length: 4 }),
  ref: uuid(),
  name: text().notNull(),
  day: date(),
  at: timestamp({ mode: 'string', withTimezone: true }),
  when: timestamp(),
  doc: jsonb(),
  mood: mood(),
  flag: boolean(),
  blob: bytea(),
});

function expectKeyError(key: string, value: unknown, mentions: string): void {
  try {
    rowCodecFor(keys).codecFor(key).keyPart(value);
    assert.unreachable(`keyPart accepted ${String(value)} for ${key}`);
  } catch (error) {
    assert.instance(error, KeyValueError);
    assert.is((error as KeyValueError).code, 'HS_KEY_VALUE');
    assert.ok((error as Error).message.startsWith(`keys.${key}:`), (error as Error).message);
    assert.ok((error as Error).message.includes(mentions), `${(error as Error).message} should mention ${mentions}`);
  }
}

test('keyPart refuses NaN, infinities, fractions, out-of-range integers, objects, undefined and wrong types with KeyValueError', () => {
  expectKeyError('small', Number.NaN, 'NaN');
  expectKeyError('small', Infinity, 'infinite');
  expectKeyError('small', 1.5, 'fractional');
  expectKeyError('small', 2 ** 31, 'integer');
  expectKeyError('small', '7', 'string');
  expectKeyError('small', 7n, 'bigint');
  expectKeyError('small', undefined, 'undefined');
  expectKeyError('small', { valueOf: () => 7 }, 'object');
  expectKeyError('big', 7, 'integer number');
  expectKeyError('big', 2n ** 63n, 'bigint');
  expectKeyError('price', 'abc', 'string');
  expectKeyError('price', 1.5, 'fractional');
  expectKeyError('ref', 'not-a-uuid', 'string');
  expectKeyError('name', null, 'null');
  expectKeyError('name', 'nul\u0000inside', 'string');
  expectKeyError('name', ['a'], 'array');
  expectKeyError('day', '2024-5-6', 'string');
  expectKeyError('day', new Date(0), 'Date');
  expectKeyError('at', '2024-05-06 07:08:09', 'string');
  expectKeyError('when', new Date(Number.NaN), 'invalid Date');
  expectKeyError('when', '2024-05-06', 'string');
  expectKeyError('mood', 'angry', 'string');
  expectKeyError('flag', 'true', 'string');
  expectKeyError('blob', 'AP8A', 'string');
  expectKeyError('doc', { n: Infinity }, 'object');
});

test('equal values give equal keyPart text; different values different text', () => {
  const part = (key: string, value: unknown) => rowCodecFor(keys).codecFor(key).keyPart(value);
  const same = (key: string, values: unknown[]) => {
    const texts = new Set(values.map((value) => part(key, value)));
    assert.is(texts.size, 1, `${key}: ${JSON.stringify([...texts])}`);
  };
  same('price', ['1.5', '1.50', '01.500', '+1.5', '15e-1', '0.015E2']);
  same('price', ['0', '-0', '0.000', '0e10']);
  same('price', ['NaN', 'nan']);
  same('code', ['ab', 'ab  ']);
  same('ref', ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{a0eebc999c0b4ef8bb6d6bb9bd380a11}']);
  same('at', ['2024-05-06 07:08:09.5+00', '2024-05-06 12:38:09.500+05:30', '2024-05-06T07:08:09.50Z', '2024-05-05 23:08:09.5-08']);
  same('when', [new Date('2024-05-06T07:08:09.123Z'), new Date(1714979289123)]);
  same('doc', [{ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 }]);
  same('big', [9007199254740993n, BigInt('9007199254740993')]);
  const distinct = (key: string, values: unknown[]) => {
    assert.is(new Set(values.map((value) => part(key, value))).size, values.length, key);
  };
  distinct('name', ['', ' ', 'a', 'A', 'a:b', 'a%3Ab', 'é', 'e\u0301', '😀']);
  distinct('price', ['1', '10', '0.1', '1e1001', '1e1000', 'Infinity', '-Infinity', 'NaN']);
  distinct('small', [0, 1, -1, 10]);
  distinct('flag', [true, false]);
});

test('null is a key only in a nullable column, as NULL_KEY_PART, which no value can produce', () => {
  const codec = rowCodecFor(keys);
  assert.is(codec.codecFor('small').keyPart(null), NULL_KEY_PART);
  assert.is(NULL_KEY_PART, '\u0000');
  expectKeyError('name', null, 'null');
  const samples: [string, unknown][] = [
    ['name', ''],
    ['name', '\u0001'],
    ['doc', '\u0000'],
    ['doc', { '\u0000': '\u0000' }],
    ['blob', Buffer.from([0])],
    ['price', '0'],
    ['small', 0],
  ];
  for (const [key, value] of samples) assert.not.ok(codec.codecFor(key).keyPart(value).includes('\u0000'), key);
});

test('a custom type whose fromDriver returns what cannot be carried fails at startup naming table and column', () => {
  const mapType = customType<{ data: Map<string, string>; driverData: string }>({
    dataType: () => 'hstore',
    fromDriver: (value) => new Map([['raw', value]]),
  });
  const table = pgTable('settings', { id: integer().primaryKey(), pairs: mapType('pairs') });
  try {
    rowCodecFor(table);
    assert.unreachable('built a codec for a Map-valued column');
  } catch (error) {
    assert.instance(error, UnsupportedColumnError);
    assert.is((error as UnsupportedColumnError).code, 'HS_UNSUPPORTED_COLUMN');
    assert.ok((error as Error).message.startsWith('settings.pairs: custom type hstore'), (error as Error).message);
  }
});

test('custom types whose fromDriver returns strings, numbers, bigint, Dates, Buffers or JSON are carried', () => {
  const upper = customType<{ data: string; driverData: string }>({ dataType: () => 'citext', fromDriver: (v) => v.toUpperCase() });
  const vector = customType<{ data: number[]; driverData: string }>({ dataType: () => 'vector(3)', fromDriver: (v) => v.slice(1, -1).split(',').map(Number) });
  const table = pgTable('custom', { id: integer().primaryKey(), name: upper(), embedding: vector() });
  const codec = rowCodecFor(table);
  for (const value of [{ id: 1, name: 'ADA', embedding: [1, 2.5, -0] }, { id: 2, name: null, embedding: [NaN] }]) {
    const decoded = codec.decode(codec.encode(value));
    assert.equal(decoded, value);
  }
});

test('the signature names every column in order with its SQL name, types, mode and the codec version', () => {
  const signature = rowCodecFor(users).signature;
  assert.ok(signature.startsWith(`codec-v${CODEC_VERSION}|`));
  assert.ok(signature.includes('|0:id:id:integer:number:PgInteger:number:not-null|'), signature);
  assert.ok(signature.includes(':createdAt:created_at:') || signature.includes(':createdAt:createdAt:'), signature);
  assert.ok(signature.includes('enum["sad","ok","happy"]'), signature);
  assert.ok(signature.includes('text[]:array:PgArray:array(text)'), signature);
});

test('the signature changes with a column mode, an enum value, column order or nullability, and not otherwise', () => {
  const make = (columns: Record<string, PgColumnBuilderBase>) => rowCodecFor(pgTable('t', columns)).signature;
  const base = make({ id: integer().primaryKey(), at: timestamp() });
  assert.is(make({ id: integer().primaryKey(), at: timestamp() }), base);
  assert.is.not(make({ id: integer().primaryKey(), at: timestamp({ mode: 'string' }) }), base);
  assert.is.not(make({ at: timestamp(), id: integer().primaryKey() }), base);
  assert.is.not(make({ id: integer().primaryKey(), at: timestamp().notNull() }), base);
  assert.is.not(make({ id: integer().primaryKey(), at: timestamp({ withTimezone: true }) }), base);
  const withEnum = make({ id: integer().primaryKey(), m: pgEnum('m', ['a', 'b'])() });
  assert.is.not(make({ id: integer().primaryKey(), m: pgEnum('m', ['a', 'b', 'c'])() }), withEnum);
  assert.is.not(make({ id: integer().primaryKey(), n: integer().array() }), make({ id: integer().primaryKey(), n: integer().array().array() }));
});

test('codecFor names the table when asked for a column it does not have', () => {
  assert.throws(() => rowCodecFor(users).codecFor('nope'), (error: unknown) => error instanceof KeyValueError && error.message.startsWith('users.nope'));
});

test('a typical row takes at most twice the bytes of its plain JSON', () => {
  const plain = JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  const encoded = rowCodecFor(users).encode(row);
  assert.ok(encoded.length <= 2 * plain.length, `${encoded.length} > 2 × ${plain.length}`);
  const wide = { ...row, settings: { list: Array.from({ length: 200 }, (_, i) => ({ i, name: `item ${i}` })) }, tags: Array.from({ length: 100 }, (_, i) => `tag${i}`) };
  const widePlain = JSON.stringify(wide, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  assert.ok(rowCodecFor(users).encode(wide).length <= widePlain.length, 'no per-column names or per-value overhead');
});

test.run();
