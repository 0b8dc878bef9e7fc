// Removes keys found by SCAN, one batch at a time, without blocking Redis: UNLINK frees values in the background.
// On a single Redis one UNLINK per batch. On a Cluster a batch comes from one master (../scan.ts), so its keys
// live on that node: one pipeline of single-key UNLINKs to it (a multi-key UNLINK would need one slot); should a slot
// move while we run, the keys are sent one by one and the cluster client routes each.
import type { Cluster, Redis } from 'ioredis';
import { type RedisClient, redisFailure } from '../scan.js';

/** Returns how many keys this call removed (a key removed by someone else meanwhile is not counted). */
export async function unlinkBatch(redis: RedisClient, keys: readonly string[]): Promise<number> {
  try {
    return await unlink(redis, keys);
  } catch (error) {
    throw redisFailure(redis, error);
  }
}

async function unlink(redis: RedisClient, keys: readonly string[]): Promise<number> {
  if (keys.length === 0) return 0;
  if (!redis.isCluster) return (redis as Redis).unlink(...keys);
  const cluster = redis as Cluster;
  let replies: unknown[];
  try {
    const results = (await cluster.pipeline(keys.map((key) => ['unlink', key])).exec()) ?? [];
    replies = results.map(([error, reply]) => {
      if (error) throw error;
      return reply;
    });
  } catch {
    replies = await Promise.all(keys.map((key) => cluster.unlink(key)));
  }
  return replies.reduce<number>((n, reply) => n + Number(reply), 0);
}
