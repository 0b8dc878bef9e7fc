// keyPart agrees with Postgres equality: for random pairs of spellings, equal key text exactly when Postgres says
// the values are equal (what a unique index would say), so a lookup by any spelling reaches the one cached row
// and two rows never share a key. Seeded (printed; rerun with HS_SEED=<seed>).
import { char, cidr, inet, integer, interval, jsonb, macaddr, macaddr8, numeric, pgTable, time, timestamp, uuid } from 'drizzle-orm/pg-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rowCodecFor } from '../../runtime/src/codecs/row-codec.js';
import { connectPostgres } from '../helpers/services.js';
import { timed } from '../helpers/timeout.js';

const SEED = Number(process.env.HS_SEED ?? Date.now() % 2 ** 31);
console.log(`codecs keys seed=${SEED} (rerun with HS_SEED=${SEED})`);
const PAIRS = 300;

let state = SEED >>> 0;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const digits = (n: number) => Array.from({ length: n }, () => String(between(0, 9))).join('');
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

const table = pgTable('k', {
  id: integer().primaryKey(),
  price: numeric(),
  ref: uuid(),
  code: char({ length: 8 }),
  at: timestamp({ mode: 'string', withTimezone: true, precision: 6 }),
  local: timestamp({ mode: 'string', precision: 6 }),
  clock: time({ precision: 6 }),
  mac: macaddr(),
  mac8: macaddr8(),
  net: inet(),
  block: cidr(),
  span: interval(),
  doc: jsonb(),
});
const codec = rowCodecFor(table);
const sql = connectPostgres();

test.after(async () => {
  await sql.end();
});

/** Asks Postgres which pairs are equal, then holds keyPart to the same answer for every pair. */
async function agree(column: string, sqlType: string, pairs: readonly [unknown, unknown][], toSql: (value: unknown) => string = String): Promise<void> {
  const left = pairs.map(([a]) => toSql(a));
  const right = pairs.map(([, b]) => toSql(b));
  const rows = await sql.unsafe(`select (a::${sqlType} = b::${sqlType}) as equal from unnest($1::text[], $2::text[]) with ordinality as t(a, b, n) order by n`, [left, right]);
  const part = codec.codecFor(column);
  let equalPairs = 0;
  pairs.forEach(([a, b], i) => {
    const pgEqual = rows[i]?.equal === true;
    const keyEqual = part.keyPart(a) === part.keyPart(b);
    if (pgEqual) equalPairs++;
    assert.is(keyEqual, pgEqual, `${column}: ${JSON.stringify(left[i])} vs ${JSON.stringify(right[i])}: Postgres says ${pgEqual ? 'equal' : 'different'} (seed ${SEED})`);
  });
  // Both answers must occur, or the test could not tell a constant keyPart from a correct one.
  assert.ok(equalPairs > 0 && equalPairs < pairs.length, `${column}: ${equalPairs} of ${pairs.length} pairs equal`);
}

function numericSpelling(value: string): string {
  const [whole = '0', fraction = ''] = value.replace('-', '').split('.');
  const sign = value.startsWith('-') ? '-' : pick(['', '+']);
  const zeros = '0'.repeat(between(0, 3));
  switch (between(0, 2)) {
    case 0:
      return `${sign}${zeros}${whole}.${fraction}${zeros}`;
    case 1: {
      const shift = between(1, 5);
      return `${sign}${whole}${fraction}${'0'.repeat(shift)}e-${fraction.length + shift}`;
    }
    default:
      return `${sign}${whole}${fraction === '' ? '' : `.${fraction}`}`.replace(/^(-?)0+(?=\d)/, '$1');
  }
}

test('numeric key text equals exactly when Postgres numeric equality holds', timed(20_000, async () => {
  const pairs: [string, string][] = [];
  for (let i = 0; i < PAIRS; i++) {
    const value = `${pick(['', '-'])}${digits(between(1, 25))}.${digits(between(0, 25))}`;
    const other = random() < 0.5 ? value : `${pick(['', '-'])}${digits(between(1, 3))}.${digits(between(0, 2))}`;
    pairs.push([numericSpelling(value), numericSpelling(other)]);
  }
  pairs.push(['NaN', 'nan'], ['0', '-0.000'], ['1e1001', '1e1000'], ['Infinity', '-Infinity']);
  await agree('price', 'numeric', pairs);
}));

test('uuid key text equals exactly when Postgres uuid equality holds (case, braces, hyphens)', timed(20_000, async () => {
  const hex = () => Array.from({ length: 32 }, () => pick([...'0123456789abcdef'])).join('');
  const spell = (h: string) => {
    const dashed = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    const text = pick([dashed, h, `{${dashed}}`]);
    return random() < 0.5 ? text.toUpperCase() : text;
  };
  const pairs: [string, string][] = [];
  for (let i = 0; i < PAIRS; i++) {
    const a = hex();
    const b = random() < 0.5 ? a : `${a.slice(0, 31)}${pick([...'0123456789abcdef'])}`;
    pairs.push([spell(a), spell(b)]);
  }
  await agree('ref', 'uuid', pairs);
}));

