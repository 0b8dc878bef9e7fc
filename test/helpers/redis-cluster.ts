// A throwaway Redis Cluster of our own: three masters on loopback ports (each with its bus port, +10000, free too),
// joined with `redis-cli --cluster create`, ready when every node reports cluster_state:ok (polled, no fixed sleeps).
// One master is possible too (the bench compares 1 and 3): redis-cli refuses to create fewer than three, so that node
// is given every slot with CLUSTER ADDSLOTSRANGE.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

export interface RedisCluster {
  readonly nodes: readonly { host: string; port: number }[];
  /** SIGKILL node `i` (no shutdown save, no goodbye to the other nodes) and wait for the process to exit. */
  kill(i: number): Promise<void>;
  /** Start node `i` again on its port with its nodes.conf and dir (it rejoins with what it persisted); resolves when every node reports cluster_state:ok. */
  restart(i: number): Promise<void>;
  destroy(): Promise<void>;
}

export interface RedisClusterOptions {
  /** Append-only file with fsync on every write, so a node killed with SIGKILL comes back with its data. */
  persist?: boolean;
  /** Extra redis-server arguments for every node (e.g. `--cluster-require-full-coverage no`). */
  args?: readonly string[];
  /** 3 (the default) or 1. */
  masters?: 1 | 3;
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

/** One question to one Redis node on a connection of its own (no retries, no reconnects), closed afterwards. */
export async function onNode<T>(node: { host: string; port: number }, ask: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ ...node, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return await ask(redis);
  } finally {
    redis.disconnect();
  }
}

const answer = <T>(port: number, ask: (redis: Redis) => Promise<T>): Promise<T> => onNode({ host: '127.0.0.1', port }, ask);

export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hs-cluster-'));
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < (options.masters ?? 3); i++) ports.push(await clusterPort(taken));
  const persistence = options.persist === true ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const launch = (port: number): ChildProcess =>
    spawn('redis-server', [
      // announce-ip: a node learns its own address from a peer's handshake; a lone master would report "" in CLUSTER SLOTS
      '--port', String(port), '--bind', '127.0.0.1', '--cluster-announce-ip', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
      '--save', '', ...persistence, '--appendfilename', `appendonly-${port}.aof`, '--appenddirname', `aof-${port}`, '--dir', dir,
      ...(options.args ?? []),
    ], { stdio: 'ignore' });
  const children: ChildProcess[] = ports.map(launch);
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
    if (ports.length === 1) await answer(ports[0] ?? 0, (r) => r.call('CLUSTER', 'ADDSLOTSRANGE', 0, 16383));
    else await promisify(execFile)('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of ports) {
      await poll(`cluster_state:ok on ${port}`, 10_000, () => answer(port, async (r) => String(await r.call('CLUSTER', 'INFO')).includes('cluster_state:ok')));
    }
  } catch (error) {
    await destroy();
    throw error;
  }
  const exited = (child: ChildProcess) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
  const at = (i: number) => {
    const port = ports[i];
    const child = children[i];
    if (port === undefined || child === undefined) throw new Error(`no cluster node ${i}`);
    return { port, child };
  };
  return {
    nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    async kill(i) {
      const { child } = at(i);
      child.kill('SIGKILL');
      await exited(child);
    },
    async restart(i) {
      const { port, child } = at(i);
      await exited(child);
      children[i] = launch(port);
      await poll(`PING on restarted ${port}`, 10_000, () => answer(port, async (r) => (await r.ping()) === 'PONG'));
      for (const p of ports) {
        await poll(`cluster_state:ok on ${p} after a restart`, 30_000, () => answer(p, async (r) => String(await r.call('CLUSTER', 'INFO')).includes('cluster_state:ok')));
      }
    },
    destroy,
  };
}
