// Which of the keys under a table's key space are its rows and which its unique pointers, decided from the runtime's
// own key builders (rt.keyspace), so a change of layout there changes this too. Leases, writer sets and other per-row
// keys share the row prefix; pointer leases share a pointer's start: both are told apart exactly, never by a guess.
import { escapeRegExp } from '../../generator/regexp.js';
import { type TableRuntime, type Values, fromPkText, unescapeKeyPart } from '@hotstorage/runtime/internal';

/** An escaped key part: raw `A-Z a-z 0-9 _ -` and `%XX` / `%uXXXX` / `%_` escapes (runtime/keys.ts escapeKeyPart). */
const ESCAPED_PART = '[A-Za-z0-9_%-]+';
const TAG = new RegExp(`^${ESCAPED_PART}(?:,${ESCAPED_PART})*$`);

export interface TableKeys {
  /** The row's tag when `key` is one of this table's row keys. */
  rowTag(key: string): string | undefined;
  /** The row key a tag (a pointer's value) names. */
  rowKey(tag: string): string;
  isPointer(key: string): boolean;
  /** The identity values of a row key's tag, when they can be rebuilt exactly (checked by rebuilding the key). */
  identityOf(tag: string): Values | undefined;
}

export function tableKeys(rt: TableRuntime): TableKeys {
  const { rowPrefix } = rt.keyspace;
  const pointerShapes = rt.info.pointerKeys.map((key) => pointerPattern(rt, key.sqlNames));
  const rowKey = (tag: string): string => `${rowPrefix}${tag}}`;
  return {
    rowTag(key) {
      if (!key.startsWith(rowPrefix) || !key.endsWith('}')) return undefined;
      const tag = key.slice(rowPrefix.length, -1);
      return TAG.test(tag) ? tag : undefined;
    },
    rowKey,
    isPointer: (key) => pointerShapes.some((pattern) => pattern.test(key)),
    identityOf(tag) {
      const { props, columns } = rt.info.identity;
      const parts = tag.split(',');
      if (parts.length !== props.length) return undefined;
      const values: Record<string, unknown> = {};
      try {
        props.forEach((prop, i) => {
          const column = columns[i];
          if (column === undefined) throw new Error('identity mismatch');
          values[prop] = fromPkText(column, unescapeKeyPart(parts[i] ?? ''));
        });
        return rt.rowKeys(values).row === rowKey(tag) ? values : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** A pointer key of these columns with any values: built by the runtime with placeholder values, then generalised. */
function pointerPattern(rt: TableRuntime, columns: readonly string[]): RegExp {
  const placeholders = columns.map((_, i) => `HSVALUE${i}X`);
  let pattern = escapeRegExp(rt.keyspace.pointer(columns, placeholders));
  for (const placeholder of placeholders) pattern = pattern.replace(placeholder, ESCAPED_PART);
  return new RegExp(`^${pattern}$`);
}
