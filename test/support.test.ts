import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { context, trace } from '@opentelemetry/api';
import { describe, expect, it, vi } from 'vitest';
import { createDynamoClient, createS3Client } from './support/clients.js';
import { startDynamoServer } from './support/dynamo-server.js';
import { createTestTracing } from './support/otel.js';
import { createTestBucket, startS3Server } from './support/s3-server.js';
import { allAttributeText, attr, childrenOf, parentOf, spansNamed } from './support/span-query.js';
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

  it('falls back to an openssl-generated certificate when the globalSetup variables are absent', async () => {
    const saved = [process.env['WIRESCOPE_TEST_CERT_FILE'], process.env['WIRESCOPE_TEST_KEY_FILE']];
    delete process.env['WIRESCOPE_TEST_CERT_FILE'];
    delete process.env['WIRESCOPE_TEST_KEY_FILE'];
    let fallback: { key: string; cert: string };
    try {
      vi.resetModules();
      const fresh = await import('./support/tls-cert.js');
      fallback = fresh.testCertificate();
      expect(fresh.testCertificate()).toBe(fallback);
    } finally {
      for (const [key, value] of [
        ['WIRESCOPE_TEST_CERT_FILE', saved[0]],
        ['WIRESCOPE_TEST_KEY_FILE', saved[1]],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    expect(fallback.cert).not.toBe(testCertificate().cert);
    const server = https.createServer(fallback, (_req, res) => res.end('fallback'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get(`https://localhost:${port}/`, { agent: false, ca: fallback.cert }, (res) => {
            res.setEncoding('utf8');
            let text = '';
            res.on('data', (chunk: string) => {
              text += chunk;
            });
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      expect(body).toBe('fallback');
    } finally {
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

describe('test tracing and span queries', () => {
  it('records parent/child spans in memory without touching the globals', async () => {
    const tracing = createTestTracing();
    try {
      // No global context manager here: pass the parent context explicitly.
      const parentSpan = tracing.tracer.startSpan('parent');
      const parentContext = trace.setSpan(context.active(), parentSpan);
      const first = tracing.tracer.startSpan('child', { attributes: { 'k.int': 3 } }, parentContext);
      first.addEvent('evt', { 'event.key': 'event-value' });
      first.end();
      tracing.tracer.startSpan('child', {}, parentContext).end();
      parentSpan.end();
      // Not registered: the global API still has no provider.
      expect(trace.getTracer('x').startSpan('noop').isRecording()).toBe(false);
      const spans = tracing.spans();
      const [parent] = spansNamed(spans, 'parent');
      expect(parent).toBeDefined();
      expect(childrenOf(spans, parent!).map((s) => s.name)).toEqual(['child', 'child']);
      const [child] = spansNamed(spans, 'child');
      expect(parentOf(spans, child!)).toBe(parent);
      expect(parentOf(spans, parent!)).toBeUndefined();
      expect(attr(child!, 'k.int')).toBe(3);
      expect(allAttributeText(spans)).toContain('event-value');
      tracing.reset();
      expect(tracing.spans()).toEqual([]);
    } finally {
      await tracing.shutdown();
    }
  });

  it('with register: true, context flows through await via the global provider; shutdown undoes it', async () => {
    const tracing = createTestTracing({ register: true });
    const tracer = trace.getTracer('global');
    await tracer.startActiveSpan('outer', async (outer) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      tracer.startSpan('inner').end();
      expect(trace.getSpan(context.active())).toBe(outer);
      outer.end();
    });
    const spans = tracing.spans();
    const [inner] = spansNamed(spans, 'inner');
    expect(parentOf(spans, inner!)?.name).toBe('outer');
    await tracing.shutdown();
    expect(trace.getTracer('after').startSpan('x').isRecording()).toBe(false);
    // A second registration works after shutdown (the globals were really released).
    const again = createTestTracing({ register: true });
    trace.getTracer('again').startSpan('y').end();
    expect(spansNamed(again.spans(), 'y')).toHaveLength(1);
    await again.shutdown();
  });
});

describe('local DynamoDB (dynalite)', () => {
  for (const handler of ['node', 'fetch'] as const) {
    it(`serves CreateTable, PutItem and GetItem with the ${handler} handler`, async () => {
      const dynamo = await startDynamoServer();
      const client = createDynamoClient(dynamo.endpoint, { handler });
      try {
        expect(dynamo.endpoint).toBe(`http://127.0.0.1:${dynamo.port}`);
        await client.send(
          new CreateTableCommand({
            TableName: 'support',
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
        const described = await client.send(new DescribeTableCommand({ TableName: 'support' }));
        expect(described.Table?.TableStatus).toBe('ACTIVE');
        await client.send(
          new PutItemCommand({ TableName: 'support', Item: { pk: { S: 'a' }, v: { N: '42' } } }),
        );
        const got = await client.send(new GetItemCommand({ TableName: 'support', Key: { pk: { S: 'a' } } }));
        expect(got.Item).toEqual({ pk: { S: 'a' }, v: { N: '42' } });
      } finally {
        client.destroy();
        await dynamo.close();
      }
    });
  }
});
