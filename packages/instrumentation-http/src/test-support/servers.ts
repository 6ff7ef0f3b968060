import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

/** A PEM key and certificate for localhost / 127.0.0.1, trusted only by agents given it as `ca`. */
export interface Certificate {
  key: string;
  cert: string;
}

let cached: Promise<Certificate> | undefined;

/** Generates (once per file) a self-signed EC certificate for localhost and 127.0.0.1. */
export function certificate(): Promise<Certificate> {
  cached ??= generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 60_000),
    notAfterDate: new Date(Date.now() + 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  }).then((pems) => ({ key: pems.private, cert: pems.cert }));
  return cached;
}

/** A listening server and its port. */
export interface Listening<S> {
  server: S;
  port: number;
  close(): Promise<void>;
}

async function listen<S extends http.Server>(server: S): Promise<Listening<S>> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** An HTTPS server on 127.0.0.1 with the test certificate. */
export async function startHttpsServer(handler: http.RequestListener): Promise<Listening<https.Server>> {
  const { key, cert } = await certificate();
  return listen(https.createServer({ key, cert, keepAliveTimeout: 30_000 }, handler));
}

/** A plain HTTP server on 127.0.0.1. */
export function startHttpServer(handler: http.RequestListener): Promise<Listening<http.Server>> {
  return listen(http.createServer({ keepAliveTimeout: 30_000 }, handler));
}

/** Result of one request. */
export interface Reply {
  status: number;
  body: string;
  req: http.ClientRequest;
}

/**
 * Sends one request and resolves once the response body ended AND the request closed (the moment
 * Node hands a keep-alive socket back to the agent), rejecting on a request error.
 */
export function send(
  module: typeof http | typeof https,
  options: https.RequestOptions,
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let reply: Omit<Reply, 'req'> | undefined;
    let closed = false;
    const req = module.request(options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        reply = { status: res.statusCode ?? 0, body: text };
        if (closed) resolve({ ...reply, req });
      });
    });
    req.on('error', reject);
    req.on('close', () => {
      closed = true;
      if (reply) resolve({ ...reply, req });
    });
    req.end(body);
  });
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
