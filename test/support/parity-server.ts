// A small HTTPS server that answers any request like S3 answers PutObject (200, an ETag, no body) and
// misbehaves on demand on a reused connection: RST (resetAndDestroy) or FIN (end, no response) as the
// next request arrives on an idle keep-alive socket, or never answering. Used by the handler parity
// suite, which needs the same fault on both handlers from a server it controls byte for byte.
import { once } from 'node:events';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import { testCertificate } from './tls-cert.js';

/** What the server does with a request. */
export type ParityBehaviour =
  /** 200 after `delayMs`. */
  | 'ok'
  /** 200 with `Connection: close`: every call needs a new connection (and so a TLS resumption). */
  | 'close'
  /** 200 on the first request of a connection; RST (`resetAndDestroy`) on the next ones. */
  | 'rst-on-reuse'
  /** 200 on the first request of a connection; FIN without a response (`end`) on the next ones. */
  | 'fin-on-reuse'
  /** Reads the request and never answers. */
  | 'silent';

/** A running parity server. */
export interface ParityServer {
  port: number;
  /** `https://localhost:<port>`: a name, so the client pays a DNS lookup. */
  endpoint: string;
  behaviour: ParityBehaviour;
  /** Delay before each 200, ms. */
  delayMs: number;
  /** TLS connections accepted so far. */
  readonly connections: number;
  /** Connections the server reset or closed on purpose so far. */
  readonly dropped: number;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 with the test certificate (trusted by every vitest worker). */
export async function startParityServer(behaviour: ParityBehaviour = 'ok'): Promise<ParityServer> {
  const { key, cert } = testCertificate();
  const served = new WeakMap<net.Socket, number>();
  const sockets = new Set<tls.TLSSocket>();
  // resetAndDestroy needs the TCP handle, which a TLSSocket does not expose: the raw socket under each
  // TLS connection, by the client's port (`connection` fires with it before the TLS layer wraps it).
  const rawByPort = new Map<number, net.Socket>();
  let connections = 0;
  let dropped = 0;
  const server = https.createServer({ key, cert, keepAliveTimeout: 30_000 }, (req, res) => {
    const socket = req.socket;
    const count = (served.get(socket) ?? 0) + 1;
    served.set(socket, count);
    req.resume();
    req.on('end', () => {
      const mode = handle.behaviour;
      if (mode === 'silent') return;
      if (count > 1 && mode === 'rst-on-reuse') {
        dropped++;
        const raw = rawByPort.get(socket.remotePort ?? -1);
        if (raw) raw.resetAndDestroy();
        socket.destroy();
        return;
      }
      if (count > 1 && mode === 'fin-on-reuse') {
        dropped++;
        socket.end();
        return;
      }
      setTimeout(() => {
        const headers: Record<string, string> = {
          ETag: '"d41d8cd98f00b204e9800998ecf8427e"',
          'x-amz-request-id': `parity-${count}`,
          'Content-Length': '0',
        };
        if (mode === 'close') headers['Connection'] = 'close';
        res.writeHead(200, headers);
        res.end();
      }, handle.delayMs);
    });
  });
  server.on('connection', (raw: net.Socket) => {
    const port = raw.remotePort ?? -1;
    rawByPort.set(port, raw);
    raw.on('close', () => rawByPort.delete(port));
  });
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const handle: ParityServer = {
    port,
    endpoint: `https://localhost:${port}`,
    behaviour,
    delayMs: 0,
    get connections() {
      return connections;
    },
    get dropped() {
      return dropped;
    },
    async close() {
      const closed = once(server, 'close');
      server.close();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
  return handle;
}
