// Redis key layout (DESIGN §4, shortened: runtime/README.md "Keys" says how and why). Every part that comes from the
// user (table and column names, key values) is escaped so that no two distinct inputs can ever produce the same key,
// and the row, its lease and its writer sets share one hash tag so every per-row script touches a single Cluster slot.
import { createHash } from 'node:crypto';

/**
 * Escapes one key part. Kept raw: `A-Z a-z 0-9 _ -`. Every other UTF-16 code unit becomes `%XX` (below 0x80) or
 * `%uXXXX`, so the separators `: { } = . @ , %` never appear raw and lone surrogates stay distinct. The empty string
 * is `%_`: it must not leave an empty `{}` hash tag (Redis would then hash the whole key and split the row's slot).
 */
export function escapeKeyPart(text: string): string {
  if (text === '') return '%_';
  // Hot path: ids, slugs and most key values need no escaping at all.
  if (ALL_RAW.test(text)) return text;
  let out = '';
  let run = 0; // start of the current run of raw units, copied with one slice
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const escaped = unit < 0x80 ? ASCII_ESCAPES[unit] : `%u${unit.toString(16).toUpperCase().padStart(4, '0')}`;
    if (escaped === undefined) continue;
    out += text.slice(run, i) + escaped;
    run = i + 1;
  }
  return out + text.slice(run);
}

const ALL_RAW = /^[A-Za-z0-9_-]+$/;

/** `%XX` for every ASCII unit that is not raw, undefined for raw ones (`A-Z a-z 0-9 _ -`). */
const ASCII_ESCAPES: readonly (string | undefined)[] = Array.from({ length: 0x80 }, (_, unit) =>
  isRaw(unit) ? undefined : `%${unit.toString(16).toUpperCase().padStart(2, '0')}`,
);

function isRaw(unit: number): boolean {
  return (
    (unit >= 0x30 && unit <= 0x39) || (unit >= 0x41 && unit <= 0x5a) || (unit >= 0x61 && unit <= 0x7a) ||
    unit === 0x5f || unit === 0x2d
  );
}

/** The inverse of escapeKeyPart, for tools that read keys back (`hotstorage verify`, test audits). */
export function unescapeKeyPart(text: string): string {
  if (text === '%_') return '';
  return text.replace(/%u([0-9A-F]{4})|%([0-9A-F]{2})/g, (_, unit?: string, ascii?: string) => String.fromCharCode(parseInt(unit ?? ascii ?? '', 16)));
}

