// What a list key holds: the member identities of one list, in identity order, tagged with the table's epoch like a
// row (codecs/epoch-tag.ts), so a bump (TRUNCATE, a bulk statement) makes every list filled before it unusable.
// `~e<n>~L` + JSON: one identity value per member for a one-column identity, an array of them for a composite one,
// each through its column's codec (so bigint, Date, uuid... round-trip exactly).
import { splitEpoch } from '../codecs/epoch-tag.js';
import type { TableRuntime, Values } from '../table/table-runtime.js';

const MARK = 'L';

export function encodeList(rt: TableRuntime, members: readonly Values[]): string {
  const { props } = rt.info.identity;
  const codecs = props.map((prop) => rt.codec.codecFor(prop));
  const single = codecs.length === 1 ? codecs[0] : undefined;
  const body = members.map((row) =>
    single !== undefined ? single.toJson(row[single.key]) : codecs.map((codec) => codec.toJson(row[codec.key])),
  );
  const epoch = rt.epoch?.current ?? 0;
  const text = `${MARK}${JSON.stringify(body)}`;
  return epoch === 0 ? text : `~e${epoch}~${text}`;
}

/** The member identities; undefined for a value of an older epoch, before the epoch is known, or not a list. */
export function decodeList(rt: TableRuntime, text: string): Values[] | undefined {
  if (rt.epoch !== undefined && !rt.epoch.ready) return undefined;
  const { epoch, body } = splitEpoch(text);
  if (epoch === undefined || epoch < (rt.epoch?.current ?? 0) || !body.startsWith(MARK)) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.slice(MARK.length));
    if (!Array.isArray(parsed)) return undefined;
    const { props } = rt.info.identity;
    const codecs = props.map((prop) => rt.codec.codecFor(prop));
    const single = codecs.length === 1 ? codecs[0] : undefined;
    return parsed.map((member: unknown): Values => {
      if (single !== undefined) return { [single.key]: single.fromJson(member) };
      if (!Array.isArray(member) || member.length !== codecs.length) throw new Error('not a member');
      return Object.fromEntries(codecs.map((codec, i) => [codec.key, codec.fromJson(member[i])]));
    });
  } catch {
    return undefined;
  }
}
