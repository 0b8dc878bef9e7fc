// Every column type Drizzle returns for PostgreSQL survives Postgres → Drizzle select → encode → Redis SET/GET →
// decode exactly: same types (Date, bigint, Buffer), same bits (-0, NaN), same Invalid Dates Drizzle itself makes.
// Values are random from a seeded PRNG (printed; rerun with HS_SEED=<seed>) plus each type's edge cases.
import { customType, integer, pgSchema, type PgColumnBuilderBase, type PgTable } from 'drizzle-orm/pg-core';
import {
  bigint,
  bigserial,
  boolean,
  char,
  cidr,
  date,
  doublePrecision,
  inet,
  interval,
  json,
  jsonb,
  line,
  macaddr,
  macaddr8,
  numeric,
  point,
  real,
  serial,
  smallint,
  smallserial,
  text,
  time,
  timestamp,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/postgres-js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rowCodecFor } from '../../runtime/src/codecs/row-codec.js';
import { KeyValueError } from '../../runtime/src/errors.js';
import { connectPostgres, connectRedis, deletePrefix, suiteName } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';
import { prng } from '../helpers/prng.js';

const SEED = Number(process.env.HS_SEED ?? Date.now() % 2 ** 31);
console.log(`codecs round-trip seed=${SEED} (rerun with HS_SEED=${SEED})`);
const RANDOM_PER_TYPE = 40;

type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const intBetween = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));
const digits = (rng: Rng, n: number): string => Array.from({ length: n }, () => String(intBetween(rng, 0, 9))).join('');

const CHARS = ['a', 'Z', '0', ' ', ':', '{', '}', '=', '%', '"', "'", '\\', ',', '[', ']', 'é', 'ß', '中', '😀', '👩‍👩‍👧', 'e\u0301', '\n', '\t', 'NULL'];
const randomText = (rng: Rng, max = 12): string => Array.from({ length: intBetween(rng, 0, max) }, () => pick(rng, CHARS)).join('');

function randomJson(rng: Rng, depth = 0): unknown {
  const kind = depth > 3 ? intBetween(rng, 0, 3) : intBetween(rng, 0, 6);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng() < 0.5;
    case 2:
      return pick(rng, [0, 1, -1, 0.1, 1e300, -2.5e-300, 12345678901234567890, 2 ** 53 + 2, intBetween(rng, -1e6, 1e6) / 7]);
    case 3:
      return randomText(rng);
    case 4:
    case 5:
      return Array.from({ length: intBetween(rng, 0, 4) }, () => randomJson(rng, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = intBetween(rng, 0, 4); i > 0; i--) object[randomText(rng, 4)] = randomJson(rng, depth + 1);
      return object;
    }
  }
}

const quote = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const arrayLiteral = (items: readonly (string | null)[]): string => `{${items.map((i) => (i === null ? 'NULL' : quote(i))).join(',')}}`;
const randomArray = (rng: Rng, element: (rng: Rng) => string): string =>
  arrayLiteral(Array.from({ length: intBetween(rng, 0, 5) }, () => (rng() < 0.2 ? null : element(rng))));

const randomDate = (rng: Rng): string =>
  `${String(intBetween(rng, 1, 9999)).padStart(4, '0')}-${String(intBetween(rng, 1, 12)).padStart(2, '0')}-${String(intBetween(rng, 1, 28)).padStart(2, '0')}`;
const randomTime = (rng: Rng): string =>
  `${String(intBetween(rng, 0, 23)).padStart(2, '0')}:${String(intBetween(rng, 0, 59)).padStart(2, '0')}:${String(intBetween(rng, 0, 59)).padStart(2, '0')}.${digits(rng, intBetween(rng, 1, 6))}`;
const randomOffset = (rng: Rng): string => pick(rng, ['+00', '-08', '+05:30', '+14', '-03:30', '+01']);
const randomTimestamp = (rng: Rng): string => `${randomDate(rng)} ${randomTime(rng)}`;
const randomUuid = (rng: Rng): string => {
  const hex = Array.from({ length: 32 }, () => pick(rng, [...'0123456789abcdef'])).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
const randomHex = (rng: Rng, bytes: number): string => Array.from({ length: bytes }, () => pick(rng, ['00', 'ff', '0a', '7f', '80', String(intBetween(rng, 10, 99))])).join('');
const randomFloat = (rng: Rng): string => String(pick(rng, [rng() * 1e6 - 5e5, (rng() - 0.5) * 1e-30, (rng() - 0.5) * 1e300, intBetween(rng, -1000, 1000)]));

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });
const bigintViaFromDriver = customType<{ data: bigint; driverData: string }>({ dataType: () => 'int8', fromDriver: (v) => BigInt(v) });
const utcStamp = customType<{ data: Date; driverData: string }>({ dataType: () => 'timestamp(3)', fromDriver: (v) => new Date(`${v}Z`) });
const int4range = customType<{ data: string }>({ dataType: () => 'int4range' });
const jsonViaFromDriver = customType<{ data: unknown; driverData: unknown }>({ dataType: () => 'jsonb', fromDriver: (v) => v });

