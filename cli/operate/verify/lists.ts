// Judges cached lists (`listBy<Columns>`): a list key's members must be exactly the identities Postgres lists for its
// values, in identity order. The values are rebuilt from the key (and checked by rebuilding the key); a list of an
// older epoch or one that does not decode is never served, so it is not counted stale. What diverges is looked at
// once more a moment later (a write's list deletion may be in flight), as rows are.
import { asc } from 'drizzle-orm';
import { decodeList, fromPkText, type StorageCore, type TableRuntime, unescapeKeyPart } from '@hotstorage/runtime/internal';

export interface ListVerdict {
  readonly key: string;
  readonly stale: boolean;
}

/** The list keys among a table's keys (not their leases or writer sets). */
export function isListKey(rt: TableRuntime, key: string): boolean {
  return key.startsWith(`${rt.keyspace.base}:list:`) && key.endsWith('}');
}

/** The list and its values a list key names, when the key is exactly what the runtime builds for them. */
function listOf(rt: TableRuntime, key: string): { list: TableRuntime['info']['lists'][number]; values: Record<string, unknown> } | undefined {
  const open = key.lastIndexOf(':{');
  if (open < 0) return undefined;
  const parts = key.slice(open + 2, -1).split(',');
  for (const list of rt.info.lists) {
    if (list.props.length !== parts.length) continue;
    try {
      const values: Record<string, unknown> = {};
      list.props.forEach((prop, i) => {
        const column = list.columns[i];
        if (column === undefined) throw new Error('list mismatch');
        values[prop] = fromPkText(column, unescapeKeyPart(parts[i] ?? ''));
      });
      if (rt.listKeys(list, values)?.row === key) return { list, values };
    } catch {
      // another list of this table
    }
  }
  return undefined;
}

export async function judgeLists(core: StorageCore, rt: TableRuntime, keys: readonly string[]): Promise<ListVerdict[]> {
  if (keys.length === 0) return [];
  const values = await core.io.values(keys);
  const verdicts: ListVerdict[] = [];
  const identity = rt.info.identity;
  for (const [i, key] of keys.entries()) {
    const text = values[i] ?? null;
    const found = listOf(rt, key);
    const members = text === null ? undefined : decodeList(rt, text);
    if (found === undefined || members === undefined) continue;
    const rows: Record<string, unknown>[] = await core.query(() =>
      core.db.select().from(rt.table).where(rt.where(found.list, found.values)).orderBy(...identity.columns.map((c) => asc(c))),
    );
    const want = rows.map((row) => rt.rowKeys(row).tag);
    const got = members.map((member) => rt.rowKeys(member).tag);
    verdicts.push({ key, stale: want.join(' ') !== got.join(' ') });
  }
  return verdicts;
}
