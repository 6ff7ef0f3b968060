// Issue 3 on FetchHttpHandler (Node's fetch, i.e. undici): new vs reused connections and phase spans,
// counted against the real connections the project's TCP proxy accepted. Real s3rver over HTTPS, real
// SDK, real OTel SDK.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_ATTEMPT,
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_IDLE_MS,
  ATTR_CONNECTION_REUSED,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TLS_PROTOCOL_VERSION,
  ATTR_TLS_RESUMED,
  ATTR_TTFB_MS,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import { describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { useS3Fixture } from './support/s3-fixture.js';
import { attr, childrenOf, parentOf, spansNamed } from './support/span-query.js';
import type { TcpProxyHandle } from './support/tcp-proxy.js';

const tracing = createTestTracing();
const BUCKET = 'fetch-connections';
const s3 = useS3Fixture(BUCKET, tracing, { handler: 'fetch' });

/** A fresh proxy (so a fresh undici pool: the pool is per origin) in front of s3rver. */
const proxy = (latencyMs = 0): Promise<TcpProxyHandle> => s3.proxy({ latencyMs });

function tracedClient(handle: TcpProxyHandle): S3Client {
  const client = createS3Client(`https://localhost:${handle.port}`, { handler: 'fetch' });
  client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  return client;
}

/** Sleep between sequential calls: a lower bound of every reused socket's idle_ms. */
const IDLE_SLEEP_MS = 20;

const ms = (span: { duration: [number, number] }) => span.duration[0] * 1e3 + span.duration[1] / 1e6;

describe('fetch handler: connections', () => {
  it('10 sequential PutObject: handshakes = real connections, reused = calls − connections', async () => {
    const handle = await proxy();
    const client = tracedClient(handle);
    for (let i = 0; i < 10; i++) {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `seq-${i}`, Body: `body ${i}` }));
      await new Promise((resolve) => setTimeout(resolve, IDLE_SLEEP_MS));
    }
    client.destroy();

    const spans = tracing.spans();
    const attempts = spansNamed(spans, 'S3.PutObject attempt');
    const connections = handle.connectionsAccepted;
    expect(attempts).toHaveLength(10);
    expect(connections).toBeGreaterThanOrEqual(1);
    expect(spansNamed(spans, SPAN_TLS_HANDSHAKE)).toHaveLength(connections);
    expect(spansNamed(spans, SPAN_TCP_CONNECT)).toHaveLength(connections);
    expect(spansNamed(spans, SPAN_DNS_LOOKUP)).toHaveLength(connections);
    const reused = attempts.filter((a) => attr(a, ATTR_CONNECTION_REUSED) === true);
    expect(reused).toHaveLength(10 - connections);
    expect(attempts.filter((a) => attr(a, ATTR_CONNECTION_REUSED) === false)).toHaveLength(connections);
    expect(new Set(attempts.map((a) => attr(a, ATTR_CONNECTION_ID))).size).toBe(connections);
    for (const a of attempts) {
      expect(attr(a, ATTR_HTTP_HANDLER)).toBe('fetch');
      expect(attr(a, ATTR_HTTP_RESPONSE_STATUS_CODE)).toBe(200);
      expect(attr(a, ATTR_SERVER_ADDRESS)).toBe('localhost');
      expect(attr(a, ATTR_SERVER_PORT)).toBe(handle.port);
      expect(attr(a, ATTR_NETWORK_PEER_ADDRESS)).toBe('127.0.0.1');
      expect(attr(a, ATTR_TTFB_MS)).toBeGreaterThan(0);
    }
    // Each reused socket sat idle at least the sleep between calls (the body was read before it).
    for (const a of reused)
      expect(attr(a, ATTR_CONNECTION_IDLE_MS)).toBeGreaterThanOrEqual(IDLE_SLEEP_MS - 1);
    // The first attempt paid the connection: TLS facts and the three phases are its children.
    const first = attempts.find((a) => attr(a, ATTR_CONNECTION_REUSED) === false)!;
    expect(attr(first, ATTR_TLS_PROTOCOL_VERSION)).toBe('1.3');
    expect(typeof attr(first, ATTR_TLS_RESUMED)).toBe('boolean');
    expect(
      childrenOf(spans, first)
        .map((s) => s.name)
        .sort(),
    ).toEqual([SPAN_DNS_LOOKUP, SPAN_TCP_CONNECT, SPAN_TLS_HANDSHAKE].sort());
    console.info(
      `sequential: ${attempts.length} calls, ${connections} proxy connections, ${reused.length} reused`,
    );
  });

  it('5 concurrent calls through 40 ms: one tls.handshake per real connection, each under an attempt', async () => {
    const handle = await proxy(40);
    const client = tracedClient(handle);
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `par-${i}`, Body: `body ${i}` })),
      ),
    );
    client.destroy();

    const spans = tracing.spans();
    const connections = handle.connectionsAccepted;
    const attempts = spansNamed(spans, 'S3.PutObject attempt');
    const handshakes = spansNamed(spans, SPAN_TLS_HANDSHAKE);
    expect(attempts).toHaveLength(5);
    // undici has no connection limit by default: five concurrent requests open five connections.
    expect(connections).toBe(5);
    expect(handshakes).toHaveLength(connections);
    const owners = handshakes.map((h) => parentOf(spans, h));
    for (const owner of owners) expect(owner?.name).toBe('S3.PutObject attempt');
    // One handshake per connection and per attempt: no attempt got two, none was traced twice.
    expect(new Set(owners.map((o) => o?.spanContext().spanId)).size).toBe(connections);
    expect(new Set(handshakes.map((h) => attr(h, ATTR_CONNECTION_ID))).size).toBe(connections);
    for (const h of handshakes) {
      // The handshake's connection is the one its attempt ran on.
      expect(attr(h, ATTR_CONNECTION_ID)).toBe(attr(parentOf(spans, h)!, ATTR_CONNECTION_ID));
      // TLS 1.3 is one round trip through the proxy (2 × 40 ms) plus the proxy's first-read delay.
      expect(ms(h)).toBeGreaterThanOrEqual(80);
    }
    const tcp = spansNamed(spans, SPAN_TCP_CONNECT);
    expect(tcp).toHaveLength(connections);
    for (const t of tcp) expect(parentOf(spans, t)?.name).toBe('S3.PutObject attempt');
    for (const a of attempts) expect(attr(a, ATTR_ATTEMPT)).toBe(1);
    console.info(
      `concurrent: ${connections} proxy connections; tls.handshake ms ${handshakes.map((h) => ms(h).toFixed(1)).join(', ')}; tcp.connect ms ${tcp.map((t) => ms(t).toFixed(1)).join(', ')}`,
    );
  });
});
