// Throwaway Redis Clusters for the `.cluster` cases: started by the bench on loopback ports of their own (the test
// helper's redis-server processes), each with a storage over the bench's own Postgres pool and prefix, so the cluster
// cases read the same 10,000 rows as the single-Redis cases. Each cluster is warmed exactly as the single Redis is
// (every row read once through hotstorage: rows and, on a cluster, their pointers written after the fill) and is
// removed with its processes at the end.
import { Cluster } from 'ioredis';
import { createHotStorage, type HotStorage } from '@hotstorage/runtime';
import { startRedisCluster, type RedisCluster } from '../../test/helpers/redis-cluster.js';
import * as hot from '../hot/index.js';
import { ROWS, type World } from './world.js';

export interface ClusterStorage {
  readonly masters: 1 | 3;
  readonly hs: HotStorage;
  close(): Promise<void>;
}

export async function openClusterStorage(world: World, masters: 1 | 3): Promise<ClusterStorage> {
  const cluster: RedisCluster = await startRedisCluster({ masters });
  // The storage's client options as the single-Redis world's (maxRetriesPerRequest 1); auto-pipelining is turned on
  // by createHotStorage on both.
  const redis = new Cluster([...cluster.nodes], { redisOptions: { maxRetriesPerRequest: 1 } });
  try {
    const hs = await createHotStorage({ db: world.db, redis, prefix: world.prefix });
    await warm(hs, masters);
    return {
      masters,
      hs,
      async close() {
        await hs.close();
        redis.disconnect();
        await cluster.destroy();
      },
    };
  } catch (error) {
    redis.disconnect();
    await cluster.destroy();
    throw error;
  }
}

/**
 * The clusters the selected cases need, one after another; the first that cannot be started (no redis-server or
 * redis-cli on this machine, say) ends the list, and its reason skips the cases of the missing ones.
 */
export async function openClusterStorages(world: World, masters: readonly (1 | 3)[]): Promise<{ clusters: ClusterStorage[]; failure?: string }> {
  const clusters: ClusterStorage[] = [];
  for (const count of masters) {
    try {
      clusters.push(await openClusterStorage(world, count));
    } catch (error) {
      return { clusters, failure: `the ${count}-master cluster did not start: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return { clusters };
}

/** Every row read once (fills), then a sample read again must be hits by primary key and by unique key. */
async function warm(hs: HotStorage, masters: number): Promise<void> {
  const ids = Array.from({ length: ROWS }, (_, i) => i + 1);
  for (let from = 0; from < ROWS; from += 100) await hot.benchRows.getManyByPk(hs, ids.slice(from, from + 100));
  const before = hs.stats();
  await hot.benchRows.getManyByPk(hs, ids.slice(0, 100));
  await hot.benchRows.getByEmail(hs, 'user1@example.com');
  const after = hs.stats();
  if (after.hits - before.hits !== 101 || after.misses !== before.misses) {
    throw new Error(`warm-up of the ${masters}-master cluster: rows read once were not all served from Redis the second time`);
  }
}
