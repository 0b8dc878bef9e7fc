// A TCP relay in front of the suite's redis-server that can hold what the application sends (never what Redis
// answers) and release it later, in order: a command the client gave up on then reaches Redis late, as it does on a
// congested network or behind a paused server, while other clients talk to Redis directly. Redis itself is real.
import { connect, createServer, type Socket } from 'node:net';

export interface Relay {
  readonly port: number;
  /** From now on, bytes from clients are kept back. */
  hold(): void;
  /** Sends everything kept back, in order, and stops holding. */
  release(): void;
  /** Drops every connection and refuses new ones (the client sees Redis gone) until `up`. */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number): Promise<Relay> {
  let held = false;
  let isDown = false;
  const pending: { upstream: Socket; chunk: Buffer }[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      if (held) pending.push({ upstream, chunk });
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      for (const { upstream, chunk } of pending.splice(0)) upstream.write(chunk);
    },
    down: () => {
      isDown = true;
      for (const socket of sockets) socket.destroy();
    },
    up: () => {
      isDown = false;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