test('char(n) key text ignores trailing spaces exactly as Postgres does', timed(20_000, async () => {
  const pairs: [string, string][] = [];
  for (let i = 0; i < PAIRS; i++) {
    const a = Array.from({ length: between(0, 5) }, () => pick(['a', 'b', ' ', 'é'])).join('');
    const b = random() < 0.5 ? `${a}${' '.repeat(between(0, 3))}` : pick(['a', 'b', ' a', 'a b', '']);
    pairs.push([a, b]);
  }
  await agree('code', 'char(8)', pairs);
}));

test('timestamptz strings give one key text per instant, whatever the offset', timed(20_000, async () => {
  const offsets = [0, 60, -480, 330, 840, -210, 345];
  const spell = (ms: number, micros: string) => {
    const offset = pick(offsets);
    const local = new Date(ms + offset * 60_000).toISOString();
    const sign = offset < 0 ? '-' : '+';
    const zone = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
    return `${local.slice(0, 10)}${pick([' ', 'T'])}${local.slice(11, 19)}.${micros}${pick(['', '0'])}${zone}`;
  };
  const pairs: [string, string][] = [];
  for (let i = 0; i < PAIRS; i++) {
    const ms = between(-6e10, 2.5e11) * 1000; // years 68..9892
    const micros = digits(5);
    const other = random() < 0.5 ? ms : ms + pick([1000, 60_000, 3_600_000]);
    pairs.push([spell(ms, micros), spell(other, random() < 0.9 ? micros : digits(5))]);
  }
  await agree('at', 'timestamptz', pairs);
}));

test('timestamp and time strings: separator and fractional zeros do not change the key text', timed(20_000, async () => {
  const stamp = () => `${pad(between(1, 9999), 4)}-${pad(between(1, 12))}-${pad(between(1, 28))}`;
  const clock = () => `${pad(between(0, 23))}:${pad(between(0, 59))}:${pad(between(0, 59))}`;
  const fraction = () => pick(['', `.${digits(between(1, 3))}`]);
  const stamps: [string, string][] = [];
  const clocks: [string, string][] = [];
  for (let i = 0; i < PAIRS; i++) {
    const [d, c, f] = [stamp(), clock(), fraction()];
    const same = random() < 0.5;
    stamps.push([`${d} ${c}${f}`, same ? `${d}T${c}${f}${f === '' ? '' : '00'}` : `${d} ${clock()}${f}`]);
    clocks.push([`${c}${f}`, same ? `${c}${f}${f === '' ? '.000' : '0'}` : `${clock()}${f}`]);
  }
  await agree('local', 'timestamp', stamps);
  await agree('clock', 'time', clocks);
}));

test('macaddr key text equals exactly when Postgres macaddr equality holds (any accepted spelling)', timed(20_000, async () => {
  const hex = () => Array.from({ length: 6 }, () => pick(['00', '0a', 'ff', 'A1', '7f', '2B']));
  const spell = (bytes: string[]) => {
    const h = bytes.join('');
    return pick([bytes.join(':'), bytes.join('-'), `${h.slice(0, 4)}.${h.slice(4, 8)}.${h.slice(8)}`, h]);
  };
  const pairs: [string, string][] = [];
  for (let i = 0; i < PAIRS; i++) {
    const a = hex();
    pairs.push([spell(a), spell(random() < 0.5 ? a : hex())]);
  }
  await agree('mac', 'macaddr', pairs);
}));

test('macaddr8 key text equals exactly when Postgres says so, 6-byte spellings included', timed(20_000, async () => {
  const bytes = (n: number) => Array.from({ length: n }, () => pick(['00', 'ff', 'fe', 'A1', '2b']));
  const pairs: [string, string][] = [];
  for (let i = 0; i < PAIRS; i++) {
    const six = bytes(6);
    const eight = [...six.slice(0, 3), pick(['ff', 'FF', '00']), pick(['fe', 'FE', '00']), ...six.slice(3)];
    pairs.push([pick([six.join(':'), six.join('')]), pick([eight.join(':'), eight.join('-'), bytes(8).join(':')])]);
  }
  await agree('mac8', 'macaddr8', pairs);
}));

