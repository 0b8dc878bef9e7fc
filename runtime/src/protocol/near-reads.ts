// How the read paths (protocol/read.ts, read-unique.ts, read-many.ts, read-list.ts) use the near-cache: a local lookup first, and
// the GETs of a table in the near-cache sent on the tracking connection with a ticket taken before each (so that an
// invalidation arriving while the reply is on its way forbids keeping it). Each returns what the plain GET or MGET
// would, so the read paths go on exactly as without the near-cache.
import type { StorageCore } from '../storage/core.js';
import type { RowKeys } from '../table/keys.js';
import type { KeyColumns } from '../table/table-info.js';
import type { TableRuntime } from '../table/table-runtime.js';
import type { DecodedList } from '../table/list-value.js';
import type { NearCache, NearKind, Ticket } from '../near/near-cache.js';
import type { Near } from '../near/near.js';

type Row = Record<string, unknown>;

/** The row held in memory (null: a cached absence); undefined when not held or the table does not use the near-cache. */
export function nearLookup(core: StorageCore, rt: TableRuntime, key: string): Row | null | undefined {
  return core.near?.cache.lookup(rt, key);
}

/** nearLookup by the row's keys (NearCache.lookupKeys: a remembered identity's keys lead straight to its entry). */
export function nearLookupKeys(core: StorageCore, rt: TableRuntime, keys: RowKeys): Row | null | undefined {
  return core.near?.cache.lookupKeys(rt, keys);
}

/**
 * The row a unique key's hint names, held in memory and still carrying the queried values (invariant 3); undefined
 * otherwise (not held, a cached absence, moved to other values), so the caller reads Redis.
 */
export function nearHinted(core: StorageCore, rt: TableRuntime, rowKey: string, key: KeyColumns, parts: readonly string[]): Row | undefined {
  const held = nearLookup(core, rt, rowKey);
  return held !== undefined && held !== null && rt.carries(held, key, parts) ? held : undefined;
}

/** The list held in memory (its members); undefined when not held or the table does not use the near-cache. */
export function nearLookupList(core: StorageCore, rt: TableRuntime, key: string): DecodedList | undefined {
  return core.near?.cache.lookupList(rt, key);
}

/**
 * GET of a row key (`kind` 'list': a list key, protocol/read-list.ts): on the tracking connection (and kept in memory)
 * when the table uses the near-cache, else as before.
 */
export function nearValue(core: StorageCore, rt: TableRuntime, key: string, kind: NearKind = 'row'): Promise<string | null> {
  const near = core.near;
  if (near === undefined || !near.cache.serves(rt)) return core.io.value(key);
  const ticket = near.cache.begin(key);
  return near.io.value(key).then(
    (value) => settle(core, near, rt, ticket, value, kind),
    (error: unknown) => {
      near.cache.settle(ticket, rt, undefined, kind);
      throw error; // as the plain GET's (its callers take WRONGTYPE as nil)
    },
  );
}

/** MGET of row keys, as nearValue. */
export async function nearValues(core: StorageCore, rt: TableRuntime, keys: readonly string[]): Promise<(string | null)[]> {
  const near = core.near;
  if (near === undefined || !near.cache.serves(rt)) return core.io.values(keys);
  const tickets = keys.map((key) => near.cache.begin(key));
  let values: (string | null)[];
  try {
    values = await near.io.values(keys);
  } catch (error) {
    for (const ticket of tickets) near.cache.settle(ticket, rt, undefined);
    throw error;
  }
  const hook = core.options.hooks.beforeNearStore;
  if (hook !== undefined) for (const key of keys) await hook({ table: rt.info.display, key });
  tickets.forEach((ticket, i) => near.cache.settle(ticket, rt, values[i] ?? null));
  return values;
}

function settle(core: StorageCore, near: Near, rt: TableRuntime, ticket: Ticket, value: string | null, kind: NearKind): string | null | Promise<string | null> {
  const hook = core.options.hooks.beforeNearStore;
  if (hook === undefined) {
    near.cache.settle(ticket, rt, value, kind);
    return value;
  }
  return Promise.resolve(hook({ table: rt.info.display, key: ticket.key })).then(() => {
    near.cache.settle(ticket, rt, value, kind);
    return value;
  });
}
