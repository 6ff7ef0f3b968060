// Shared by test/fault-matrix-node.test.ts and test/fault-matrix-fetch.test.ts: misbehaving servers,
// the comparable outcome of an SDK call, and the spans of one call.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { childrenOf, spansNamed } from './span-query.js';

/** What the application sees of one SDK call: compared with and without the plugin. */
export interface CallOutcome {
  ok: boolean;
  /** `$metadata.attempts` (on the output, or on the error). */
  attempts: number | undefined;
  /** `$metadata.httpStatusCode`. */
  status: number | undefined;
  errorName?: string;
  /** The error's `code`, else its cause's (fetch wraps socket errors). */
  errorCode?: string;
  /** The message with port numbers replaced by `PORT` (each run may use another port). */
  message?: string;
  /** Whether the SDK marked the error retryable / throttling (`$retryable`). */
  retryable?: boolean;
}

/** Awaits an SDK call and reduces it to what the application can observe. */
export async function outcomeOf(
  call: Promise<{ $metadata: { attempts?: number; httpStatusCode?: number } }>,
): Promise<CallOutcome> {
  try {
    const output = await call;
    return { ok: true, attempts: output.$metadata.attempts, status: output.$metadata.httpStatusCode };
  } catch (error) {
    const e = error as Error & {
      code?: string;
      cause?: { code?: string };
      $metadata?: { attempts?: number; httpStatusCode?: number };
      $retryable?: unknown;
    };
    const outcome: CallOutcome = {
      ok: false,
      attempts: e.$metadata?.attempts,
      status: e.$metadata?.httpStatusCode,
      errorName: e.name,
      message: normalizePorts(String(e.message)),
    };
    const code = e.code ?? e.cause?.code;
    if (code !== undefined) outcome.errorCode = code;
    if (e.$retryable !== undefined) outcome.retryable = Boolean(e.$retryable);
    return outcome;
  }
}

/** Replaces `host:port` port numbers so runs against different ports compare equal. */
export function normalizePorts(text: string): string {
  return text.replace(/(127\.0\.0\.1|localhost|::1|\]):\d{2,5}/g, '$1:PORT');
}

/** The operation spans named `name`, in start order, each with its attempt spans (children, start order). */
export function operations(
  spans: readonly ReadableSpan[],
  name: string,
): { op: ReadableSpan; attempts: ReadableSpan[] }[] {
  const byStart = (a: ReadableSpan, b: ReadableSpan) =>
    a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];
  return spansNamed(spans, name)
    .sort(byStart)
    .map((op) => ({
      op,
      attempts: childrenOf(spans, op)
        .filter((s) => s.name === `${name} attempt`)
        .sort(byStart),
    }));
}

/** A raw TCP server, closed with {@link RawServer.close}. */
export interface RawServer {
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

async function rawServer(onConnection: (socket: net.Socket) => void): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onConnection(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return connections;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Accepts connections, reads everything, never answers. */
export function startSilentServer(): Promise<RawServer> {
  return rawServer((socket) => socket.resume());
}

/** Reads `bytes` bytes of each request, then destroys the socket (RST, unread data): EPIPE mid-upload. */
export function startMidUploadCloser(bytes: number): Promise<RawServer> {
  return rawServer((socket) => {
    let seen = 0;
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen >= bytes) socket.destroy();
    });
  });
}

/** A loopback port whose listener never accepts, with its backlog full: new connects hang. */
export interface BlackHole {
  port: number;
  close(): Promise<void>;
}

/**
 * Node accepts every connection it is offered, so the listener that never calls accept() is a small
 * Python process (`listen(0)`). Linux queues backlog + 1 handshakes; once the filler connections
 * below are queued, later SYNs are dropped and a client's connect hangs until its own timeout.
 */
export async function startBlackHole(): Promise<BlackHole> {
  const child = spawn(
    'python3',
    [
      '-c',
      'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(600)',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  const fillers: net.Socket[] = [];
  // Fill the accept queue: connects that complete are queued; once one hangs, the queue is full.
  for (let i = 0; i < 8; i++) {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    fillers.push(socket);
    const connected = await Promise.race([
      once(socket, 'connect').then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 200)),
    ]);
    if (!connected) break;
  }
  return {
    port,
    async close() {
      for (const socket of fillers) socket.destroy();
      child.kill();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
