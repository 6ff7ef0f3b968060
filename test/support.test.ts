import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { testCertificate } from './support/tls-cert.js';

async function startHttpsServer(): Promise<{ server: https.Server; port: number }> {
  const server = https.createServer(testCertificate(), (_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('test certificate', () => {
  it('is exported to the worker and trusted without a ca option (NODE_EXTRA_CA_CERTS)', async () => {
    expect(process.env['WIRESCOPE_TEST_CERT_FILE']).toBeTruthy();
    expect(process.env['NODE_EXTRA_CA_CERTS']).toBeTruthy();
    const { server, port } = await startHttpsServer();
    try {
      expect(await get(`https://localhost:${port}/`)).toEqual({ status: 200, body: 'ok' });
      expect(await get(`https://127.0.0.1:${port}/`)).toEqual({ status: 200, body: 'ok' });
      const viaFetch = await fetch(`https://localhost:${port}/`);
      expect(await viaFetch.text()).toBe('ok');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('is rejected by a client given an explicit empty ca list (so the test above can fail)', async () => {
    const { server, port } = await startHttpsServer();
    try {
      const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
        https
          .get(`https://localhost:${port}/`, { agent: false, ca: [] }, () => resolve(new Error('trusted')))
          .on('error', resolve);
      });
      expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