/** Short hash of what a cached row looks like: codec signature (columns, types, modes, codec version) and keys. */
export function shapeHash(input: { signature: string; identity: readonly string[]; uniqueKeys: readonly (readonly string[])[] }): string {
  const text = [input.signature, `identity=${input.identity.join(',')}`, ...input.uniqueKeys.map((k) => `unique=${k.join(',')}`)].join('\n');
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

/**
 * The table part of every key: a short hash of the schema, the table and its shape. Every key of every row carries
 * it, so it is short (6 base64url characters, 36 bits: the chance that two of an application's tables with the same
 * name, or two shapes of one table, share it is negligible); the table name stays readable before it.
 */
export function tableTag(schema: string, table: string, shape: string): string {
  // Escaped parts joined by separators they never contain: distinct (schema, table, shape) hash distinct texts.
  return createHash('sha256').update(`${escapeKeyPart(schema)}.${escapeKeyPart(table)}@${shape}`).digest('base64url').slice(0, 6);
}

/** Keys of one cached row. */
export interface RowKeys {
  /** The escaped identity parts joined by `,`: the hash tag content and the pointer value. */
  readonly tag: string;
  readonly row: string;
  readonly lease: string;
  /** Writers in flight (zset of tokens by lease deadline) and those whose flights overlapped (set). */
  readonly writers: string;
  readonly contended: string;
  /** Token of the last hotstorage writer applied here (short-lived): the outbox listener skips that writer's entry. */
  readonly applied: string;
  /**
   * Where the near-cache last found this row (near/near-cache.ts): a remembered identity's keys (TableRuntime.checkKey)
   * are the same object at every read, so its next hit skips the lookup by key text. Only a hint: the near-cache
   * checks it is still its live entry before use.
   */
  nearHint?: object | undefined;
}

/**
 * The companions of a row key are built when asked for: a read builds keys for every row it looks at (and the
 * argument check builds them once before), and a hit needs only the row key.
 */
class KeysOfRow implements RowKeys {
  nearHint: object | undefined = undefined;
  constructor(
    readonly tag: string,
    readonly row: string,
  ) {}
  get lease(): string {
    return `${this.row}:lease`;
  }
  get writers(): string {
    return `${this.row}:writers`;
  }
  get contended(): string {
    return `${this.row}:contended`;
  }
  get applied(): string {
    return `${this.row}:applied`;
  }
}

/**
 * Keys of one list (`listBy`): the list key holds its member identities, its lease is the list key + `:lease`. Shaped
 * as RowKeys so the repair queue and invalidate-row treat a list like a row (delete it, lease overridden first).
 */
export type ListKeys = RowKeys;

export interface TableKeyspace {
  /** `<prefix><table>@<tableTag(schema, table, shape)>` */
  readonly base: string;
  /** Row keys are `rowPrefix + tag + '}'`: scripts following a pointer rebuild the row key this way. */
  readonly rowPrefix: string;
  /** `parts` are the identity columns' keyPart texts, in spec order. */
  rowKeys(parts: readonly string[]): RowKeys;
  rowKeysForTag(tag: string): RowKeys;
  /**
   * `<base>:list:<columns>:{<parts>}`: under the hash tag of its own values (one slot on a Cluster, whatever table the
   * values come from). `columns` are SQL column names, `parts` their keyPart texts.
   */
  list(columns: readonly string[], parts: readonly string[]): ListKeys;
  /** `columns` are SQL column names, `parts` their keyPart texts. */
  pointer(columns: readonly string[], parts: readonly string[]): string;
}

export function tableKeyspace(input: { prefix: string; schema: string; table: string; shape: string }): TableKeyspace {
  const base = `${input.prefix}${escapeKeyPart(input.table)}@${tableTag(input.schema, input.table, input.shape)}`;
  const rowPrefix = `${base}:{`;
  // Column names are few and fixed per table: escaped once, not on every lookup.
  const columnTexts = new Map<string, string>();
  const escapedColumn = (column: string): string => {
    let text = columnTexts.get(column);
    if (text === undefined) {
      text = escapeKeyPart(column);
      columnTexts.set(column, text);
    }
    return text;
  };
  const rowKeysForTag = (tag: string): RowKeys => new KeysOfRow(tag, flat(`${rowPrefix}${tag}}`));
  return {
    base,
    rowPrefix,
    rowKeysForTag,
    // One identity column is the common case: no array to build and join on every read.
    rowKeys: (parts) => rowKeysForTag(parts.length === 1 ? escapeKeyPart(parts[0] ?? '') : parts.map(escapeKeyPart).join(',')),
    list: (columns, parts) => {
      const tag = parts.map(escapeKeyPart).join(',');
      return new KeysOfRow(tag, flat(`${base}:list:${columns.map(escapedColumn).join(',')}:{${tag}}`));
    },
    pointer: (columns, parts) => {
      if (columns.length !== parts.length || columns.length === 0) throw new Error('hotstorage: pointer needs one part per column');
      let key = base;
      for (let i = 0; i < columns.length; i++) key += `:${escapedColumn(columns[i] ?? '')}=${escapeKeyPart(parts[i] ?? '')}`;
      return key;
    },
  };
}

/**
 * The key text as one flat string. Concatenation builds a rope (V8's cons string), and comparing two equal ropes, as a
 * Map or Set does for every key it finds by hash (the near-cache, the repair queue, the reads in flight), walks them
 * piece by piece: 140 ns a lookup against 80 ns for flat strings in a 30,000-key Map here. Reading a character
 * flattens the rope in place once, at about 6 ns.
 */
function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}

/** A user prefix must not carry a hash tag of its own: it would pull every key of every table into one slot. */
export function checkPrefix(prefix: string): void {
  if (prefix.includes('{') || prefix.includes('}')) {
    throw new Error(`hotstorage: the key prefix ${JSON.stringify(prefix)} contains '{' or '}'; choose a prefix without braces (option \`prefix\`)`);
  }
}
