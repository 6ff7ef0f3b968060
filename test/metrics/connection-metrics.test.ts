// Issue 14: the connection-level metrics against what the test made happen, on real s3rver over HTTPS
// behind the project's TCP proxy: a stale keep-alive socket reset (counted once, reused), the pool
// queue of an agent at maxSockets (one queue wait per queued attempt, the counts back to zero), open
// and idle connections (equal to the proxy's connections), connection lifetimes and bytes once closed,
// and the 100-continue wait of a large upload.
import https from 'node:https';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { wirescope } from '@wirescope/aws-sdk';
import { ATTR_CONNECTION_QUEUE_MS } from '@wirescope/semconv';
import { describe, expect, it } from 'vitest';
import { createS3Client } from '../support/clients.js';
import { createTestMetrics, total } from '../support/metrics.js';
import { createTestTracing } from '../support/otel.js';
import { useS3Fixture } from '../support/s3-fixture.js';
import { attr, spansNamed } from '../support/span-query.js';

const tracing = createTestTracing();
const BUCKET = 'metrics-connections';
const s3 = useS3Fixture(BUCKET, tracing);
const unsampled = new BasicTracerProvider({ sampler: new AlwaysOffSampler() });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('node handler: connection metrics', () => {
  it('a keep-alive socket reset after idling: one reset, reused, and the retry on a new connection', async () => {
    const metrics = createTestMetrics();
    const proxy = await s3.proxy({ resetAfterIdleMs: 150 });
    const client = createS3Client(`https://localhost:${proxy.port}`);
    client.middlewareStack.use(wirescope({ tracerProvider: unsampled, meterProvider: metrics.provider }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a', Body: 'one' }));
    await sleep(300);
    const second = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'b', Body: 'two' }));
    client.destroy();
    expect(second.$metadata.attempts).toBe(2);
    expect(proxy.connectionsAccepted).toBe(2);

    expect(await metrics.points('wirescope.socket.resets')).toEqual([
      // The zero series the first attempt's series brings (no reset reads as 0, not as no data).
      expect.objectContaining({
        value: 0,
        attributes: {
          'wirescope.connection.reused': false,
          'server.address': 'localhost',
          'rpc.service': 'S3',
          'rpc.method': 'PutObject',
          'wirescope.http.handler': 'node-http',
        },
      }),
      expect.objectContaining({
        value: 1,
        attributes: {
          'wirescope.connection.reused': true,
          'server.address': 'localhost',
          'rpc.service': 'S3',
          'rpc.method': 'PutObject',
          'wirescope.http.handler': 'node-http',
        },
      }),
    ]);
    const attempts = await metrics.points('wirescope.attempts');
    expect(total(attempts)).toBe(3);
    expect(total(attempts, { 'wirescope.connection.reused': true, 'error.type': 'ECONNRESET' })).toBe(1);
    expect(total(attempts, { 'wirescope.connection.reused': false })).toBe(2);
    // The call succeeded on its retry: two calls, no error; three Smithy attempts.
    expect(total(await metrics.points('wirescope.calls'))).toBe(2);
    expect(await metrics.points('smithy.client.call.errors')).toEqual([]);
    expect(total(await metrics.points('smithy.client.call.attempts'))).toBe(3);
    await metrics.shutdown();
  });

  it('maxSockets 2, 8 concurrent calls: a queue wait per queued attempt; open, idle, closed connections', async () => {
    const metrics = createTestMetrics();
    const proxy = await s3.proxy({ latencyMs: 30 });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 2 });
    const client = createS3Client(`https://localhost:${proxy.port}`, { httpsAgent: agent });
    client.middlewareStack.use(
      wirescope({ tracerProvider: tracing.provider, meterProvider: metrics.provider }),
    );
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'q', Body: 'q' }));
    await Promise.all(
      Array.from({ length: 8 }, () =>
        client
          .send(new GetObjectCommand({ Bucket: BUCKET, Key: 'q' }))
          .then((r) => r.Body?.transformToString()),
      ),
    );
    const connections = proxy.connectionsAccepted;
    expect(connections).toBe(2);
    const queued = spansNamed(tracing.spans(), 'S3.GetObject attempt').filter(
      (a) => typeof attr(a, ATTR_CONNECTION_QUEUE_MS) === 'number',
    ).length;
    expect(queued).toBeGreaterThanOrEqual(5);
    // One wait per queued attempt, under both names.
    expect(total(await metrics.points('http.client.request.time_in_queue'))).toBe(queued);
    expect(total(await metrics.points('smithy.client.http.requests.queued_duration'))).toBe(queued);
    // Every request is done: nothing queued or in flight; both connections open and idle in the pool.
    const usage = await metrics.points('smithy.client.http.requests.usage');
    expect(total(usage, { state: 'queued' })).toBe(0);
    expect(total(usage, { state: 'in-flight' })).toBe(0);
    const open = await metrics.points('http.client.open_connections');
    expect(total(open, { 'http.connection.state': 'idle', 'server.address': 'localhost' })).toBe(connections);
    expect(total(open, { 'http.connection.state': 'active' })).toBe(0);
    const pool = await metrics.points('smithy.client.http.connections.usage');
    expect(total(pool, { state: 'idle' })).toBe(connections);
    expect(total(pool, { state: 'acquired' })).toBe(0);
    expect(total(await metrics.points('smithy.client.http.connections.acquire_duration'))).toBe(9);
    // The agent's maxSockets, while it holds connections to the endpoint.
    expect(
      (await metrics.points('smithy.client.http.connections.limit')).map((p) => [p.attributes, p.value]),
    ).toEqual([[{ 'server.address': 'localhost' }, 2]]);
    expect(await metrics.points('http.client.connection.duration')).toEqual([]);

    client.destroy();
    await sleep(50);
    expect(total(await metrics.points('http.client.open_connections'))).toBe(0);
    expect(total(await metrics.points('http.client.connection.duration'))).toBe(connections);
    expect(total(await metrics.points('smithy.client.http.connections.uptime'))).toBe(connections);
    // Nine requests with their TLS handshakes went out and came back on those two sockets.
    const [sent] = await metrics.points('smithy.client.http.bytes_sent');
    const [received] = await metrics.points('smithy.client.http.bytes_received');
    expect(sent?.value).toBeGreaterThan(9 * 200);
    expect(received?.value).toBeGreaterThan(9 * 200);
    await metrics.shutdown();
  });

  it('a 3 MiB PutObject: one 100-continue wait, ended by the server, on a new connection', async () => {
    const metrics = createTestMetrics();
    const client = createS3Client(s3.server.endpoint);
    client.middlewareStack.use(wirescope({ tracerProvider: unsampled, meterProvider: metrics.provider }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'small', Body: 'x' }));
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'big', Body: new Uint8Array(3 * 1024 * 1024).fill(7) }),
    );
    client.destroy();
    const waits = await metrics.points('wirescope.expect_continue.duration');
    expect(waits.map((point) => [point.attributes, point.count])).toEqual([
      [
        {
          'wirescope.expect_continue.ended_by': 'server',
          'wirescope.http.handler': 'node-http',
          'wirescope.connection.reused': false,
          'server.address': 'localhost',
        },
        1,
      ],
    ]);
    await metrics.shutdown();
  });
});

