// A TCP relay in front of the suite's redis-server that can hold what the application sends and release it later, in
// order: a command the client gave up on then reaches Redis late, as it does on a congested network or behind a paused
// server, while other clients talk to Redis directly. It can also hold what Redis sends to some connections only (those
// whose client has sent a given text, e.g. its CLIENT SETNAME): a connection whose replies or pushes are late while
// its socket stays open. Redis itself is real.
import { connect, createServer, type Socket } from 'node:net';

export interface Relay {
  readonly port: number;
  /** From now on, bytes from clients are kept back. */
  hold(): void;
  /** Sends everything kept back, in order, and stops holding. */
  release(): void;
  /** From now on, bytes from Redis to every connection whose client has sent `text` (so far or later) are kept back. */
  holdRepliesTo(text: string): void;
  /** Sends the replies kept back, in order, and stops holding them. */
  releaseReplies(): void;
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
  let repliesHeldFor: string | undefined;
  const heldReplies: { client: Socket; chunk: Buffer }[] = [];
  const server = createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    let sent = ''; // what this client sent so far (its first kilobytes: the handshake names it)
    client.on('data', (chunk) => {
      if (sent.length < 4096) sent += chunk.toString('latin1');
      if (held) pending.push({ upstream, chunk });
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (repliesHeldFor !== undefined && sent.includes(repliesHeldFor)) heldReplies.push({ client, chunk });
      else client.write(chunk);
    });
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
    holdRepliesTo: (text) => {
      repliesHeldFor = text;
    },
    releaseReplies: () => {
      repliesHeldFor = undefined;
      for (const { client, chunk } of heldReplies.splice(0)) client.write(chunk);
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
