// Where a warm of one table stopped: the last identity done, each value in its column codec's JSON form (so a Date, a
// bigint or a Buffer comes back exactly), and how many rows were done before it. One key per table under the table's
// key space, so a new shape (deploy) starts over and purging the table removes it too.
import { type RedisIo, type TableRuntime, type Values } from '@hotstorage/runtime/internal';

/** Long enough to resume after a night; short enough that a forgotten one does not linger. */
export const CHECKPOINT_TTL_SECONDS = 24 * 60 * 60;

export interface Checkpoint {
  /** Identity values (property name → value, as Drizzle returns them) of the last row done. */
  readonly after: Values;
  /** Rows done up to and including `after`, over every run that led here. */
  readonly done: number;
}

interface StoredCheckpoint {
  readonly after: unknown[];
  readonly done: number;
}

export function checkpointKey(rt: TableRuntime): string {
  return `${rt.keyspace.base}:warm`;
}

export function encodeCheckpoint(rt: TableRuntime, checkpoint: Checkpoint): string {
  const props = rt.info.identity.props;
  const stored: StoredCheckpoint = { after: props.map((prop) => rt.codec.codecFor(prop).toJson(checkpoint.after[prop])), done: checkpoint.done };
  return JSON.stringify(stored);
}

/** undefined for text that is not a checkpoint of this table's identity (then the warm starts over). */
export function decodeCheckpoint(rt: TableRuntime, text: string): Checkpoint | undefined {
  const props = rt.info.identity.props;
  try {
    const stored = JSON.parse(text) as Partial<StoredCheckpoint>;
    if (!Array.isArray(stored.after) || stored.after.length !== props.length || typeof stored.done !== 'number') return undefined;
    const after = Object.fromEntries(props.map((prop, i) => [prop, rt.codec.codecFor(prop).fromJson(stored.after?.[i])]));
    return { after, done: stored.done };
  } catch {
    return undefined;
  }
}

export async function loadCheckpoint(io: RedisIo, rt: TableRuntime): Promise<Checkpoint | undefined> {
  const [text] = await io.values([checkpointKey(rt)]);
  return text === null || text === undefined ? undefined : decodeCheckpoint(rt, text);
}

export async function saveCheckpoint(io: RedisIo, rt: TableRuntime, checkpoint: Checkpoint): Promise<void> {
  await io.commands([['SET', checkpointKey(rt), encodeCheckpoint(rt, checkpoint), 'EX', CHECKPOINT_TTL_SECONDS]]);
}

export async function clearCheckpoint(io: RedisIo, rt: TableRuntime): Promise<void> {
  await io.commands([['DEL', checkpointKey(rt)]]);
}