interface TypeCase {
  readonly name: string;
  readonly sqlType: string;
  readonly column: () => PgColumnBuilderBase;
  readonly edges: readonly string[];
  readonly random: (rng: Rng) => string;
  /** serial columns are NOT NULL */
  readonly notNull?: true;
}

const INT_EDGES = ['0', '-1', '1'];
const CASES: readonly TypeCase[] = [
  { name: 'smallint', sqlType: 'smallint', column: () => smallint(), edges: [...INT_EDGES, '-32768', '32767'], random: (r) => String(intBetween(r, -32768, 32767)) },
  { name: 'integer', sqlType: 'integer', column: () => integer(), edges: [...INT_EDGES, '-2147483648', '2147483647'], random: (r) => String(intBetween(r, -2147483648, 2147483647)) },
  { name: 'bigint_number', sqlType: 'bigint', column: () => bigint({ mode: 'number' }), edges: [...INT_EDGES, '-9223372036854775808', '9223372036854775807', '9007199254740993'], random: (r) => `${pick(r, ['', '-'])}${digits(r, intBetween(r, 1, 18))}` },
  { name: 'bigint_bigint', sqlType: 'bigint', column: () => bigint({ mode: 'bigint' }), edges: [...INT_EDGES, '-9223372036854775808', '9223372036854775807', '9007199254740993'], random: (r) => `${pick(r, ['', '-'])}${digits(r, intBetween(r, 1, 18))}` },
  { name: 'smallserial', sqlType: 'smallserial', notNull: true, column: () => smallserial(), edges: ['1', '32767'], random: (r) => String(intBetween(r, 1, 32767)) },
  { name: 'serial', sqlType: 'serial', notNull: true, column: () => serial(), edges: ['1', '2147483647'], random: (r) => String(intBetween(r, 1, 2147483647)) },
  { name: 'bigserial_number', sqlType: 'bigserial', notNull: true, column: () => bigserial({ mode: 'number' }), edges: ['1', '9007199254740993'], random: (r) => digits(r, 15).replace(/^0+/, '1') },
  { name: 'bigserial_bigint', sqlType: 'bigserial', notNull: true, column: () => bigserial({ mode: 'bigint' }), edges: ['1', '9223372036854775807'], random: (r) => digits(r, 18).replace(/^0+/, '1') },
  { name: 'numeric', sqlType: 'numeric', column: () => numeric(), edges: ['0', '-0.000', '1.500', 'NaN', 'Infinity', '-Infinity', `${'9'.repeat(40)}.${'0'.repeat(10)}`, '0.00000000000000000001'], random: (r) => `${pick(r, ['', '-'])}${digits(r, intBetween(r, 1, 40))}.${digits(r, intBetween(r, 0, 20))}` },
  { name: 'numeric_number', sqlType: 'numeric', column: () => numeric({ mode: 'number' }), edges: ['0', 'NaN', 'Infinity', '-Infinity', '1e308', '0.1', '-0'], random: (r) => `${pick(r, ['', '-'])}${digits(r, intBetween(r, 1, 20))}.${digits(r, intBetween(r, 0, 20))}` },
  { name: 'numeric_bigint', sqlType: 'numeric(60, 0)', column: () => numeric({ mode: 'bigint', precision: 60, scale: 0 }), edges: ['0', `-${'9'.repeat(60)}`, '9'.repeat(60)], random: (r) => `${pick(r, ['', '-'])}${digits(r, intBetween(r, 1, 60))}` },
  { name: 'real', sqlType: 'real', column: () => real(), edges: ['0', '-0', 'NaN', 'Infinity', '-Infinity', '1.17549e-38', '3.40282e+38', '1.1'], random: (r) => String(Math.fround(Number(randomFloat(r)) % 3e38)) },
  { name: 'double', sqlType: 'double precision', column: () => doublePrecision(), edges: ['0', '-0', 'NaN', 'Infinity', '-Infinity', '5e-324', '1.7976931348623157e308', '0.30000000000000004'], random: randomFloat },
  { name: 'boolean', sqlType: 'boolean', column: () => boolean(), edges: ['true', 'false'], random: (r) => String(r() < 0.5) },
  { name: 'text', sqlType: 'text', column: () => text(), edges: ['', ':{}=%', ' ', 'NULL', '😀'.repeat(100), 'a'.repeat(10_000)], random: (r) => randomText(r, 40) },
  { name: 'varchar', sqlType: 'varchar(200)', column: () => varchar({ length: 200 }), edges: ['', ':=%{}'], random: (r) => randomText(r, 40) },
  { name: 'char', sqlType: 'char(6)', column: () => char({ length: 6 }), edges: ['', 'ab', 'abcdef', '😀'], random: (r) => randomText(r, 6).slice(0, 6) },
  { name: 'uuid', sqlType: 'uuid', column: () => uuid(), edges: ['00000000-0000-0000-0000-000000000000', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'], random: randomUuid },
  { name: 'date_string', sqlType: 'date', column: () => date(), edges: ['0001-01-01', '9999-12-31', 'infinity', '-infinity', '4713-01-01 BC', '5874897-12-31'], random: randomDate },
  { name: 'date_date', sqlType: 'date', column: () => date({ mode: 'date' }), edges: ['0001-01-01', '9999-12-31', '1970-01-01', 'infinity', '4713-01-01 BC', '275760-09-13'], random: randomDate },
  { name: 'time', sqlType: 'time', column: () => time(), edges: ['00:00:00', '23:59:59.999999', '24:00:00'], random: randomTime },
  { name: 'timetz', sqlType: 'time with time zone', column: () => time({ withTimezone: true }), edges: ['00:00:00+00', '23:59:59.999999-15:59'], random: (r) => `${randomTime(r)}${randomOffset(r)}` },
  { name: 'timestamp_date', sqlType: 'timestamp', column: () => timestamp(), edges: ['1970-01-01 00:00:00', '2020-01-02 03:04:05.123456', '0001-01-01 00:00:00', '9999-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999', 'infinity', '-infinity'], random: randomTimestamp },
  { name: 'timestamp_string', sqlType: 'timestamp(6)', column: () => timestamp({ mode: 'string', precision: 6 }), edges: ['2020-01-02 03:04:05.123456', '4713-01-01 00:00:00 BC', 'infinity'], random: randomTimestamp },
  { name: 'timestamptz_date', sqlType: 'timestamp with time zone', column: () => timestamp({ withTimezone: true }), edges: ['2020-01-02 03:04:05.999999+05:30', '1969-12-31 23:59:59.9995+00', 'infinity'], random: (r) => `${randomTimestamp(r)}${randomOffset(r)}` },
  { name: 'timestamptz_string', sqlType: 'timestamp(3) with time zone', column: () => timestamp({ mode: 'string', withTimezone: true, precision: 3 }), edges: ['2020-01-02 03:04:05.1235+14', '-infinity'], random: (r) => `${randomTimestamp(r)}${randomOffset(r)}` },
  { name: 'interval', sqlType: 'interval', column: () => interval(), edges: ['0', '-1 year -2 mons +3 days -04:05:06.789', '178000000 years'], random: (r) => `${intBetween(r, -100, 100)} years ${intBetween(r, -11, 11)} mons ${intBetween(r, -30, 30)} days ${randomTime(r)}` },
  { name: 'json', sqlType: 'json', column: () => json(), edges: ['null', '{}', '[]', '""', '{"a":1,"a":2}', '{ "spaced" : [ 1 , 2 ] }', '12345678901234567890', '{"😀":"é\\u0000x"}'], random: (r) => JSON.stringify(randomJson(r)) },
  { name: 'jsonb', sqlType: 'jsonb', column: () => jsonb(), edges: ['null', '{}', '[]', '"😀"', '{"n":1e400}', '{"z":1,"a":{"__proto__":{"x":1}}}', '1.000'], random: (r) => JSON.stringify(randomJson(r)) },
  { name: 'bytea', sqlType: 'bytea', column: () => bytea(), edges: ['\\x', '\\x00', '\\x000000', '\\xff00ff'], random: (r) => `\\x${randomHex(r, intBetween(r, 0, 40))}` },
  { name: 'inet', sqlType: 'inet', column: () => inet(), edges: ['0.0.0.0', '::1', '192.168.0.1/24', 'FE80::1/64'], random: (r) => `${intBetween(r, 0, 255)}.${intBetween(r, 0, 255)}.${intBetween(r, 0, 255)}.${intBetween(r, 0, 255)}/${intBetween(r, 8, 32)}` },
  { name: 'cidr', sqlType: 'cidr', column: () => cidr(), edges: ['10.0.0.0/8', '::/0'], random: (r) => `10.${intBetween(r, 0, 255)}.0.0/16` },
  { name: 'macaddr', sqlType: 'macaddr', column: () => macaddr(), edges: ['08:00:2B:01:02:03', '00:00:00:00:00:00'], random: (r) => randomHex(r, 6).replace(/(..)(?!$)/g, '$1:') },
  { name: 'macaddr8', sqlType: 'macaddr8', column: () => macaddr8(), edges: ['08:00:2b:01:02:03:04:05'], random: (r) => randomHex(r, 8).replace(/(..)(?!$)/g, '$1:') },
  { name: 'point_tuple', sqlType: 'point', column: () => point(), edges: ['(0,0)', '(-1.5,1e300)', '(NaN,Infinity)'], random: (r) => `(${randomFloat(r)},${randomFloat(r)})` },
  { name: 'point_xy', sqlType: 'point', column: () => point({ mode: 'xy' }), edges: ['(0,-0)', '(1e-300,5)'], random: (r) => `(${randomFloat(r)},${randomFloat(r)})` },
  { name: 'line_tuple', sqlType: 'line', column: () => line(), edges: ['{1,2,3}', '{0,1,-0.5}'], random: (r) => `{${intBetween(r, 1, 9)},${randomFloat(r)},${randomFloat(r)}}` },
  { name: 'line_abc', sqlType: 'line', column: () => line({ mode: 'abc' }), edges: ['{1,0,3}'], random: (r) => `{${randomFloat(r)},${intBetween(r, 1, 9)},${randomFloat(r)}}` },
  { name: 'int_array', sqlType: 'integer[]', column: () => integer().array(), edges: ['{}', '{NULL}', '{-2147483648,2147483647,NULL,0}'], random: (r) => randomArray(r, (q) => String(intBetween(q, -1000, 1000))) },
  { name: 'int_matrix', sqlType: 'integer[][]', column: () => integer().array().array(), edges: ['{}', '{{1,2},{3,NULL}}', '{{{1}}}'], random: (r) => `{{${intBetween(r, 0, 9)},${intBetween(r, 0, 9)}},{${intBetween(r, 0, 9)},NULL}}` },
  { name: 'text_array', sqlType: 'text[]', column: () => text().array(), edges: ['{}', '{""}', '{NULL,"NULL"}', '{"a,b","{}","\\\\","\\""}'], random: (r) => randomArray(r, (q) => randomText(q)) },
  { name: 'bigint_array', sqlType: 'bigint[]', column: () => bigint({ mode: 'bigint' }).array(), edges: ['{}', '{-9223372036854775808,9223372036854775807}'], random: (r) => `{${digits(r, 18)},-${digits(r, 5)}}` },
  { name: 'bigint_number_array', sqlType: 'bigint[]', column: () => bigint({ mode: 'number' }).array(), edges: ['{NULL,1}'], random: (r) => randomArray(r, (q) => digits(q, 17)) },
  { name: 'numeric_array', sqlType: 'numeric[]', column: () => numeric().array(), edges: ['{1.0,NULL,NaN}', '{}'], random: (r) => randomArray(r, (q) => `${digits(q, 3)}.${digits(q, 3)}`) },
  { name: 'bool_array', sqlType: 'boolean[]', column: () => boolean().array(), edges: ['{t,f,NULL}'], random: (r) => randomArray(r, (q) => String(q() < 0.5)) },
  { name: 'double_array', sqlType: 'double precision[]', column: () => doublePrecision().array(), edges: ['{NaN,-0,Infinity,NULL}'], random: (r) => randomArray(r, randomFloat) },
  { name: 'uuid_array', sqlType: 'uuid[]', column: () => uuid().array(), edges: ['{}'], random: (r) => randomArray(r, randomUuid) },
  { name: 'date_array', sqlType: 'date[]', column: () => date({ mode: 'date' }).array(), edges: ['{2020-01-02,NULL,infinity}'], random: (r) => randomArray(r, randomDate) },
  { name: 'date_string_array', sqlType: 'date[]', column: () => date().array(), edges: ['{2020-01-02,NULL}'], random: (r) => randomArray(r, randomDate) },
  { name: 'timestamp_array', sqlType: 'timestamp[]', column: () => timestamp().array(), edges: ['{"2020-01-02 03:04:05.5",NULL}'], random: (r) => randomArray(r, randomTimestamp) },
  { name: 'timestamptz_array', sqlType: 'timestamptz[]', column: () => timestamp({ withTimezone: true }).array(), edges: ['{"2020-01-02 03:04:05.5+02"}'], random: (r) => randomArray(r, (q) => `${randomTimestamp(q)}${randomOffset(q)}`) },
  // postgres.js cannot parse NULL elements of jsonb[] (it JSON.parses the text NULL), so Drizzle cannot select them.
  { name: 'jsonb_array', sqlType: 'jsonb[]', column: () => jsonb().array(), edges: ['{}', '{"{}","[]","null"}'], random: (r) => arrayLiteral(Array.from({ length: intBetween(r, 0, 3) }, () => JSON.stringify(randomJson(r)))) },
  { name: 'bytea_array', sqlType: 'bytea[]', column: () => bytea().array(), edges: ['{"\\\\x00",NULL}'], random: (r) => arrayLiteral([`\\x${randomHex(r, 3)}`]) },
  { name: 'custom_bigint', sqlType: 'int8', column: () => bigintViaFromDriver(), edges: ['-9223372036854775808'], random: (r) => digits(r, 18) },
  { name: 'custom_date', sqlType: 'timestamp(3)', column: () => utcStamp(), edges: ['2020-01-02 03:04:05.678', 'infinity'], random: randomTimestamp },
  { name: 'custom_range', sqlType: 'int4range', column: () => int4range(), edges: ['empty', '[1,2)', '(,)'], random: (r) => `[${intBetween(r, -9, 0)},${intBetween(r, 1, 9)})` },
  { name: 'custom_json', sqlType: 'jsonb', column: () => jsonViaFromDriver(), edges: ['"text"', '1', 'true', '{"a":[1,{"b":null}]}'], random: (r) => JSON.stringify(randomJson(r)) },
];

/** Deep equality that tells types apart (Date, Buffer, bigint, -0, NaN, Invalid Date); returns where they differ. */
function difference(expected: unknown, actual: unknown, path = '$'): string | undefined {
  if (Object.is(expected, actual)) return undefined;
  const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Buffer.isBuffer(v) ? 'buffer' : v instanceof Date ? 'date' : typeof v);
  if (typeOf(expected) !== typeOf(actual)) return `${path}: ${typeOf(expected)} became ${typeOf(actual)}`;
  if (expected instanceof Date && actual instanceof Date) {
    return Object.is(expected.getTime(), actual.getTime()) ? undefined : `${path}: ${expected.getTime()} became ${actual.getTime()}`;
  }
  if (Buffer.isBuffer(expected) && Buffer.isBuffer(actual)) return expected.equals(actual) ? undefined : `${path}: buffer bytes differ`;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) return `${path}: length ${expected.length} became ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = difference(expected[i], actual[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (typeof expected === 'object' && typeof actual === 'object' && expected !== null && actual !== null) {
    if (Object.getPrototypeOf(expected) !== Object.getPrototypeOf(actual)) return `${path}: prototype differs`;
    const keys = Object.keys(expected);
    if (keys.join('\u0001') !== Object.keys(actual).join('\u0001')) return `${path}: keys ${keys.join(',')} became ${Object.keys(actual).join(',')}`;
    for (const key of keys) {
      const d = difference((expected as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key], `${path}.${key}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  const show = (v: unknown) => (Object.is(v, -0) ? '-0' : typeof v === 'bigint' ? `${v}n` : JSON.stringify(v) ?? String(v));
  return `${path}: ${show(expected)} became ${show(actual)}`;
}

