// Canonical key text for string-valued Postgres types. A lookup value and the value Postgres returns for the
// same row must give the same text (invariant 3 compares them), so each function maps the inputs Postgres
// treats as equal to one text, and refuses (undefined) input that it cannot canonicalise, before any I/O.
// Canonical forms are Postgres's own output forms, so values read back from Postgres pass through unchanged.

/** U+0000 cannot be stored in Postgres text; refusing it keeps NULL_KEY_PART unreachable by any value. */
export function plainText(value: string): string | undefined {
  return value.includes('\u0000') ? undefined : value;
}

/** char(n) compares ignoring trailing spaces and Postgres returns it padded: `'ab'` and `'ab   '` are one key. */
export function paddedText(value: string): string | undefined {
  return plainText(value.replace(/ +$/, ''));
}

const UUID_HEX = /^[0-9a-f]{32}$/;

/** uuid: Postgres returns lowercase 8-4-4-4-12; it also accepts uppercase, braces and missing hyphens. */
export function uuidText(value: string): string | undefined {
  let text = value.toLowerCase();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
  const hex = text.replace(/-/g, '');
  if (!UUID_HEX.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const INTEGER = /^\s*[+-]?\d+\s*$/;

/** bigint in drizzle 1.0's string mode: `+7`, `007` and `7` are one int8; out of range is refused. */
export function int8Text(value: string): string | undefined {
  if (!INTEGER.test(value)) return undefined;
  const n = BigInt(value.trim());
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n.toString() : undefined;
}

const NUMERIC = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i;
const PLAIN_EXPONENT_LIMIT = 1000;

/**
 * numeric: `1.0`, `1.00`, `+1`, `1e0` are equal in Postgres (and collide in a unique index), so the text is the
 * shortest plain decimal (no trailing fractional zeros, `-0` → `0`); beyond 1000 digits of shift, `<digits>e<exp>`.
 */
export function numericText(value: string): string | undefined {
  const trimmed = value.trim();
  const special = NUMERIC_SPECIALS.get(trimmed.toLowerCase());
  if (special !== undefined) return special;
  const match = NUMERIC.exec(trimmed);
  if (match === null) return undefined;
  const sign = match[1] ?? '';
  const whole = match[2] ?? '';
  const fraction = match[3] ?? '';
  if (whole === '' && fraction === '') return undefined;
  let digits = (whole + fraction).replace(/^0+/, '');
  let exponent = (match[4] === undefined ? 0 : Number(match[4])) - fraction.length;
  if (digits === '') return '0';
  const trailing = /0+$/.exec(digits);
  if (trailing !== null) {
    digits = digits.slice(0, trailing.index);
    exponent += trailing[0].length;
  }
  const negative = sign === '-' ? '-' : '';
  if (Math.abs(exponent) > PLAIN_EXPONENT_LIMIT) return `${negative}${digits}e${exponent}`;
  if (exponent >= 0) return `${negative}${digits}${'0'.repeat(exponent)}`;
  const point = digits.length + exponent;
  if (point > 0) return `${negative}${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${negative}0.${'0'.repeat(-point)}${digits}`;
}

const NUMERIC_SPECIALS = new Map([
  ['nan', 'NaN'],
  ['infinity', 'Infinity'],
  ['+infinity', 'Infinity'],
  ['inf', 'Infinity'],
  ['+inf', 'Infinity'],
  ['-infinity', '-Infinity'],
  ['-inf', '-Infinity'],
]);

const DATE = /^\d{4,}-\d{2}-\d{2}( BC)?$/;

/** date (string mode): Postgres's ISO output `YYYY-MM-DD` (plus ` BC`), or ±infinity; other spellings refused. */
export function dateText(value: string): string | undefined {
  if (value === 'infinity' || value === '-infinity') return value;
  return DATE.test(value) ? value : undefined;
}

const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/;

/** time: `HH:MM[:SS[.ffffff]]` → Postgres's output `HH:MM:SS[.f]` (fraction without trailing zeros). */
export function timeText(value: string): string | undefined {
  const match = TIME.exec(value);
  if (match === null) return undefined;
  return `${match[1]}:${match[2]}:${match[3] ?? '00'}${fractionText(match[4])}`;
}

const TIMETZ = /^(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)([+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)$/;

/** timetz: equal only with the same offset in Postgres too, so the offset is kept as written (normalised). */
export function timeTzText(value: string): string | undefined {
  const match = TIMETZ.exec(value);
  if (match === null || match[1] === undefined || match[2] === undefined) return undefined;
  const time = timeText(match[1]);
  const offset = offsetSeconds(match[2]);
  if (time === undefined || offset === undefined) return undefined;
  return `${time}${offsetText(offset)}`;
}

const TIMESTAMP = /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?( BC)?$/;

/** timestamp (string mode): Postgres's output `YYYY-MM-DD HH:MM:SS[.f]` (also accepts `T`, omitted seconds). */
export function timestampText(value: string): string | undefined {
  if (value === 'infinity' || value === '-infinity') return value;
  const match = TIMESTAMP.exec(value);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, fraction, era] = match;
  return `${year}-${month}-${day} ${hour}:${minute}:${second ?? '00'}${fractionText(fraction)}${era ?? ''}`;
}

const TIMESTAMPTZ =
  /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)$/;

/**
 * timestamptz (string mode): one instant, many spellings (Postgres prints it in the session's time zone), so the
 * text is the instant in UTC: `YYYY-MM-DD HH:MM:SS[.f]+00`. An explicit offset is required (without one Postgres
 * would use the session zone, which a key cannot know). BC instants are refused.
 */
export function timestampTzText(value: string): string | undefined {
  if (value === 'infinity' || value === '-infinity') return value;
  const match = TIMESTAMPTZ.exec(value);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const offset = zone === 'Z' || zone === undefined ? 0 : offsetSeconds(zone);
  if (offset === undefined) return undefined;
  const local = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second ?? 0));
  const instant = new Date(local - offset * 1000);
  if (Number.isNaN(instant.getTime()) || instant.getUTCFullYear() < 1) return undefined;
  const iso = instant.toISOString();
  // toISOString prints years past 9999 as +0YYYYY; Postgres prints them plainly.
  const yearText = String(instant.getUTCFullYear()).padStart(4, '0');
  return `${yearText}${iso.slice(iso.indexOf('-', 1), 10)} ${iso.slice(11, 19)}${fractionText(fraction)}+00`;
}

