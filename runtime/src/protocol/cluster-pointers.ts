// On a Redis Cluster, pointers live in other slots than the row, so the per-row scripts cannot touch them: they are
// written after the row script, as separate commands (one round trip, auto-pipelined per node).
// They are hints either way (a lookup re-checks the row it reaches); stale pointers are not removed here and cost a
// miss until they expire.
import type { StorageCore } from '../storage/core.js';
import type { RowKeys } from '../table/keys.js';
import type { TableRuntime } from '../table/table-runtime.js';

type Command = readonly [string, ...(string | number)[]];

export async function writeClusterPointers(
  core: StorageCore,
  rows: readonly { rt: TableRuntime; keys: RowKeys; row: Record<string, unknown> | null }[],
): Promise<void> {
  const ttl = core.options.rowTtlMs;
  const commands = rows.flatMap(({ rt, keys, row }): Command[] =>
    row === null ? [] : rt.pointersOf(row).map((p): Command => ['SET', p, keys.tag, 'PX', ttl]),
  );
  if (commands.length === 0) return;
  await core.io.commands(commands).catch((error: unknown) => core.redisError(error));
}