const schemaName = suiteName('codecs_rt');
const prefix = `${schemaName}:`;
const sql = connectPostgres();
const db = drizzle({ client: sql });
const schema = pgSchema(schemaName);
const redisReady = connectRedis();
let totalRows = 0;
const refused = new Map<string, number>();

/** `key <text>` or `refused <why>`: the same for a value and its decoded copy. */
function keyText(keyPart: (value: unknown) => string, value: unknown): string {
  try {
    return `key ${keyPart(value)}`;
  } catch (error) {
    if (error instanceof KeyValueError) return `refused ${error.message}`;
    throw error;
  }
}

test.before(async () => {
  await sql.unsafe(`create schema "${schemaName}"`);
  await sql.unsafe(`create type "${schemaName}".mood as enum ('sad', 'ok', 'a:b{c}=%', '😀 happy')`);
});

test.after(async () => {
  const redis = await redisReady;
  await deletePrefix(redis, prefix);
  redis.disconnect();
  await sql.unsafe(`drop schema "${schemaName}" cascade`);
  await sql.end();
  console.log(`codecs round-trip: ${CASES.length + 2} column types, ${totalRows} rows compared`);
  // Expected: NaN/±Infinity, Invalid Dates, integers past 2^53 in number mode, and what Drizzle makes of NULL
  // array elements (NaN, the text 'NULL', Invalid Date).
  console.log(`values refused as keys, by type: ${[...refused].map(([name, n]) => `${name} ${n}`).join(', ')}`);
});

