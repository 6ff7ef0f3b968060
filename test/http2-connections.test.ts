// Issue 17 on NodeHttp2Handler: an HTTP/2 session is the connection. A local node:http2 TLS server (the
// test certificate) answers S3 PutObject/GetObject; the real SDK, the real OpenTelemetry SDK, counted
// against the sessions the server really accepted.
import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { disableWirescope, enableWirescope, wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_IDLE_MS,
  ATTR_CONNECTION_QUEUE_MS,
  ATTR_CONNECTION_REQUESTS,
  ATTR_CONNECTION_REUSED,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP2_STREAMS_IN_FLIGHT,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TLS_PROTOCOL_VERSION,
  ATTR_TTFB_MS,
  HTTP_HANDLER_NODE_HTTP2,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { attr, parentOf, spansNamed } from './support/span-query.js';
import { testCertificate } from './support/tls-cert.js';

/** A minimal S3 over HTTP/2: PUT stores the body under the path, GET returns it; both after `delayMs`. */
interface H2S3Server {
  readonly port: number;
  /** TLS sessions the server accepted so far (each one client HTTP/2 session). */
  readonly sessions: number;
  /** Streams it answered. */
  readonly streams: number;
  close(): Promise<void>;
}

async function startServer(delayMs: number): Promise<H2S3Server> {
  const objects = new Map<string, Buffer>();
  let sessions = 0;
  let streams = 0;
  const server = http2.createSecureServer({ ...testCertificate() });
  server.on('session', () => {
    sessions += 1;
  });
  server.on('stream', (stream, headers) => {
    streams += 1;
    const path = String(headers[':path']).split('?')[0] ?? '/';
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      setTimeout(() => {
        if (stream.destroyed) return;
        if (headers[':method'] === 'PUT') {
          objects.set(path, Buffer.concat(chunks));
          stream.respond({ ':status': 200, etag: `"etag-${objects.size}"` });
          stream.end();
          return;
        }
        const body = objects.get(path);
        if (!body) {
          stream.respond({ ':status': 404, 'content-type': 'application/xml' });
          stream.end('<Error><Code>NoSuchKey</Code><Message>none</Message></Error>');
          return;
        }
        stream.respond({ ':status': 200, 'content-length': String(body.length) });
        stream.end(body);
      }, delayMs);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    get sessions() {
      return sessions;
    },
    get streams() {
      return streams;
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Before any plugin exists in this process: node:http2's own connect.
const ORIGINAL_CONNECT = http2.connect;
const tracing = createTestTracing();
const BUCKET = 'h2-bucket';
const IDLE_SLEEP_MS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: H2S3Server;
beforeAll(async () => {
  server = await startServer(30);
});
afterAll(async () => {
  await tracing.shutdown();
  await server.close();
});

function client(plugin: 'traced' | 'no-provider' | 'none'): S3Client {
  const s3 = createS3Client(`https://localhost:${server.port}`, { requestHandler: new NodeHttp2Handler() });
  if (plugin === 'traced') s3.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  if (plugin === 'no-provider') s3.middlewareStack.use(wirescope());
  return s3;
}

/** Three sequential calls (put, get, put), then five concurrent puts: what the caller sees of them. */
async function calls(s3: S3Client, tag: string, concurrent: boolean) {
  if (!concurrent) {
    const results: unknown[] = [];
    const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${tag}-a`, Body: 'alpha' }));
    results.push(put.ETag);
    await sleep(IDLE_SLEEP_MS);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${tag}-a` }));
    results.push(await got.Body?.transformToString(), got.$metadata.httpStatusCode);
    await sleep(IDLE_SLEEP_MS);
    const again = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${tag}-b`, Body: 'beta' }));
    results.push(again.ETag !== undefined, again.$metadata.attempts);
    return results;
  }
  const puts = await Promise.all(
    [0, 1, 2, 3, 4].map((i) =>
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${tag}-c${i}`, Body: `body ${i}` })),
    ),
  );
  return puts.map((put) => [put.ETag !== undefined, put.$metadata.httpStatusCode, put.$metadata.attempts]);
}

