// Issue 2: what the wire does to calls on the default NodeHttpHandler — idle sockets dropped by the
// server (RST and FIN), latency, and a saturated socket pool — through the project's TCP proxy.
import https from 'node:https';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_ATTEMPTS,
  ATTR_CONNECTION_IDLE_MS,
  ATTR_CONNECTION_QUEUE_MS,
  ATTR_CONNECTION_REUSED,
  ATTR_ERROR_TYPE,
  ATTR_SOCKET_RESET,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import { describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { useS3Fixture } from './support/s3-fixture.js';
import { attr, childrenOf, spansNamed } from './support/span-query.js';
import type { TcpProxyOptions } from './support/tcp-proxy.js';

const tracing = createTestTracing();
const BUCKET = 'faults';
const s3 = useS3Fixture(BUCKET, tracing);

async function proxy(options: Omit<TcpProxyOptions, 'target'>): Promise<string> {
  const handle = await s3.proxy(options);
  return `https://localhost:${handle.port}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const byStart = (a: { startTime: [number, number] }, b: { startTime: [number, number] }) =>
  a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];

/** Runs put → idle → put with and without the plugin; returns both outcomes for comparison. */
async function staleSocketRun(endpoint: string, withPlugin: boolean) {
  const client = createS3Client(endpoint);
  if (withPlugin) client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a', Body: 'one' }));
  await sleep(300);
  const second = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'b', Body: 'two' }));
  client.destroy();
  return { status: second.$metadata.httpStatusCode, attempts: second.$metadata.attempts, etag: second.ETag };
}

describe.each([
  ['RST', { resetAfterIdleMs: 150 }, 'ECONNRESET'],
  ['FIN', { finAfterIdleMs: 150 }, 'ECONNRESET'],
] as const)('a socket dropped by the server after idling (%s)', (_kind, drop, errorType) => {
  it('retries on a new connection, and the spans show the reset and both attempts', async () => {
    const bare = await staleSocketRun(await proxy(drop), false);
    tracing.reset();
    const traced = await staleSocketRun(await proxy(drop), true);
    // The SDK's own behaviour is the same with and without the plugin.
    expect(traced).toEqual(bare);
    expect(traced.attempts).toBe(2);

    const spans = tracing.spans();
    const op = spansNamed(spans, 'S3.PutObject').sort(byStart)[1]!;
    expect(attr(op, ATTR_ATTEMPTS)).toBe(2);
    const [first, second] = childrenOf(spans, op).sort(byStart);
    expect(attr(first!, ATTR_CONNECTION_REUSED)).toBe(true);
    expect(attr(first!, ATTR_SOCKET_RESET)).toBe(true);
    expect(attr(first!, ATTR_ERROR_TYPE)).toBe(errorType);
    expect(attr(first!, ATTR_CONNECTION_IDLE_MS)).toBeGreaterThanOrEqual(150);
    expect(attr(second!, ATTR_CONNECTION_REUSED)).toBe(false);
    const phases = childrenOf(spans, second!).map((s) => s.name);
    expect(phases).toContain(SPAN_TCP_CONNECT);
    expect(phases).toContain(SPAN_TLS_HANDSHAKE);
    expect(phases).toContain(SPAN_DNS_LOOKUP);
  });
});

describe('latency and queueing', () => {
  it('40 ms each way shows in the TLS handshake (≥ 80 ms)', async () => {
    const endpoint = await proxy({ latencyMs: 40 });
    const client = createS3Client(endpoint);
    client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'slow', Body: 'x' }));
    client.destroy();
    const tls = spansNamed(tracing.spans(), SPAN_TLS_HANDSHAKE);
    expect(tls).toHaveLength(1);
    const ms = tls[0]!.duration[0] * 1e3 + tls[0]!.duration[1] / 1e6;
    expect(ms).toBeGreaterThanOrEqual(80);
  });

  it('maxSockets 2 with 8 concurrent slow calls: queued attempts carry queue_ms', async () => {
    const endpoint = await proxy({ latencyMs: 30 });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 2 });
    const client = createS3Client(endpoint, { httpsAgent: agent });
    client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'q', Body: 'q' }));
    tracing.reset();
    await Promise.all(
      Array.from({ length: 8 }, () =>
        client
          .send(new GetObjectCommand({ Bucket: BUCKET, Key: 'q' }))
          .then((r) => r.Body?.transformToString()),
      ),
    );
    client.destroy();
    const attempts = spansNamed(tracing.spans(), 'S3.GetObject attempt');
    expect(attempts).toHaveLength(8);
    const queued = attempts.filter((a) => typeof attr(a, ATTR_CONNECTION_QUEUE_MS) === 'number');
    expect(queued.length).toBeGreaterThanOrEqual(5);
    for (const a of queued) expect(attr(a, ATTR_CONNECTION_QUEUE_MS) as number).toBeGreaterThan(0);
    expect(spansNamed(tracing.spans(), SPAN_TLS_HANDSHAKE).length).toBeLessThanOrEqual(2);
  });
});