async function roundTrip(name: string, sqlType: string, table: PgTable, literals: readonly (string | null)[]): Promise<void> {
  const redis = await redisReady;
  await sql.unsafe(`create table "${schemaName}"."${name}" (id integer primary key, v ${sqlType})`);
  // Sent as text and cast by Postgres: each literal is parsed exactly as a client's text-form value would be.
  await sql.unsafe(
    `insert into "${schemaName}"."${name}" (id, v) select n - 1, x::${sqlType.replace(/serial/, 'int')} from unnest($1::text[]) with ordinality as u(x, n)`,
    [literals as string[]],
  );
  const codec = rowCodecFor(table);
  const rows = (await db.select().from(table)) as Record<string, unknown>[];
  assert.is(rows.length, literals.length);
  const keys = rows.map((row) => `${prefix}${name}:${String(row.id)}`);
  await Promise.all(rows.map((row, i) => redis.set(keys[i] as string, codec.encode(row))));
  const stored = await redis.mget(...keys);
  rows.forEach((row, i) => {
    const text = stored[i];
    assert.type(text, 'string');
    const decoded = codec.decode(text as string);
    const where = difference(row, decoded);
    assert.ok(where === undefined, `${name} row ${String(row.id)} (literal ${JSON.stringify(literals[i])}, seed ${SEED}): ${where}`);
    // The value Postgres returned has a key text (or is refused, then refused again after the round trip).
    const original = keyText(codec.codecFor('v').keyPart, row.v);
    assert.is(keyText(codec.codecFor('v').keyPart, decoded?.v), original);
    if (original.startsWith('refused')) refused.set(name, (refused.get(name) ?? 0) + 1);
  });
  totalRows += rows.length;
}

