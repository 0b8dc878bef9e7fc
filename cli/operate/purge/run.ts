// `hotstorage purge`: removes a table's keys, in SCAN batches of about a thousand each followed by one UNLINK, so
// Redis keeps serving meanwhile. The current shape is everything under `<base>:` (rows, leases, writer sets,
// pointers, pointer leases, and the table's epoch key `<base>:epoch`, which goes too: a purged table starts again at
// epoch 0, where every row written from now on is valid). `--all-shapes` is every `<prefix><table>@*`: the keys of
// older deploys too. Both patterns end at `:` or `@`, so `users` never matches `users2`, and start with the app's
// prefix, so no other prefix or app is touched. The `@` tag hashes schema, table and shape together, so older shapes
// of a same-named table in another schema cannot be told apart from ours (dead keys either way: no deploy reads
// them); `--all-shapes` keeps the current shape of every such table of the app.
import { EXIT_OK, type Io, type SelectionArgs } from '../../common.js';
import { type TableRuntime } from '@hotstorage/runtime/internal';
import { openOperation } from '../operation.js';
import { globEscape, scanKeys, type RedisClient } from '../scan.js';
import { colorsFor, isTerminal } from '../terminal.js';
import { lineProgress, type PurgeProgress, terminalProgress } from './progress.js';
import { unlinkBatch } from './unlink.js';
import { explainingFailures } from '../failure.js';

/** The flags of `hotstorage purge` (declared in command.ts). */
export interface PurgeArgs extends SelectionArgs {
  tables: string[];
  'all-shapes': boolean;
  json: boolean;
}

export interface PurgedTable {
  readonly schema: string;
  readonly name: string;
  readonly shapes: 'current' | 'all';
  readonly pattern: string;
  readonly removed: number;
}

/** The SCAN pattern of a table's keys: its current shape, or every shape (the table tag is the text after `@`). */
export function purgePattern(rt: TableRuntime, allShapes: boolean): string {
  const { base } = rt.keyspace;
  // An escaped table name never holds a raw `@`, nor does the tag: the last `@` ends the table part.
  const literal = allShapes ? base.slice(0, base.lastIndexOf('@') + 1) : `${base}:`;
  return `${globEscape(literal)}*`;
}

/** Removes the keys of `pattern` except those under a `keep` base (another live table sharing the pattern). */
export async function purgeKeys(redis: RedisClient, pattern: string, keep: readonly string[], progress: PurgeProgress): Promise<number> {
  let removed = 0;
  let scanned = 0;
  const kept = (key: string) => keep.some((base) => key.startsWith(`${base}:`));
  for await (const batch of scanKeys(redis, pattern)) {
    scanned += batch.length;
    removed += await unlinkBatch(redis, batch.filter((key) => !kept(key)));
    progress.update(removed, scanned);
  }
  progress.end(removed);
  return removed;
}

export async function runPurge(io: Io, args: PurgeArgs): Promise<number> {
  const op = await openOperation(io, args, { names: args.tables });
  try {
    const env = io.env ?? process.env;
    const allShapes = args['all-shapes'];
    const purged: PurgedTable[] = [];
    for (const { rt, display } of op.tables) {
      const pattern = purgePattern(rt, allShapes);
      const keep = allShapes ? op.allTables.filter((t) => t.rt !== rt && t.rt.info.name === rt.info.name).map((t) => t.rt.keyspace.base) : [];
      const progress = isTerminal(io.stderr) && io.stderr !== undefined ? terminalProgress(io.stderr, colorsFor(io.stderr, env), display) : lineProgress(io.err, display);
      const removed = await explainingFailures(io, op, `purging ${display}`, () => purgeKeys(op.redis, pattern, keep, progress));
      purged.push({ schema: rt.info.schema, name: rt.info.name, shapes: allShapes ? 'all' : 'current', pattern, removed });
    }
    const total = purged.reduce((n, t) => n + t.removed, 0);
    if (args.json) io.out(`${JSON.stringify({ tables: purged, removed: total }, null, 2)}\n`);
    else {
      const what = allShapes ? 'every shape of' : 'the current shape of';
      io.out(`Removed ${total.toLocaleString('en-US')} key${total === 1 ? '' : 's'} of ${what} ${purged.map((t) => `${t.schema}.${t.name}`).join(', ')}.\n`);
    }
    return EXIT_OK;
  } finally {
    await op.close();
  }
}