function fractionText(fraction: string | undefined): string {
  const digits = (fraction ?? '').replace(/0+$/, '');
  return digits === '' ? '' : `.${digits}`;
}

function offsetSeconds(zone: string): number | undefined {
  const match = /^([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(zone);
  if (match === null) return undefined;
  const seconds = Number(match[2]) * 3600 + Number(match[3] ?? 0) * 60 + Number(match[4] ?? 0);
  return match[1] === '-' ? -seconds : seconds;
}

function offsetText(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  const parts = [Math.floor(abs / 3600), Math.floor((abs % 3600) / 60), abs % 60].map((n) => String(n).padStart(2, '0'));
  if (parts[2] !== '00') return `${sign}${parts.join(':')}`;
  if (parts[1] !== '00') return `${sign}${parts[0]}:${parts[1]}`;
  return `${sign}${parts[0]}`;
}

/**
 * macaddr: Postgres accepts `08:00:2b:…`, `08-00-2B-…`, `0800.2b01.0203`, `08002b010203`; prints lowercase colons.
 * macaddr8 also takes a 6-byte address, stored with `ff:fe` in the middle.
 */
export function macText(value: string, bytes: 6 | 8): string | undefined {
  let hex = value.toLowerCase().replace(/[:.-]/g, '');
  if (bytes === 8 && /^[0-9a-f]{12}$/.test(hex)) hex = `${hex.slice(0, 6)}fffe${hex.slice(6)}`;
  if (hex.length !== bytes * 2 || !/^[0-9a-f]*$/.test(hex)) return undefined;
  return hex.match(/../g)?.join(':');
}

/**
 * inet/cidr: one network, many spellings (`::1` = `0:0:0:0:0:0:0:1`, `10.0.0.1` = `10.0.0.1/32`), so the text is
 * the address in full (IPv4 dotted, IPv6 as eight lowercase 4-digit groups) with its prefix length always written.
 */
export function inetText(value: string): string | undefined {
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const v4 = ipv4Bytes(address);
  const bytes = v4 ?? ipv6Bytes(address);
  if (bytes === undefined) return undefined;
  const maxBits = bytes.length * 8;
  const bitsText = slash < 0 ? String(maxBits) : value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > maxBits) return undefined;
  const text =
    v4 !== undefined
      ? bytes.join('.')
      : Array.from({ length: 8 }, (_, i) => (((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0)).toString(16).padStart(4, '0')).join(':');
  return `${text}/${Number(bitsText)}`;
}

function ipv4Bytes(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

function ipv6Bytes(text: string): number[] | undefined {
  const lower = text.toLowerCase();
  const halves = lower.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const pieces = half.split(':');
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = ipv4Bytes(piece);
        if (v4 === undefined) return undefined;
        out.push(...v4);
      } else if (/^[0-9a-f]{1,4}$/.test(piece)) {
        const n = parseInt(piece, 16);
        out.push(n >> 8, n & 0xff);
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 16 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 2) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

const INTERVAL =
  /^(?:([+-]?\d+) years? ?)?(?:([+-]?\d+) mons? ?)?(?:([+-]?\d+) days? ?)?(?:([+-])?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?$/;

/**
 * interval: Postgres compares intervals as one length (a month is 30 days, a day 24 hours: `1 mon` = `30 days`,
 * `1 day` = `24:00:00`), so the text is that length in microseconds (`us` suffix). Input is Postgres's default
 * output form (`1 year 2 mons 3 days 04:05:06.5`); other spellings are refused.
 */
export function intervalText(value: string): string | undefined {
  const match = INTERVAL.exec(value.trim());
  if (match === null || value.trim() === '') return undefined;
  const [, years, months, days, sign, hours, minutes, seconds, fraction] = match;
  const totalMonths = BigInt(years ?? 0) * 12n + BigInt(months ?? 0);
  const totalDays = totalMonths * 30n + BigInt(days ?? 0);
  let micros = BigInt(hours ?? 0) * 3_600_000_000n + BigInt(minutes ?? 0) * 60_000_000n + BigInt(seconds ?? 0) * 1_000_000n;
  micros += BigInt((fraction ?? '').padEnd(6, '0'));
  if (sign === '-') micros = -micros;
  return `${totalDays * 86_400_000_000n + micros}us`;
}

/** jsonb equality ignores key order and whitespace: keys sorted, no whitespace. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    Object.defineProperty(sorted, key, {
      value: sortKeys((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return sorted;
}
