// A throwaway Redis Cluster of our own: three masters on loopback ports (each with its bus port, +10000, free too),
// joined with `redis-cli --cluster create`, ready when every node reports cluster_state:ok (polled, no fixed sleeps).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

export interface RedisCluster {
  readonly nodes: readonly { host: string; port: number }[];
  destroy(): Promise<void>;
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function clusterPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    if (taken.has(port) || taken.has(port + 10000)) continue;
    if ((await isFree(port)) && (await isFree(port + 10000))) {
      taken.add(port);
      taken.add(port + 10000);
      return port;
    }
  }
  throw new Error('no free port pair for a cluster node');
}

async function poll(what: string, deadlineMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`redis cluster: ${what} not reached within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function answer<T>(port: number, ask: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await ask(redis);
  } finally {
    redis.disconnect();
  }
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hs-cluster-'));
  const taken = new Set<number>();
  const ports = [await clusterPort(taken), await clusterPort(taken), await clusterPort(taken)];
  const children: ChildProcess[] = ports.map((port) =>
    spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
      '--save', '', '--appendonly', 'no', '--dir', dir,
    ], { stdio: 'ignore' }),
  );
  const destroy = async () => {
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    })));
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', () => children.forEach((child) => child.kill('SIGKILL')));
  try {
    for (const port of ports) await poll(`PING on ${port}`, 5000, () => answer(port, async (r) => (await r.ping()) === 'PONG'));
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of ports) {
      await poll(`cluster_state:ok on ${port}`, 10_000, () => answer(port, async (r) => String(await r.call('CLUSTER', 'INFO')).includes('cluster_state:ok')));
    }
  } catch (error) {
    await destroy();
    throw error;
  }
  return { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), destroy };
}