for (const [index, typeCase] of CASES.entries()) {
  test(`${typeCase.name} values round-trip exactly through Postgres, Drizzle, Redis and decode`, timed(30_000, async () => {
    const rng = prng(SEED + index);
    const literals = [...(typeCase.notNull ? [] : [null]), ...typeCase.edges, ...Array.from({ length: RANDOM_PER_TYPE }, () => typeCase.random(rng))];
    const table = schema.table(typeCase.name, { id: integer().primaryKey(), v: typeCase.column() });
    await roundTrip(typeCase.name, typeCase.sqlType, table, literals);
  }));
}

test('enum values (pgEnum, array form and object form) round-trip exactly', timed(30_000, async () => {
  const mood = schema.enum('mood', ['sad', 'ok', 'a:b{c}=%', '😀 happy']);
  const rng = prng(SEED - 1);
  const literals = [null, 'sad', 'a:b{c}=%', '😀 happy', ...Array.from({ length: RANDOM_PER_TYPE }, () => pick(rng, mood.enumValues))];
  await roundTrip('enum_value', `"${schemaName}".mood`, schema.table('enum_value', { id: integer().primaryKey(), v: mood() }), literals);
  const moods = schema.enum('mood', { Sad: 'sad', Ok: 'ok', Odd: 'a:b{c}=%', Happy: '😀 happy' });
  await roundTrip('enum_object', `"${schemaName}".mood`, schema.table('enum_object', { id: integer().primaryKey(), v: moods() }), literals);
}));

test('enum arrays round-trip exactly', timed(30_000, async () => {
  const mood = schema.enum('mood', ['sad', 'ok', 'a:b{c}=%', '😀 happy']);
  const rng = prng(SEED - 2);
  const literals = [null, '{}', ...Array.from({ length: RANDOM_PER_TYPE }, () => arrayLiteral([pick(rng, mood.enumValues), null]))];
  await roundTrip('enum_array', `"${schemaName}".mood[]`, schema.table('enum_array', { id: integer().primaryKey(), v: mood().array() }), literals);
}));

test.run();
