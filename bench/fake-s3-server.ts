// A tiny S3-compatible endpoint for the benchmark: PutObject stores the body in memory, GetObject
// returns it, both at once. s3rver spends more CPU per request than the SDK does, which would drown
// the difference we measure; this server does almost nothing.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/** A running fake S3 endpoint, HTTP or HTTPS. */
export interface FakeS3Handle {
  /** `http://127.0.0.1:PORT` or `https://localhost:PORT`. */
  endpoint: string;
  port: number;
  /** Requests answered so far. */
  requests(): number;
  close(): Promise<void>;
}

/** Options for {@link startFakeS3}. */
export interface FakeS3Options {
  /** PEM key and certificate: serve HTTPS. */
  tls?: { key: string; cert: string };
  /** Answer every Nth request with `Connection: close` (socket churn); default never. */
  closeEvery?: number;
  /** Serve cleartext HTTP/2 (h2c, prior knowledge), for NodeHttp2Handler; default HTTP/1.1. */
  http2?: boolean;
}

/** Starts the fake S3 endpoint on 127.0.0.1, a random port. */
export async function startFakeS3(options: FakeS3Options = {}): Promise<FakeS3Handle> {
  const objects = new Map<string, Buffer>();
  let count = 0;
  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      count += 1;
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const headers: http.OutgoingHttpHeaders = { 'x-amz-request-id': randomUUID() };
      if (options.closeEvery && count % options.closeEvery === 0) headers['connection'] = 'close';
      if (req.method === 'PUT') {
        const body = Buffer.concat(chunks);
        objects.set(path, body);
        headers['etag'] = `"${body.length.toString(16)}"`;
        headers['content-length'] = 0;
        res.writeHead(200, headers).end();
        return;
      }
      if (req.method === 'GET' || req.method === 'HEAD') {
        const body = objects.get(path);
        if (!body) {
          const xml = '<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>none</Message></Error>';
          res.writeHead(404, { ...headers, 'content-type': 'application/xml' }).end(xml);
          return;
        }
        headers['etag'] = `"${body.length.toString(16)}"`;
        headers['content-length'] = body.length;
        headers['content-type'] = 'application/octet-stream';
        headers['last-modified'] = 'Mon, 01 Jan 2024 00:00:00 GMT';
        res.writeHead(200, headers).end(req.method === 'GET' ? body : undefined);
        return;
      }
      res.writeHead(405, headers).end();
    });
  };
  if (options.http2) return listenH2(handler, () => count);
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  // Longer than any pause in a run, so sockets stay alive unless a run churns them on purpose.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: options.tls ? `https://localhost:${port}` : `http://127.0.0.1:${port}`,
    port,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The same handler on node:http2's compatibility API, cleartext (the client connects with prior knowledge). */
async function listenH2(handler: http.RequestListener, requests: () => number): Promise<FakeS3Handle> {
  const server = http2.createServer((req, res) => handler(req as never, res as never));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
