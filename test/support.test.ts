import { once } from 'node:events';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  CreateTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { context, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createDynamoClient, createS3Client } from './support/clients.js';
import { startDynamoServer } from './support/dynamo-server.js';
import { createTestTracing } from './support/otel.js';
import { createTestBucket, startS3Server } from './support/s3-server.js';
import { allAttributeText, attr, childrenOf, parentOf, spansNamed } from './support/span-query.js';
import { startTcpProxy } from './support/tcp-proxy.js';
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

interface ProxiedResult {
  status?: number;
  reusedSocket: boolean;
  error?: NodeJS.ErrnoException;
  connectMs?: number;
  secureConnectMs?: number;
}

/** One GET through `agent` to 127.0.0.1:port, with the client-side socket timings. */
function proxiedGet(port: number, agent: https.Agent | false): Promise<ProxiedResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const result: ProxiedResult = { reusedSocket: false };
    const req = https.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ...result, status: res.statusCode ?? 0 }));
    });
    req.on('socket', (socket: TLSSocket) => {
      result.reusedSocket = req.reusedSocket;
      socket.once('connect', () => {
        result.connectMs = performance.now() - started;
      });
      socket.once('secureConnect', () => {
        result.secureConnectMs = performance.now() - started;
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ ...result, error }));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('TCP proxy', () => {
  it('forwards a TLS keep-alive connection and counts real connections', async () => {
    const { server, port } = await startHttpsServer();
    const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port } });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 3; i++) expect((await proxiedGet(proxy.port, agent)).status).toBe(200);
      expect(proxy.connectionsAccepted).toBe(1);
      expect((await proxiedGet(proxy.port, false)).status).toBe(200);
      expect((await proxiedGet(proxy.port, false)).status).toBe(200);
      expect(proxy.connectionsAccepted).toBe(3);
      expect(proxy.droppedConnections).toBe(0);
    } finally {
      agent.destroy();
      await proxy.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it('resets an idle reused socket on its next write: read ECONNRESET', async () => {
    const { server, port } = await startHttpsServer();
    const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port }, resetAfterIdleMs: 100 });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await proxiedGet(proxy.port, agent)).status).toBe(200);
      await sleep(250);
      const second = await proxiedGet(proxy.port, agent);
      expect(second.reusedSocket).toBe(true);
      expect(second.error?.code).toBe('ECONNRESET');
      expect(second.error?.message).toBe('read ECONNRESET');
      expect(proxy.droppedConnections).toBe(1);
      // A fresh connection right away is not idle, so it goes through.
      expect((await proxiedGet(proxy.port, agent)).status).toBe(200);
      expect(proxy.connectionsAccepted).toBe(2);
    } finally {
      agent.destroy();
      await proxy.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it('ends an idle reused socket without a response on its next write: socket hang up', async () => {
    const { server, port } = await startHttpsServer();
    const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port }, finAfterIdleMs: 100 });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await proxiedGet(proxy.port, agent)).status).toBe(200);
      await sleep(250);
      const second = await proxiedGet(proxy.port, agent);
      expect(second.reusedSocket).toBe(true);
      expect(second.error?.message).toBe('socket hang up');
      expect(second.error?.code).toBe('ECONNRESET');
      expect(proxy.droppedConnections).toBe(1);
    } finally {
      agent.destroy();
      await proxy.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it('adds latency to the TLS handshake (>= 2x latency) but not to the client TCP connect', async () => {
    const { server, port } = await startHttpsServer();
    const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port }, latencyMs: 100 });
    try {
      const slow = await proxiedGet(proxy.port, false);
      expect(slow.status).toBe(200);
      // The kernel completes the client's connect with the proxy's listen socket: not delayable.
      expect(slow.connectMs).toBeLessThan(100);
      expect(slow.secureConnectMs! - slow.connectMs!).toBeGreaterThanOrEqual(200);

      proxy.setLatency(40);
      const result = await proxiedGet(proxy.port, false);
      expect(result.secureConnectMs! - result.connectMs!).toBeGreaterThanOrEqual(80);
      proxy.setLatency(0);
      const fast = await proxiedGet(proxy.port, false);
      expect(fast.status).toBe(200);
    } finally {
      await proxy.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it('resets the client when the upstream refuses the connection', async () => {
    const closed = net.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const deadPort = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: deadPort } });
    try {
      const result = await proxiedGet(proxy.port, false);
      expect(result.error?.code).toBe('ECONNRESET');
      expect(proxy.connectionsAccepted).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('keeps byte order under latency changes (1 MiB through an echo server)', async () => {
    const echo = net.createServer((socket) => socket.pipe(socket));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const proxy = await startTcpProxy({
      target: { host: '127.0.0.1', port: (echo.address() as AddressInfo).port },
      latencyMs: 20,
    });
    try {
      const sent = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < sent.length; i++) sent[i] = (i * 7919) % 251;
      const client = net.connect(proxy.port, '127.0.0.1');
      const received: Buffer[] = [];
      client.on('data', (chunk: Buffer) => received.push(chunk));
      for (let offset = 0; offset < sent.length; offset += 64 * 1024) {
        proxy.setLatency(offset % (128 * 1024) === 0 ? 30 : 0);
        client.write(sent.subarray(offset, offset + 64 * 1024));
        await sleep(2);
      }
      client.end();
      await once(client, 'close');
      expect(Buffer.concat(received).equals(sent)).toBe(true);
    } finally {
      await proxy.close();
      echo.close();
    }
  });
});
