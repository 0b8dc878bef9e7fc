// The values a lease key holds, and the mark of a contended writer, named once. TypeScript reads them here; the Lua
// scripts get them as locals of the same names (runtime/build/lua.ts writes that prelude from this object), so a
// value cannot drift between the two.
export const LEASE_VALUES = {
  /** `r:<token>`: a reader holds the lease and will fill under it (tokens: StorageCore.token('reader')). */
  READER_PREFIX: 'r:',
  /** `w:<token>`: a writer's token, a member of the row's `:writers` set (StorageCore.token('writer')). */
  WRITER_TOKEN_PREFIX: 'w:',
  /** Writers are in flight (their tokens, `w:<token>`, are in the row's `:writers` set). */
  WRITER: 'w',
  /** The lease holder's Postgres read failed: waiters stop waiting and read Postgres themselves. */
  FAILED: 'f',
  /** `c:<token>` in a row's `:writers` set: that writer's flight overlapped another's (recorded twice, see Lua). */
  CONTENDED_PREFIX: 'c:',
} as const;

/** Is this lease a reader's, which is worth waiting for (it will fill)? */
export function isReaderLease(lease: string): boolean {
  return lease.startsWith(LEASE_VALUES.READER_PREFIX);
}
