// Issue 3 on FetchHttpHandler: keep-alive sockets the server dropped while idle (FIN and RST, through
// the project's TCP proxy). On fetch a FIN surfaces as UND_ERR_SOCKET "other side closed", which the
// SDK does not retry; an RST surfaces as ECONNRESET (in `cause`), which it retries.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SpanStatusCode } from '@opentelemetry/api';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_ATTEMPT,
  ATTR_ATTEMPTS,
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_IDLE_MS,
  ATTR_CONNECTION_REUSED,
  ATTR_ERROR_TYPE,
  ATTR_SOCKET_ERROR,
  ATTR_SOCKET_RESET,
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
const BUCKET = 'fetch-faults';
const s3 = useS3Fixture(BUCKET, tracing, { handler: 'fetch' });
// Generous: the proxy counts any gap in traffic as idle, and on a busy 2-core machine event-loop lag
// inside one request must not look like an idle socket.
const IDLE_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const byStart = (a: { startTime: [number, number] }, b: { startTime: [number, number] }) =>
  a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];

interface Outcome {
  ok: boolean;
  attempts: number | undefined;
  errorName?: string;
  errorMessage?: string;
  causeCode?: unknown;
  proxyConnections: number;
  proxyDrops: number;
}

/** put → idle past the proxy's limit → put, on a fresh proxy, with or without the plugin. */
async function staleSocketRun(drop: Omit<TcpProxyOptions, 'target'>, withPlugin: boolean): Promise<Outcome> {
  const handle = await s3.proxy(drop);
  const client = createS3Client(`https://localhost:${handle.port}`, { handler: 'fetch' });
  if (withPlugin) client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  try {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a', Body: 'one' }));
    await sleep(IDLE_MS + 500);
    const second = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'b', Body: 'two' }));
    return {
      ok: true,
      attempts: second.$metadata.attempts,
      proxyConnections: handle.connectionsAccepted,
      proxyDrops: handle.droppedConnections,
    };
  } catch (error) {
    const e = error as Error & { cause?: { code?: unknown }; $metadata?: { attempts?: number } };
    return {
      ok: false,
      attempts: e.$metadata?.attempts,
      errorName: e.name,
      errorMessage: e.message,
      causeCode: e.cause?.code,
      proxyConnections: handle.connectionsAccepted,
      proxyDrops: handle.droppedConnections,
    };
  } finally {
    client.destroy();
  }
}

function secondCall() {
  const spans = tracing.spans();
  const ops = spansNamed(spans, 'S3.PutObject').sort(byStart);
  expect(ops).toHaveLength(2);
  const op = ops[1]!;
  const attempts = childrenOf(spans, op).sort(byStart);
  return { spans, op, attempts };
}

describe('fetch handler: a keep-alive socket dropped by the server while idle', () => {
  it('FIN: not retried, the call fails the same with and without the plugin; the spans say why', async () => {
    const bare = await staleSocketRun({ finAfterIdleMs: IDLE_MS }, false);
    tracing.reset();
    const traced = await staleSocketRun({ finAfterIdleMs: IDLE_MS }, true);
    expect(traced, JSON.stringify({ bare, traced })).toEqual(bare);
    expect(traced.ok).toBe(false);
    expect(traced.errorName).toBe('TypeError');
    expect(traced.errorMessage).toBe('fetch failed');
    expect(traced.causeCode).toBe('UND_ERR_SOCKET');
    expect(traced.proxyDrops).toBe(1);

    const { spans, op, attempts } = secondCall();
    expect(op.status.code).toBe(SpanStatusCode.ERROR);
    expect(attr(op, ATTR_ATTEMPTS)).toBe(1);
    expect(attr(op, ATTR_ERROR_TYPE)).toBe('UND_ERR_SOCKET');
    expect(attempts).toHaveLength(1);
    const [first] = attempts;
    expect(attr(first!, ATTR_ATTEMPT)).toBe(1);
    expect(attr(first!, ATTR_CONNECTION_REUSED)).toBe(true);
    expect(attr(first!, ATTR_SOCKET_RESET)).toBe(true);
    expect(attr(first!, ATTR_ERROR_TYPE)).toBe('UND_ERR_SOCKET');
    expect(attr(first!, ATTR_SOCKET_ERROR)).toBe('other side closed');
    expect(attr(first!, ATTR_CONNECTION_IDLE_MS)).toBeGreaterThanOrEqual(IDLE_MS);
    expect(first!.status.code).toBe(SpanStatusCode.ERROR);
    // A reused socket pays no connection phases.
    expect(childrenOf(spans, first!)).toHaveLength(0);
  });

  it('RST: retried on a new connection, two attempts, the first reset, the second with phases', async () => {
    const bare = await staleSocketRun({ resetAfterIdleMs: IDLE_MS }, false);
    tracing.reset();
    const traced = await staleSocketRun({ resetAfterIdleMs: IDLE_MS }, true);
    expect(traced, JSON.stringify({ bare, traced })).toEqual(bare);
    expect(traced.ok).toBe(true);
    expect(traced.attempts).toBe(2);
    expect(traced.proxyConnections).toBe(2);

    const { spans, op, attempts } = secondCall();
    expect(op.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(attr(op, ATTR_ATTEMPTS)).toBe(2);
    expect(attempts).toHaveLength(2);
    const [first, second] = attempts;
    expect(attr(first!, ATTR_CONNECTION_REUSED)).toBe(true);
    expect(attr(first!, ATTR_SOCKET_RESET)).toBe(true);
    expect(attr(first!, ATTR_ERROR_TYPE)).toBe('ECONNRESET');
    expect(attr(first!, ATTR_CONNECTION_IDLE_MS)).toBeGreaterThanOrEqual(IDLE_MS);
    expect(attr(second!, ATTR_ATTEMPT)).toBe(2);
    expect(attr(second!, ATTR_CONNECTION_REUSED)).toBe(false);
    expect(attr(second!, ATTR_SOCKET_RESET)).toBeUndefined();
    expect(attr(second!, ATTR_CONNECTION_ID)).not.toBe(attr(first!, ATTR_CONNECTION_ID));
    const phases = childrenOf(spans, second!).map((s) => s.name);
    expect(phases).toContain(SPAN_TCP_CONNECT);
    expect(phases).toContain(SPAN_TLS_HANDSHAKE);
  });
});
