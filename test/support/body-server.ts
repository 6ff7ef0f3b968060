// A small HTTPS server that answers any GET (an S3 GetObject in path style, `/bucket/<key>`) with a
// body whose delivery the key chooses: paused mid-body, reset or closed mid-body, stalled, small or
// large. For the response-body phase tests (issue 15).
import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { testCertificate } from './tls-cert.js';

/** Bytes in each half of the mid-body scenarios. */
export const HALF = 64 * 1024;
/** Bytes of the `small` body (fits every buffer: received whole before anyone reads it). */
export const SMALL = 10 * 1024;
/** Bytes of the `large` body (more than any buffer: an unread one stalls the connection). */
export const LARGE = 4 * 1024 * 1024;

/** How the server delivers the body, named by the object key. */
export type BodyScenario = 'pause' | 'reset' | 'fin' | 'stall' | 'small' | 'large';

/** Options of {@link startBodyServer}. */
export interface BodyServerOptions {
  /** The pause between the two halves of `pause`, and before the cut of `reset` / `fin`. */
  pauseMs: number;
}

/** When the server wrote the parts of its last `pause` response (epoch ms, this process's clock). */
export interface PauseTimes {
  /** Headers and the first half written. */
  readonly headersAt: number;
  /** The second half written, after the pause. */
  readonly resumedAt: number;
}

/** A running body server. */
export interface BodyServerHandle {
  /** `https://localhost:PORT`. */
  readonly endpoint: string;
  /** The times of the last `pause` response (the client runs in this process: one clock). */
  readonly lastPause: PauseTimes | undefined;
  /** Connections open right now (server side). */
  readonly openConnections: number;
  /** Stops the server and destroys every connection. */
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 with the test certificate (trusted through NODE_EXTRA_CA_CERTS). */
export async function startBodyServer(options: BodyServerOptions): Promise<BodyServerHandle> {
  const sockets = new Set<Socket>();
  const now = () => performance.timeOrigin + performance.now();
  let lastPause: PauseTimes | undefined;
  const server = https.createServer(testCertificate(), (req, res) => {
    const scenario = (req.url ?? '').split('?')[0]!.split('/').pop() as BodyScenario;
    const headers = (length: number) =>
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': length,
        'x-amz-request-id': 'BODYTEST',
      });
    const half = Buffer.alloc(HALF, 0x61);
    switch (scenario) {
      case 'pause': {
        const headersAt = now();
        headers(2 * HALF);
        res.write(half);
        setTimeout(() => {
          lastPause = { headersAt, resumedAt: now() };
          res.end(Buffer.alloc(HALF, 0x62));
        }, options.pauseMs);
        return;
      }
      case 'reset':
        headers(2 * HALF);
        res.write(half);
        setTimeout(() => resetConnection(req.socket), options.pauseMs);
        return;
      case 'fin':
        headers(2 * HALF);
        res.write(half);
        setTimeout(() => req.socket.end(), options.pauseMs);
        return;
      case 'stall':
        // The first half, then nothing until the client goes away.
        headers(2 * HALF);
        res.write(half);
        return;
      case 'small':
        headers(SMALL);
        res.end(Buffer.alloc(SMALL, 0x63));
        return;
      case 'large':
        headers(LARGE);
        res.end(Buffer.alloc(LARGE, 0x64));
        return;
      default:
        res.writeHead(404, { 'content-length': 0 });
        res.end();
    }
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `https://localhost:${port}`,
    get lastPause() {
      return lastPause;
    },
    get openConnections() {
      return sockets.size;
    },
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/**
 * Sends an RST on the TCP connection under a TLS socket: `resetAndDestroy()` needs the TCP handle,
 * which the server's TLSSocket keeps on `_parent` (Node 20–24).
 */
function resetConnection(socket: Socket): void {
  const tcp = (socket as Socket & { _parent?: Socket })._parent ?? socket;
  tcp.resetAndDestroy();
}
