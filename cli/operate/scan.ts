// SCAN over a whole key space: a single Redis, or every master of a Cluster (each master holds its own slots; replicas
// would only repeat them). Batches come as SCAN returns them (about `count` keys examined per call), so a caller can
// act on each batch without ever holding the whole key space, and Redis is never blocked as KEYS would block it.
import type { Cluster, Redis } from 'ioredis';
import { RedisUnavailableError, redisAddress } from '@hotstorage/runtime/internal';

export type RedisClient = Redis | Cluster;

/** The nodes whose key spaces together are the whole data set. */
export function mastersOf(redis: RedisClient): Redis[] {
  return redis.isCluster ? (redis as Cluster).nodes('master') : [redis as Redis];
}

/**
 * Keys matching a glob `pattern`, batch by batch, node by node. A key may come twice (SCAN's guarantee is "at least
 * once" for keys present throughout); callers that count must dedupe.
 */
export async function* scanKeys(redis: RedisClient, pattern: string, count = 1000): AsyncGenerator<string[]> {
  for (const node of mastersOf(redis)) {
    let cursor = '0';
    do {
      let next: string;
      let keys: string[];
      try {
        [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
      } catch (error) {
        throw redisFailure(node, error);
      }
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }
}

/** A failed call as the runtime names it: Redis answering with an error is not an outage; anything else (closed, refused, timed out) is. */
export function redisFailure(client: RedisClient, error: unknown): Error {
  if (error instanceof RedisUnavailableError || (error instanceof Error && error.name === 'ReplyError')) return error;
  return new RedisUnavailableError(redisAddress(client), error instanceof Error ? error.message : String(error));
}

/** `text` as a literal inside a SCAN MATCH pattern (a prefix may hold `*`, `?`, `[` or `\`). */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
