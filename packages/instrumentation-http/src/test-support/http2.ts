import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { certificate } from './servers.js';

/** A listening node:http2 TLS server on 127.0.0.1 with the test certificate. */
export interface H2Listening {
  server: http2.Http2SecureServer;
  port: number;
  /** `https://localhost:<port>` */
  url: string;
  /** Sessions the server accepted. */
  readonly sessions: number;
  close(): Promise<void>;
}

/** Starts an HTTP/2 TLS server; `onStream` answers each stream. */
export async function startH2Server(
  onStream: (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void,
  settings?: http2.Settings,
): Promise<H2Listening> {
  const { key, cert } = await certificate();
  const server = http2.createSecureServer({ key, cert, ...(settings ? { settings } : {}) });
  const open = new Set<http2.ServerHttp2Session>();
  let sessions = 0;
  server.on('session', (session) => {
    sessions += 1;
    open.add(session);
    session.on('close', () => open.delete(session));
  });
  server.on('stream', onStream);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `https://localhost:${port}`,
    get sessions() {
      return sessions;
    },
    close: () => {
      for (const session of open) session.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers 200 'ok' after `delayMs`. */
export function answerAfter(delayMs: number) {
  return (stream: http2.ServerHttp2Stream) => {
    stream.on('error', () => {});
    setTimeout(() => {
      if (stream.destroyed) return;
      stream.respond({ ':status': 200 });
      stream.end('ok');
    }, delayMs);
  };
}

/** What one request on a session ended with. */
export interface H2Reply {
  status: number | undefined;
  body: string;
  error: (Error & { code?: string }) | undefined;
  rstCode: number | undefined;
}

/** Requests `path` on `session` (GET, or PUT with `body`) and reads the whole answer; never rejects. */
export function h2Request(session: http2.ClientHttp2Session, path = '/', body?: string): Promise<H2Reply> {
  return new Promise((resolve) => {
    const stream = session.request({ ':path': path, ':method': body === undefined ? 'GET' : 'PUT' });
    let status: number | undefined;
    let text = '';
    let error: H2Reply['error'];
    stream.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('error', (err) => {
      error = err;
    });
    stream.on('close', () => resolve({ status, body: text, error, rstCode: stream.rstCode }));
    if (body !== undefined) stream.end(body);
  });
}