const attemptsOf = () => [
  ...spansNamed(tracing.spans(), 'S3.PutObject attempt'),
  ...spansNamed(tracing.spans(), 'S3.GetObject attempt'),
];
const byStart = (a: { startTime: [number, number] }, b: { startTime: [number, number] }) =>
  a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];

describe('NodeHttp2Handler: the session is the connection', () => {
  it('three sequential calls: one session, one handshake, reused false/true/true, idle time on reuse', async () => {
    tracing.reset();
    const sessionsBefore = server.sessions;
    const s3 = client('traced');
    const results = await calls(s3, 'seq', false);
    s3.destroy();
    expect(results).toEqual(['"etag-1"', 'alpha', 200, true, 1]);
    expect(server.sessions - sessionsBefore).toBe(1);

    const spans = tracing.spans();
    const attempts = attemptsOf().sort(byStart);
    expect(attempts).toHaveLength(3);
    expect(attempts.map((a) => attr(a, ATTR_CONNECTION_REUSED))).toEqual([false, true, true]);
    expect(attempts.map((a) => attr(a, ATTR_CONNECTION_REQUESTS))).toEqual([1, 2, 3]);
    expect(attempts.map((a) => attr(a, ATTR_HTTP2_STREAMS_IN_FLIGHT))).toEqual([0, 0, 0]);
    expect(attempts.map((a) => attr(a, ATTR_HTTP_RESPONSE_STATUS_CODE))).toEqual([200, 200, 200]);
    const ids = new Set(attempts.map((a) => attr(a, ATTR_CONNECTION_ID)));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(new RegExp(`^c${process.pid}-\\d+$`));
    for (const attempt of attempts) {
      expect(attr(attempt, ATTR_HTTP_HANDLER)).toBe(HTTP_HANDLER_NODE_HTTP2);
      expect(attr(attempt, ATTR_NETWORK_PROTOCOL_VERSION)).toBe('2');
      expect(attr(attempt, ATTR_SERVER_ADDRESS)).toBe('localhost');
      expect(attr(attempt, ATTR_SERVER_PORT)).toBe(server.port);
      expect(attr(attempt, ATTR_NETWORK_PEER_ADDRESS)).toBe('127.0.0.1');
      expect(attr(attempt, ATTR_NETWORK_PEER_PORT)).toBe(server.port);
      // The server answers 30 ms after the request ended.
      expect(attr(attempt, ATTR_TTFB_MS)).toBeGreaterThanOrEqual(29);
    }
    expect(attr(attempts[0]!, ATTR_CONNECTION_IDLE_MS)).toBeUndefined();
    for (const reused of attempts.slice(1)) {
      // A timer may fire up to a millisecond early.
      expect(attr(reused, ATTR_CONNECTION_IDLE_MS)).toBeGreaterThanOrEqual(IDLE_SLEEP_MS - 1);
      // Linked to the attempt that opened the session.
      expect(reused.links.map((link) => link.context.spanId)).toEqual([attempts[0]!.spanContext().spanId]);
    }
    expect(attempts[0]!.links).toEqual([]);

    // The phases happened once, as children of the first attempt; ALPN said h2.
    for (const name of [SPAN_DNS_LOOKUP, SPAN_TCP_CONNECT, SPAN_TLS_HANDSHAKE]) {
      const phase = spansNamed(spans, name);
      expect(phase, name).toHaveLength(1);
      expect(parentOf(spans, phase[0]!)).toBe(attempts[0]);
      expect(attr(phase[0]!, ATTR_HTTP_HANDLER)).toBe(HTTP_HANDLER_NODE_HTTP2);
      expect(attr(phase[0]!, ATTR_CONNECTION_ID)).toBe([...ids][0]);
    }
    const handshake = spansNamed(spans, SPAN_TLS_HANDSHAKE)[0]!;
    expect(attr(handshake, ATTR_NETWORK_PROTOCOL_VERSION)).toBe('2');
    expect(attr(handshake, ATTR_TLS_PROTOCOL_VERSION)).toBe('1.3');
    expect(attr(attempts[0]!, ATTR_TLS_PROTOCOL_VERSION)).toBe('1.3');
  });

  it('five concurrent calls multiplex on one session: one handshake, streams in flight', async () => {
    tracing.reset();
    const sessionsBefore = server.sessions;
    const s3 = client('traced');
    const results = await calls(s3, 'par', true);
    s3.destroy();
    expect(results).toEqual(Array.from({ length: 5 }, () => [true, 200, 1]));
    expect(server.sessions - sessionsBefore).toBe(1);

    const spans = tracing.spans();
    const attempts = attemptsOf().sort(byStart);
    expect(attempts).toHaveLength(5);
    expect(new Set(attempts.map((a) => attr(a, ATTR_CONNECTION_ID))).size).toBe(1);
    expect(spansNamed(spans, SPAN_TLS_HANDSHAKE)).toHaveLength(1);
    expect(spansNamed(spans, SPAN_TCP_CONNECT)).toHaveLength(1);
    const reused = attempts.map((a) => attr(a, ATTR_CONNECTION_REUSED));
    expect(reused.filter((value) => value === false)).toHaveLength(1);
    // Each stream sees the ones requested before it still open (the server holds every answer 30 ms).
    const inFlight = attempts.map((a) => Number(attr(a, ATTR_HTTP2_STREAMS_IN_FLIGHT)));
    expect(inFlight.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(attempts.map((a) => attr(a, ATTR_CONNECTION_REQUESTS)).sort()).toEqual([1, 2, 3, 4, 5]);
    // No idle time on a busy session; a stream that joined the session while it was connecting waited
    // for it (queue_ms), the opener did not.
    for (const attempt of attempts) expect(attr(attempt, ATTR_CONNECTION_IDLE_MS)).toBeUndefined();
    const opener = attempts.find((a) => attr(a, ATTR_CONNECTION_REUSED) === false)!;
    expect(attr(opener, ATTR_CONNECTION_QUEUE_MS)).toBeUndefined();
  });

  it('disableWirescope restores http2.connect and records nothing; enableWirescope patches it again', async () => {
    const s3 = client('traced'); // the plugin's switch is on from here
    expect(http2.connect).not.toBe(ORIGINAL_CONNECT);
    disableWirescope();
    try {
      expect(http2.connect).toBe(ORIGINAL_CONNECT);
      tracing.reset();
      await calls(s3, 'off', false);
      expect(tracing.spans()).toEqual([]);
    } finally {
      enableWirescope();
    }
    expect(http2.connect).not.toBe(ORIGINAL_CONNECT);
    tracing.reset();
    const fresh = client('traced');
    await calls(fresh, 'on', false);
    s3.destroy();
    fresh.destroy();
    expect(spansNamed(tracing.spans(), SPAN_TLS_HANDSHAKE)).toHaveLength(1);
  });

  it('without a tracer provider, or without the plugin, the same calls give the same results', async () => {
    const results = async (plugin: 'traced' | 'no-provider' | 'none', tag: string) => {
      const sessionsBefore = server.sessions;
      const streamsBefore = server.streams;
      const s3 = client(plugin);
      const sequential = await calls(s3, tag, false);
      const concurrent = await calls(s3, tag, true);
      s3.destroy();
      return {
        sequential,
        concurrent,
        sessions: server.sessions - sessionsBefore,
        streams: server.streams - streamsBefore,
      };
    };
    const traced = await results('traced', 'same-1');
    const noProvider = await results('no-provider', 'same-2');
    const bare = await results('none', 'same-3');
    // ETags count the server's objects: compare their shape, not the running number.
    const shape = (r: typeof traced) => ({
      ...r,
      sequential: [typeof r.sequential[0], ...r.sequential.slice(1)],
    });
    expect(shape(noProvider)).toEqual(shape(traced));
    expect(shape(bare)).toEqual(shape(traced));
    expect(traced.sessions).toBe(1);
    expect(traced.streams).toBe(8);
  });
});
