import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { createTestBucket, startS3Server } from './support/s3-server.js';
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

describe('local S3 (s3rver)', () => {
  for (const handler of ['node', 'fetch'] as const) {
    it(`round-trips an object over HTTPS with the ${handler} handler`, async () => {
      const s3server = await startS3Server();
      const client = createS3Client(s3server.endpoint, { handler });
      try {
        expect(s3server.endpoint).toBe(`https://localhost:${s3server.port}`);
        await createTestBucket(client, 'support-bucket');
        await client.send(new PutObjectCommand({ Bucket: 'support-bucket', Key: 'a.txt', Body: 'hello' }));
        const got = await client.send(new GetObjectCommand({ Bucket: 'support-bucket', Key: 'a.txt' }));
        expect(await got.Body?.transformToString()).toBe('hello');
      } finally {
        client.destroy();
        await s3server.close();
      }
    });
  }

  it('takes a 3 MiB upload (Expect: 100-continue, the one-off agent) and serves plain HTTP too', async () => {
    const tlsServer = await startS3Server();
    const plainServer = await startS3Server({ tls: false });
    const tlsClient = createS3Client(tlsServer.endpoint);
    const plainClient = createS3Client(plainServer.endpoint);
    try {
      const body = Buffer.alloc(3 * 1024 * 1024, 7);
      await createTestBucket(tlsClient, 'big');
      await tlsClient.send(new PutObjectCommand({ Bucket: 'big', Key: 'big.bin', Body: body }));
      const got = await tlsClient.send(new GetObjectCommand({ Bucket: 'big', Key: 'big.bin' }));
      expect(Buffer.from((await got.Body?.transformToByteArray()) ?? []).equals(body)).toBe(true);

      expect(plainServer.endpoint).toBe(`http://localhost:${plainServer.port}`);
      await createTestBucket(plainClient, 'plain');
      await plainClient.send(new PutObjectCommand({ Bucket: 'plain', Key: 'k', Body: 'v' }));
      const plain = await plainClient.send(new GetObjectCommand({ Bucket: 'plain', Key: 'k' }));
      expect(await plain.Body?.transformToString()).toBe('v');
    } finally {
      tlsClient.destroy();
      plainClient.destroy();
      await tlsServer.close();
      await plainServer.close();
    }
  });
});
