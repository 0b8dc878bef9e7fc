// The testing entry (`@hotstorage/runtime/testing`): createHotStorage with the test seams, which the public options do
// not show. For tests that place a rival client at an exact step of the protocol (hooks), or prove a guard matters by
// turning it off. Never use it in an application.
import { openStorage } from './create-storage.js';
import type { TestSeams } from './storage/seams.js';
import type { HotStorage, HotStorageOptions } from './types.js';

export type { NearSeams } from './near/near-options.js';
export type { ProtocolHooks, TestSeams } from './storage/seams.js';

/** createHotStorage, also taking the test seams (`hooks`, `rowCodecFor`, `unsafeDisableLeaseGuard`, `unsafeSkipLeaseOverride`). */
export function createHotStorage<TSchema extends Record<string, unknown>>(input: HotStorageOptions<TSchema> & TestSeams): Promise<HotStorage> {
  const { hooks, rowCodecFor, unsafeDisableLeaseGuard, unsafeSkipLeaseOverride, unsafeNear, ...options } = input;
  const seams: TestSeams = { ...(hooks && { hooks }), ...(rowCodecFor && { rowCodecFor }), ...(unsafeDisableLeaseGuard && { unsafeDisableLeaseGuard }), ...(unsafeSkipLeaseOverride && { unsafeSkipLeaseOverride }), ...(unsafeNear && { unsafeNear }) };
  return openStorage(options as unknown as HotStorageOptions<Record<string, unknown>>, seams);
}

/** The options of the testing entry's createHotStorage: the public ones and the seams. */
export type TestStorageOptions<TSchema extends Record<string, unknown> = Record<string, unknown>> = HotStorageOptions<TSchema> & TestSeams;
