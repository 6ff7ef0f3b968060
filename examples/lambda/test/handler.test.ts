// The Lambda handler invoked locally against s3rver (the project's test servers): the cold call pays
// DNS + TCP + TLS, the warm call reuses the socket; after a "freeze" longer than the server's idle
// cut-off the warm call writes into a dead socket, and the fix (an agent idle timeout under the
// cut-off) turns that into a plain new connection.
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../../test/support/clients.js';
import { createTestTracing } from '../../../test/support/otel.js';
import { createTestBucket, type S3ServerHandle, startS3Server } from '../../../test/support/s3-server.js';
import { startTcpProxy, type TcpProxyHandle } from '../../../test/support/tcp-proxy.js';
import { makeHandler } from '../src/handler.js';

const BUCKET = 'lambda-payloads';
const PAYLOAD = Buffer.alloc(1024 * 1024, 'p').toString('base64'); // 1 MB, as API Gateway passes it
const IDLE_DROP_MS = 300;
const tracing = createTestTracing();
let s3: S3ServerHandle;
let dropping: TcpProxyHandle;

const event = (id: string) => ({ body: PAYLOAD, isBase64Encoded: true, requestContext: { requestId: id } });
const childrenOf = (spans: ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);

/** The attempts of each S3.PutObject, in call order, with their phase span names. */
function calls(spans: ReadableSpan[]) {
  return spans
    .filter((s) => s.name === 'S3.PutObject')
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1])
    .map((op) =>
      childrenOf(spans, op)
        .sort((a, b) => Number(a.attributes['wirescope.attempt']) - Number(b.attributes['wirescope.attempt']))
        .map((attempt) => ({
          reused: attempt.attributes['wirescope.connection.reused'],
          error: attempt.attributes['error.type'],
          phases: childrenOf(spans, attempt)
            .map((p) => p.name)
            .sort(),
        })),
    );
}

beforeAll(async () => {
  s3 = await startS3Server();
  const setup = createS3Client(s3.endpoint);
  await createTestBucket(setup, BUCKET);
  setup.destroy();
  dropping = await startTcpProxy({
    target: { host: '127.0.0.1', port: s3.port },
    resetAfterIdleMs: IDLE_DROP_MS,
  });
});
afterEach(() => tracing.reset());
afterAll(async () => {
  await dropping.close();
  await s3.close();
  await tracing.shutdown();
});

describe('lambda handler, invoked locally twice', () => {
  it('cold call: dns.lookup + tcp.connect + tls.handshake; warm call: the same socket, no phase spans', async () => {
    const client = createS3Client(s3.endpoint);
    const handler = makeHandler(client, BUCKET, { tracerProvider: tracing.provider });
    const cold = await handler(event('cold'));
    const warm = await handler(event('warm'));
    client.destroy();
    expect(cold.statusCode).toBe(201);
    expect(JSON.parse(warm.body)).toEqual({ key: 'payloads/warm', bytes: 1024 * 1024 });

    const [coldAttempts, warmAttempts] = calls(tracing.spans());
    expect(coldAttempts).toEqual([
      { reused: false, error: undefined, phases: ['dns.lookup', 'tcp.connect', 'tls.handshake'] },
    ]);
    expect(warmAttempts).toEqual([{ reused: true, error: undefined, phases: [] }]);
  });

  it('after a freeze longer than the idle cut-off, the warm call hits a dead socket; the idle-timeout fix avoids it', async () => {
    const endpoint = `https://localhost:${dropping.port}`;
    // As found: the SDK's default agent keeps the idle socket forever.
    const asFound = createS3Client(endpoint);
    const asFoundHandler = makeHandler(asFound, BUCKET, { tracerProvider: tracing.provider });
    await asFoundHandler(event('a1'));
    await sleep(IDLE_DROP_MS + 200); // the sandbox is frozen; the peer drops the idle socket
    await asFoundHandler(event('a2'));
    asFound.destroy();
    const [, staleCall] = calls(tracing.spans());
    expect(staleCall).toEqual([
      { reused: true, error: 'ECONNRESET', phases: [] },
      { reused: false, error: undefined, phases: ['dns.lookup', 'tcp.connect', 'tls.handshake'] },
    ]);
    tracing.reset();

    // The fix: the client closes sockets idle longer than half the peer's cut-off.
    const fixed = createS3Client(endpoint, {
      httpsAgent: new https.Agent({ keepAlive: true, timeout: IDLE_DROP_MS / 2 }),
    });
    const fixedHandler = makeHandler(fixed, BUCKET, { tracerProvider: tracing.provider });
    await fixedHandler(event('b1'));
    await sleep(IDLE_DROP_MS + 200);
    await fixedHandler(event('b2'));
    fixed.destroy();
    const [, freshCall] = calls(tracing.spans());
    expect(freshCall).toEqual([
      { reused: false, error: undefined, phases: ['dns.lookup', 'tcp.connect', 'tls.handshake'] },
    ]);
  });
});
