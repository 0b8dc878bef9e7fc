// What a list key holds: the member identities of one list, in identity order, tagged with the table's epoch like a
// row (codecs/epoch-tag.ts), so a bump (TRUNCATE, a bulk statement) makes every list filled before it unusable.
// `~e<n>~K<tags>\n<JSON>`: the members' row tags (the hash tag of each row key, escaped key parts joined by `,`, which
// never hold a space) separated by spaces, so that the read-list script can build the page's row keys without parsing
// JSON; then the members' identities as JSON, one value per member for a one-column identity, an array of them for a
// composite one, each through its column's codec (so bigint, Date, uuid... round-trip exactly, and a miss can read its
// rows from Postgres). A value whose tags disagree with its identities is not a list (the script would have read rows
// other than the members'). The marker was `L` (JSON alone) before the one-round-trip read: such values are refilled.
import { splitEpoch } from '../codecs/epoch-tag.js';
import type { RowKeys } from './keys.js';
import type { TableRuntime, Values } from './table-runtime.js';

const MARK = 'K';

export function encodeList(rt: TableRuntime, members: readonly Values[]): string {
  const { props } = rt.info.identity;
  const codecs = props.map((prop) => rt.codec.codecFor(prop));
  const single = codecs.length === 1 ? codecs[0] : undefined;
  const body = members.map((row) =>
    single !== undefined ? single.toJson(row[single.key]) : codecs.map((codec) => codec.toJson(row[codec.key])),
  );
  const tags = members.map((member) => rt.rowKeys(member).tag);
  const epoch = rt.epoch?.current ?? 0;
  const text = `${MARK}${tags.join(' ')}\n${JSON.stringify(body)}`;
  return epoch === 0 ? text : `~e${epoch}~${text}`;
}

/** A decoded list with its members' row keys, as the hit path wants it. */
export interface DecodedList {
  readonly members: readonly Values[];
  readonly keys: readonly RowKeys[];
}

const MEMO_PER_TABLE = 10_000;
const memos = new WeakMap<TableRuntime, Map<string, { text: string; list: DecodedList }>>();

/**
 * decodeList, remembered per list key while its value stays the same text: a hit then costs no JSON parse and no key
 * building (the epoch is still checked each time). Bounded per table, oldest out.
 */
export function decodeListCached(rt: TableRuntime, listKey: string, text: string): DecodedList | undefined {
  let memo = memos.get(rt);
  if (memo === undefined) {
    memo = new Map();
    memos.set(rt, memo);
  }
  const known = memo.get(listKey);
  if (known !== undefined && known.text === text) return currentEpoch(rt, text) ? known.list : undefined;
  const list = decodeListValue(rt, text);
  if (list === undefined) return undefined;
  memo.delete(listKey);
  memo.set(listKey, { text, list });
  if (memo.size > MEMO_PER_TABLE) {
    const oldest = memo.keys().next();
    if (oldest.done !== true) memo.delete(oldest.value);
  }
  return list;
}

/**
 * The list as this process last decoded it from the list key (decodeListCached's memo), whatever the key holds now:
 * only a guess of which rows a read will want, to be confirmed by the value read with them (protocol/read-list.ts).
 */
export function rememberedList(rt: TableRuntime, listKey: string): DecodedList | undefined {
  return memos.get(rt)?.get(listKey)?.list;
}

function currentEpoch(rt: TableRuntime, text: string): boolean {
  if (rt.epoch === undefined) return true;
  if (!rt.epoch.ready) return false;
  const { epoch } = splitEpoch(text);
  return epoch !== undefined && epoch >= rt.epoch.current;
}

/** The member identities; undefined for a value of an older epoch, before the epoch is known, or not a list. */
export function decodeList(rt: TableRuntime, text: string): Values[] | undefined {
  return decodeListValue(rt, text)?.members.slice();
}

function decodeListValue(rt: TableRuntime, text: string): DecodedList | undefined {
  if (!currentEpoch(rt, text)) return undefined;
  const { body } = splitEpoch(text);
  const newline = body.indexOf('\n');
  if (!body.startsWith(MARK) || newline < 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.slice(newline + 1));
    if (!Array.isArray(parsed)) return undefined;
    const { props } = rt.info.identity;
    const codecs = props.map((prop) => rt.codec.codecFor(prop));
    const single = codecs.length === 1 ? codecs[0] : undefined;
    const members = parsed.map((member: unknown): Values => {
      if (single !== undefined) return { [single.key]: single.fromJson(member) };
      if (!Array.isArray(member) || member.length !== codecs.length) throw new Error('not a member');
      return Object.fromEntries(codecs.map((codec, i) => [codec.key, codec.fromJson(member[i])]));
    });
    const keys = members.map((member) => rt.rowKeys(member));
    // The tags the script reads rows by must be exactly the members' (an empty list has no tags).
    if (keys.map((key) => key.tag).join(' ') !== body.slice(MARK.length, newline)) return undefined;
    return { members, keys };
  } catch {
    return undefined;
  }
}
