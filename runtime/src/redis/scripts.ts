// The Lua scripts (lua/*.lua, embedded at build time as lua-scripts.ts), each registered on a client with ioredis
// defineCommand (fixed numberOfKeys, so Cluster can route it; EVALSHA after the first call on a socket). Lua is never
// built at run time. Each script has a typed reply parser; callers never see the raw reply.
import { LUA } from './lua-scripts.js';

export interface Script<R> {
  /** Command name registered on the client. */
  readonly name: string;
  readonly lua: string;
  readonly numberOfKeys: number;
  parse(reply: unknown): R;
}

function toNumber(reply: unknown): number {
  // A client created with ioredis's `stringNumbers` returns integer replies as decimal strings.
  if (typeof reply === 'string' && /^-?\d+$/.test(reply)) return Number(reply);
  if (typeof reply !== 'number') throw new Error(`hotstorage: unexpected script reply ${JSON.stringify(reply)}`);
  return reply;
}

function toStrings(reply: unknown): string[] {
  if (!Array.isArray(reply) || !reply.every((item): item is string => typeof item === 'string')) {
    throw new Error(`hotstorage: unexpected script reply ${JSON.stringify(reply)}`);
  }
  return reply;
}

export type ReadRowReply = { kind: 'row'; value: string } | { kind: 'lease' } | { kind: 'wait'; lease: string };

export const readRow: Script<ReadRowReply> = {
  name: 'hotstorageReadRow',
  lua: LUA['read-row'],
  numberOfKeys: 2,
  parse(reply) {
    const [kind, value] = toStrings(reply);
    if (kind === 'row' && value !== undefined) return { kind, value };
    if (kind === 'wait' && value !== undefined) return { kind, lease: value };
    if (kind === 'lease') return { kind };
    throw new Error(`hotstorage: unexpected read-row reply ${JSON.stringify(reply)}`);
  },
};

export type LeaseReply = { kind: 'lease' } | { kind: 'wait'; lease: string };
export type ReadPointerReply = { kind: 'row'; tag: string; value: string } | LeaseReply;

function parseLease(reply: unknown): LeaseReply {
  const [kind, value] = toStrings(reply);
  if (kind === 'lease') return { kind };
  if (kind === 'wait' && value !== undefined) return { kind, lease: value };
  throw new Error(`hotstorage: unexpected lease reply ${JSON.stringify(reply)}`);
}

/** A list's value and the values of its page's rows (null where missing), or the list's lease, or a lease to wait for. */
export type ReadListReply = { kind: 'row'; value: string; rows: (string | null)[] } | LeaseReply;

export const readList: Script<ReadListReply> = {
  name: 'hotstorageReadList',
  lua: LUA['read-list'],
  numberOfKeys: 2,
  parse(reply) {
    if (!Array.isArray(reply)) throw new Error(`hotstorage: unexpected read-list reply ${JSON.stringify(reply)}`);
    const [kind, value, ...rows] = reply as unknown[];
    if (kind === 'row' && typeof value === 'string' && rows.every((row): row is string | null => row === null || typeof row === 'string')) {
      return { kind, value, rows };
    }
    return parseLease(reply);
  },
};

export const readPointer: Script<ReadPointerReply> = {
  name: 'hotstorageReadPointer',
  lua: LUA['read-pointer'],
  numberOfKeys: 2,
  parse(reply) {
    const [kind, tag, value] = toStrings(reply);
    if (kind === 'row' && tag !== undefined && value !== undefined) return { kind, tag, value };
    return parseLease(reply);
  },
};

export const takeReaderLease: Script<LeaseReply> = {
  name: 'hotstorageTakeReaderLease',
  lua: LUA['take-reader-lease'],
  numberOfKeys: 1,
  parse: parseLease,
};

export const fillRow: Script<boolean> = {
  name: 'hotstorageFillRow',
  lua: LUA['fill-row'],
  numberOfKeys: 2,
  parse: (reply) => toNumber(reply) === 1,
};

export const applyWrite: Script<boolean> = {
  name: 'hotstorageApplyWrite',
  lua: LUA['apply-write'],
  numberOfKeys: 5,
  parse: (reply) => toNumber(reply) === 1,
};

/** The row's value as cached when the lease was taken (null: none, or not asked for). */
export const takeWriteLease: Script<string | null> = {
  name: 'hotstorageTakeWriteLease',
  lua: LUA['take-write-lease'],
  numberOfKeys: 4,
  parse(reply) {
    if (reply === null || typeof reply === 'string') return reply;
    throw new Error(`hotstorage: unexpected take-write-lease reply ${JSON.stringify(reply)}`);
  },
};

export const failLease: Script<boolean> = {
  name: 'hotstorageFailLease',
  lua: LUA['fail-lease'],
  numberOfKeys: 1,
  parse: (reply) => toNumber(reply) === 1,
};

export const releaseLease: Script<boolean> = {
  name: 'hotstorageReleaseLease',
  lua: LUA['release-lease'],
  numberOfKeys: 3,
  parse: (reply) => toNumber(reply) === 1,
};

export const releaseReaderLease: Script<boolean> = {
  name: 'hotstorageReleaseReaderLease',
  lua: LUA['release-reader-lease'],
  numberOfKeys: 1,
  parse: (reply) => toNumber(reply) === 1,
};

/** Per pointer: its tag and its row's value (null when absent). */
export const readPointers: Script<{ tag: string | null; value: string | null }[]> = {
  name: 'hotstorageReadPointers',
  lua: LUA['read-pointers'],
  numberOfKeys: 0,
  parse(reply) {
    if (!Array.isArray(reply)) throw new Error(`hotstorage: unexpected read-pointers reply ${JSON.stringify(reply)}`);
    const out: { tag: string | null; value: string | null }[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const tag: unknown = reply[i];
      const value: unknown = reply[i + 1];
      out.push({ tag: typeof tag === 'string' ? tag : null, value: typeof value === 'string' ? value : null });
    }
    return out;
  },
};

export const takeListLease: Script<boolean> = {
  name: 'hotstorageTakeListLease',
  lua: LUA['take-list-lease'],
  numberOfKeys: 2,
  parse: (reply) => toNumber(reply) === 1,
};

export const finishListWrite: Script<boolean> = {
  name: 'hotstorageFinishListWrite',
  lua: LUA['finish-list-write'],
  numberOfKeys: 3,
  parse: (reply) => toNumber(reply) === 1,
};

export type InvalidateReply = 'invalidated' | 'skipped' | 'pending';

export const invalidateRow: Script<InvalidateReply> = {
  name: 'hotstorageInvalidateRow',
  lua: LUA['invalidate-row'],
  numberOfKeys: 5,
  parse(reply) {
    const n = toNumber(reply);
    return n === 1 ? 'invalidated' : n === 0 ? 'skipped' : 'pending';
  },
};

export const ALL_SCRIPTS: readonly Script<unknown>[] = [readRow, readPointer, fillRow, applyWrite, takeWriteLease, failLease, releaseLease, releaseReaderLease, takeReaderLease, invalidateRow, readPointers, takeListLease, finishListWrite, readList];

/** What defineCommand attaches, seen through a type: one method per registered script. */
export type ScriptHost = Record<string, (...args: (string | number)[]) => Promise<unknown>>;

interface DefinesCommands {
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
}

const registered = new WeakSet<object>();

/** Registers every script on a client once (idempotent per client). */
export function registerScripts(client: DefinesCommands): void {
  if (registered.has(client)) return;
  for (const script of ALL_SCRIPTS) client.defineCommand(script.name, { lua: script.lua, numberOfKeys: script.numberOfKeys });
  registered.add(client);
}
