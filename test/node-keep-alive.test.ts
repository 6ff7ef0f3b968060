// Issue 2 on the default NodeHttpHandler: reuse, no reuse, the 100-continue path, idempotence, and no
// tracer provider. Real s3rver over HTTPS, real SDK, real OTel SDK with an in-memory exporter.
import https from 'node:https';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_ATTEMPT,
  ATTR_ATTEMPTS,
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_IDLE_MS,
  ATTR_CONNECTION_REUSED,
  ATTR_EVENT_STREAM,
  ATTR_EXPECT_CONTINUE_WAIT_MS,
  ATTR_RPC_SERVICE,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import { describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { useS3Fixture } from './support/s3-fixture.js';
import { attr, parentOf, spansNamed } from './support/span-query.js';

const tracing = createTestTracing();
const BUCKET = 'keep-alive';
const s3 = useS3Fixture(BUCKET, tracing);

function put(client: S3Client, key: string, body: string | Uint8Array = 'hello') {
  return client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

describe('default NodeHttpHandler over HTTPS', () => {
  it('10 sequential PutObject: one connection, one handshake under attempt 1, nine reuses', async () => {
    const client = createS3Client(s3.server.endpoint);
    client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
    for (let i = 0; i < 10; i++) {
      await put(client, `k${i}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    client.destroy();

    const spans = tracing.spans();
    const operations = spansNamed(spans, 'S3.PutObject');
    const attempts = spansNamed(spans, 'S3.PutObject attempt');
    expect(operations).toHaveLength(10);
    expect(attempts).toHaveLength(10);
    for (const op of operations) {
      expect(attr(op, ATTR_RPC_SERVICE)).toBe('S3');
      expect(attr(op, ATTR_ATTEMPTS)).toBe(1);
      // Not an event stream: only event-stream operations carry wirescope.event_stream.
      expect(attr(op, ATTR_EVENT_STREAM)).toBeUndefined();
    }
    const tcp = spansNamed(spans, SPAN_TCP_CONNECT);
    const tls = spansNamed(spans, SPAN_TLS_HANDSHAKE);
    expect(tcp).toHaveLength(1);
    expect(tls).toHaveLength(1);

    const ordered = [...attempts].sort((a, b) => compareTime(a.startTime, b.startTime));
    const first = ordered[0]!;
    expect(parentOf(spans, tcp[0]!)?.spanContext().spanId).toBe(first.spanContext().spanId);
    expect(parentOf(spans, tls[0]!)?.spanContext().spanId).toBe(first.spanContext().spanId);
    expect(attr(first, ATTR_CONNECTION_REUSED)).toBe(false);
    for (const attempt of ordered.slice(1)) {
      expect(attr(attempt, ATTR_CONNECTION_REUSED)).toBe(true);
      // The loop sleeps 5 ms between calls, after the response was read: idle at least that long.
      expect(attr(attempt, ATTR_CONNECTION_IDLE_MS)).toBeGreaterThanOrEqual(4);
    }
    const ids = new Set(attempts.map((a) => attr(a, ATTR_CONNECTION_ID)));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBeTypeOf('string');
    // Every attempt hangs under its operation.
    for (const attempt of attempts) expect(parentOf(spans, attempt)?.name).toBe('S3.PutObject');
  });

  it('an https.Agent with keepAlive off: a handshake per call, no reuse', async () => {
    const agent = new https.Agent({ keepAlive: false });
    const client = createS3Client(s3.server.endpoint, { httpsAgent: agent });
    client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
    for (let i = 0; i < 4; i++) await put(client, `nk${i}`);
    client.destroy();
    const spans = tracing.spans();
    const attempts = spansNamed(spans, 'S3.PutObject attempt');
    expect(attempts).toHaveLength(4);
    expect(spansNamed(spans, SPAN_TLS_HANDSHAKE)).toHaveLength(4);
    expect(spansNamed(spans, SPAN_TCP_CONNECT)).toHaveLength(4);
    for (const attempt of attempts) expect(attr(attempt, ATTR_CONNECTION_REUSED)).toBe(false);
    expect(new Set(attempts.map((a) => attr(a, ATTR_CONNECTION_ID))).size).toBe(4);
  });

  it('a 3 MiB PutObject waits for 100-continue on a new connection', async () => {
    const client = createS3Client(s3.server.endpoint);
    client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
    await put(client, 'small');
    await put(client, 'big', new Uint8Array(3 * 1024 * 1024).fill(7));
    client.destroy();
    const spans = tracing.spans();
    const attempts = spansNamed(spans, 'S3.PutObject attempt').sort((a, b) =>
      compareTime(a.startTime, b.startTime),
    );
    expect(attempts).toHaveLength(2);
    const big = attempts[1]!;
    // The SDK's one-off keepAlive:false agent for Expect: 100-continue never reuses the pool.
    expect(attr(big, ATTR_CONNECTION_REUSED)).toBe(false);
    expect(attr(big, ATTR_EXPECT_CONTINUE_WAIT_MS)).toBeTypeOf('number');
    expect(spansNamed(spans, SPAN_TLS_HANDSHAKE).filter((s) => parentOf(spans, s) === big)).toHaveLength(1);
  });

  it('using the plugin twice yields one set of spans', async () => {
    const client = createS3Client(s3.server.endpoint);
    client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
    client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
    await put(client, 'twice');
    client.destroy();
    const spans = tracing.spans();
    expect(spansNamed(spans, 'S3.PutObject')).toHaveLength(1);
    expect(spansNamed(spans, 'S3.PutObject attempt')).toHaveLength(1);
    expect(attr(spansNamed(spans, 'S3.PutObject attempt')[0]!, ATTR_ATTEMPT)).toBe(1);
  });

  it('with no tracer provider registered the SDK works unchanged and nothing is recorded', async () => {
    const client = createS3Client(s3.server.endpoint);
    client.middlewareStack.use(wirescope());
    const result = await put(client, 'no-provider');
    client.destroy();
    expect(result.$metadata.httpStatusCode).toBe(200);
    expect(tracing.spans()).toHaveLength(0);
  });
});

function compareTime(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}