describe('fetch handler: connection metrics', () => {
  it('sequential calls: connections open and idle equal the proxy’s, nothing in flight', async () => {
    const metrics = createTestMetrics();
    const proxy = await s3.proxy();
    const client = createS3Client(`https://localhost:${proxy.port}`, { handler: 'fetch' });
    client.middlewareStack.use(wirescope({ tracerProvider: unsampled, meterProvider: metrics.provider }));
    for (let i = 0; i < 5; i++)
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `f${i}`, Body: 'x' }));
    client.destroy();
    const connections = proxy.connectionsAccepted;
    expect(connections).toBeGreaterThanOrEqual(1);
    const open = await metrics.points('http.client.open_connections');
    expect(total(open, { 'http.connection.state': 'idle', 'server.address': 'localhost' })).toBe(connections);
    expect(total(open, { 'http.connection.state': 'active' })).toBe(0);
    expect(total(await metrics.points('smithy.client.http.requests.usage'), { state: 'in-flight' })).toBe(0);
    expect(total(await metrics.points('smithy.client.http.connections.acquire_duration'))).toBe(5);
    const phases = await metrics.points('wirescope.connection.phase.duration');
    expect(total(phases, { 'wirescope.phase': 'tls', 'wirescope.http.handler': 'fetch' })).toBe(connections);
    expect(total(await metrics.points('dns.lookup.duration'), { 'dns.question.name': 'localhost' })).toBe(
      connections,
    );
    await metrics.shutdown();
  });
});