test('inet and cidr key text equals exactly when Postgres says so (IPv6 compression, implicit /32 and /128)', timed(20_000, async () => {
  const v6Spelling = (groups: number[]) => {
    const hex = groups.map((g) => g.toString(16));
    const full = pick([hex.join(':'), hex.map((h) => h.padStart(4, '0')).join(':').toUpperCase()]);
    const zeroRun = hex.findIndex((h, i) => h === '0' && hex[i + 1] === '0');
    if (zeroRun < 0 || random() < 0.3) return full;
    let end = zeroRun;
    while (hex[end] === '0') end++;
    return `${hex.slice(0, zeroRun).join(':')}::${hex.slice(end).join(':')}`;
  };
  const hosts: [string, string][] = [];
  const blocks: [string, string][] = [];
  for (let i = 0; i < PAIRS; i++) {
    if (random() < 0.5) {
      const quad = Array.from({ length: 4 }, () => pick([0, 1, 10, 255, between(0, 255)]));
      const other = random() < 0.5 ? quad : quad.map((q, j) => (j === 3 ? (q + 1) % 256 : q));
      const mask = pick(['', '/32', '/24', '/8']);
      hosts.push([`${quad.join('.')}${mask}`, `${other.join('.')}${random() < 0.5 ? mask : pick(['', '/32', '/24'])}`]);
      blocks.push([`${quad[0]}.0.0.0/8`, `${other[0]}.0.0.0${pick(['/8', '/16'])}`]);
    } else {
      const groups = Array.from({ length: 8 }, () => pick([0, 0, 0, 1, 0xfe80, between(0, 0xffff)]));
      const other = random() < 0.5 ? groups : groups.map((g, j) => (j === 7 ? (g + 1) % 0x10000 : g));
      const mask = pick(['', '/128', '/64']);
      hosts.push([`${v6Spelling(groups)}${mask}`, `${v6Spelling(other)}${random() < 0.5 ? mask : pick(['', '/128'])}`]);
      const net = [...groups.slice(0, 4), 0, 0, 0, 0];
      blocks.push([`${v6Spelling(net)}/64`, `${v6Spelling(random() < 0.5 ? net : [...other.slice(0, 4), 0, 0, 0, 0])}/64`]);
    }
  }
  await agree('net', 'inet', hosts);
  await agree('block', 'cidr', blocks);
}));

test('interval key text equals exactly when Postgres interval equality holds (1 mon = 30 days, 1 day = 24:00:00)', timed(20_000, async () => {
  const spell = (years: number, months: number, days: number, micros: bigint) => {
    const parts: string[] = [];
    if (years !== 0) parts.push(`${years} year${Math.abs(years) === 1 ? '' : 's'}`);
    if (months !== 0) parts.push(`${months} mon${Math.abs(months) === 1 ? '' : 's'}`);
    if (days !== 0) parts.push(`${days} day${Math.abs(days) === 1 ? '' : 's'}`);
    if (micros !== 0n || parts.length === 0) {
      const abs = micros < 0n ? -micros : micros;
      const seconds = abs / 1_000_000n;
      const fraction = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
      const clock = `${pad(Number(seconds / 3600n))}:${pad(Number((seconds / 60n) % 60n))}:${pad(Number(seconds % 60n))}${fraction === '' ? '' : `.${fraction}`}`;
      parts.push(`${micros < 0n ? '-' : ''}${clock}`);
    }
    return parts.join(' ');
  };
  const pairs: [string, string][] = [];
  for (let i = 0; i < PAIRS; i++) {
    const [y, m, d] = [between(-3, 3), between(-11, 11), between(-40, 40)];
    const micros = BigInt(between(-100_000, 100_000)) * 1_000_000n + BigInt(between(0, 999_999));
    const a = spell(y, m, d, micros);
    let b: string;
    switch (between(0, 3)) {
      case 0: // a month as 30 days
        b = spell(y, m - 1, d + 30, micros);
        break;
      case 1: // a day as 24 hours
        b = spell(y, m, d - 1, micros + 86_400_000_000n);
        break;
      case 2: // a year as 12 months
        b = spell(0, m + 12 * y, d, micros);
        break;
      default:
        b = spell(y, m, d, micros + BigInt(pick([1, 1_000_000, -60_000_000])));
    }
    pairs.push([a, b]);
  }
  await agree('span', 'interval', pairs);
}));

test('jsonb key text ignores key order exactly as jsonb equality does', timed(20_000, async () => {
  const value = (depth = 0): unknown => {
    const kind = depth > 2 ? between(0, 2) : between(0, 4);
    if (kind === 0) return pick([null, true, false]);
    if (kind === 1) return pick([0, 1, -2.5, 1e20, 0.1]);
    if (kind === 2) return pick(['', 'a', 'é😀', ':{}']);
    if (kind === 3) return Array.from({ length: between(0, 3) }, () => value(depth + 1));
    const object: Record<string, unknown> = {};
    for (const key of ['a', 'b', 'c', 'é'].slice(0, between(0, 4))) object[key] = value(depth + 1);
    return object;
  };
  const shuffled = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(shuffled);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v).sort(() => random() - 0.5);
    return Object.fromEntries(entries.map(([k, x]) => [k, shuffled(x)]));
  };
  const pairs: [unknown, unknown][] = [];
  for (let i = 0; i < PAIRS; i++) {
    const a = value();
    pairs.push([a, random() < 0.5 ? shuffled(a) : value()]);
  }
  await agree('doc', 'jsonb', pairs, (v) => JSON.stringify(v));
}));

test.run();
