// HTTP/2 streams in the request metrics of the pool, as node:http requests are (issue 14 on issue 17's
// handler): a stream that waited (joined a session still connecting, or held at the peer's
// SETTINGS_MAX_CONCURRENT_STREAMS) records `http.client.request.time_in_queue` and
// `smithy.client.http.requests.queued_duration`, every stream that got its session records
// `smithy.client.http.connections.acquire_duration`, `smithy.client.http.requests.usage` counts streams
// queued and in flight, and `wirescope.socket.resets` counts exactly the streams the span side calls a
// reset. Against real node:http2 TLS servers on loopback, through the standalone
// Http2ConnectionInstrumentation (no tracer provider: metrics only) and the SDK plugin (every span dropped).
import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { wirescope } from '@wirescope/aws-sdk';
import { Http2ConnectionInstrumentation } from '@wirescope/instrumentation-http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createS3Client } from '../support/clients.js';
import { startH2Server } from '../support/h2-server.js';
import {
  createTestMetrics,
  type Point,
  type TestMetrics,
  throwingMeterProvider,
  total,
} from '../support/metrics.js';
import { testCertificate } from '../support/tls-cert.js';

const TIME_IN_QUEUE = 'http.client.request.time_in_queue';
const QUEUED_DURATION = 'smithy.client.http.requests.queued_duration';
const ACQUIRE = 'smithy.client.http.connections.acquire_duration';
const REQUESTS = 'smithy.client.http.requests.usage';
const RESETS = 'wirescope.socket.resets';
const HOLD_MS = 150;
const LOCALHOST = { 'server.address': 'localhost' };

/** A node:http2 TLS server on loopback; `onStream` answers the n-th stream it receives (from 1). */
interface Server {
  readonly origin: string;
  /** The TCP sockets it accepted, for a reset under a session. */
  readonly sockets: Socket[];
  close(): Promise<void>;
}

async function startServer(
  onStream: (stream: http2.ServerHttp2Stream, n: number) => void,
  settings: http2.Settings = {},
): Promise<Server> {
  const { key, cert } = testCertificate();
  const server = http2.createSecureServer({ key, cert, settings });
  const sessions = new Set<http2.ServerHttp2Session>();
  const sockets: Socket[] = [];
  let streams = 0;
  server.on('connection', (socket: Socket) => sockets.push(socket));
  server.on('session', (session) => {
    sessions.add(session);
    session.on('error', () => {});
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    streams += 1;
    onStream(stream, streams);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://localhost:${port}`,
    sockets,
    async close() {
      const closed = once(server, 'close');
      server.close();
      for (const session of sessions) session.destroy();
      await closed;
    },
  };
}

function answer(stream: http2.ServerHttp2Stream, delayMs = 0): void {
  setTimeout(() => {
    if (stream.destroyed) return;
    stream.respond({ ':status': 200 });
    stream.end('ok');
  }, delayMs);
}

/** One request whose body is read to the end; resolves at its 'close' with its error, never rejects. */
function request(session: http2.ClientHttp2Session, path = '/'): Promise<{ error?: { code?: string } }> {
  const stream = session.request({ ':path': path });
  let error: { code?: string } | undefined;
  stream.on('error', (e: Error & { code?: string }) => {
    error = e;
  });
  stream.resume();
  // Not events.once: it rejects on the 'error' this helper resolves with.
  return new Promise((resolve) => stream.on('close', () => resolve(error ? { error } : {})));
}

/** A connected session whose peer SETTINGS came (so its stream limit is known). */
async function connected(origin: string): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(origin, { ca: testCertificate().cert });
  session.on('error', () => {});
  await once(session, 'remoteSettings');
  return session;
}

async function closeSession(session: http2.ClientHttp2Session): Promise<void> {
  if (session.destroyed) return;
  const closed = once(session, 'close');
  session.close();
  await closed;
}

function histogram(points: Point[]): { count: number; sum: number } {
  return {
    count: points.reduce((n, point) => n + point.count, 0),
    sum: points.reduce((n, point) => n + point.sum, 0),
  };
}

async function usage(metrics: TestMetrics): Promise<{ queued: number; inFlight: number }> {
  const points = await metrics.points(REQUESTS);
  return {
    queued: total(points, { ...LOCALHOST, state: 'queued' }),
    inFlight: total(points, { ...LOCALHOST, state: 'in-flight' }),
  };
}

let metrics: TestMetrics;
let instrumentation: Http2ConnectionInstrumentation;
beforeEach(() => {
  metrics = createTestMetrics();
  instrumentation = new Http2ConnectionInstrumentation({ meterProvider: metrics.provider });
});
afterEach(async () => {
  instrumentation.disable();
  await metrics.shutdown();
});

describe('Http2ConnectionInstrumentation with a meterProvider: stream pool metrics', () => {
  it("a stream held at the peer's limit of 1: queued while the first is held, its wait recorded once", async () => {
    const server = await startServer((stream, n) => answer(stream, n === 1 ? HOLD_MS : 0), {
      maxConcurrentStreams: 1,
    });
    const session = await connected(server.origin);
    try {
      const before = performance.now();
      const first = request(session, '/held');
      const second = request(session, '/second');
      await new Promise((resolve) => setTimeout(resolve, HOLD_MS / 3));
      // The first in flight, the second held by nghttp2 behind it.
      expect(await usage(metrics)).toEqual({ queued: 1, inFlight: 1 });
      await Promise.all([first, second]);
      const after = performance.now();
      expect(await usage(metrics)).toEqual({ queued: 0, inFlight: 0 });
      for (const name of [TIME_IN_QUEUE, QUEUED_DURATION]) {
        const points = await metrics.points(name);
        expect(
          points.map((point) => point.attributes),
          name,
        ).toEqual([LOCALHOST]);
        const { count, sum } = histogram(points);
        expect(count, name).toBe(1);
        // Seconds: at least the hold (less a margin for the two requests' own gap), at most the whole.
        expect(sum, name).toBeGreaterThanOrEqual((HOLD_MS - 10) / 1000);
        expect(sum, name).toBeLessThanOrEqual((after - before) / 1000);
      }
      // Both got their session: the first at once, the second when its slot freed.
      const acquire = histogram(await metrics.points(ACQUIRE));
      expect(acquire.count).toBe(2);
      expect(acquire.sum).toBeGreaterThanOrEqual((HOLD_MS - 10) / 1000);
      expect(acquire.sum).toBeLessThanOrEqual((2 * (after - before)) / 1000);
      expect(total(await metrics.points(RESETS))).toBe(0);
    } finally {
      await closeSession(session);
      await server.close();
    }
  });

  it('streams on a connected session with free slots: no queue wait, an acquire each, in flight while held', async () => {
    const server = await startServer((stream) => answer(stream, 60));
    const session = await connected(server.origin);
    try {
      const all = [request(session), request(session), request(session)];
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await usage(metrics)).toEqual({ queued: 0, inFlight: 3 });
      await Promise.all(all);
      expect(await usage(metrics)).toEqual({ queued: 0, inFlight: 0 });
      expect(await metrics.points(TIME_IN_QUEUE)).toEqual([]);
      expect(await metrics.points(QUEUED_DURATION)).toEqual([]);
      const acquire = histogram(await metrics.points(ACQUIRE));
      expect(acquire.count).toBe(3);
      // Taken at once: well under the response time.
      expect(acquire.sum).toBeLessThan(0.03);
    } finally {
      await closeSession(session);
      await server.close();
    }
  });

  it('streams on a session still connecting: the opener is in flight, the others queued until it connects', async () => {
    const server = await startServer((stream) => answer(stream));
    const before = performance.now();
    const session = http2.connect(server.origin, { ca: testCertificate().cert });
    session.on('error', () => {});
    try {
      const all = [request(session), request(session), request(session)];
      expect(await usage(metrics)).toEqual({ queued: 2, inFlight: 1 });
      await Promise.all(all);
      const after = performance.now();
      expect(await usage(metrics)).toEqual({ queued: 0, inFlight: 0 });
      for (const name of [TIME_IN_QUEUE, QUEUED_DURATION]) {
        const { count, sum } = histogram(await metrics.points(name));
        expect(count, name).toBe(2);
        expect(sum, name).toBeGreaterThan(0);
        expect(sum, name).toBeLessThanOrEqual((2 * (after - before)) / 1000);
      }
      // All three waited for the connection (DNS, TCP, TLS): each acquire is the same wait.
      const acquire = await metrics.points(ACQUIRE);
      expect(acquire.map((point) => point.attributes)).toEqual([LOCALHOST]);
      expect(histogram(acquire).count).toBe(3);
      expect(histogram(acquire).sum).toBeGreaterThan(0);
    } finally {
      await closeSession(session);
      await server.close();
    }
  });
});

describe('Http2ConnectionInstrumentation with instruments that throw on record', () => {
  it('the streams go on (held, waited, reset), the failures go to diag', async () => {
    const warnings: string[] = [];
    const warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
    const quiet = () => {};
    const logger: DiagLogger = { error: quiet, warn, info: quiet, debug: quiet, verbose: quiet };
    diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    instrumentation.disable();
    const meterProvider = throwingMeterProvider();
    instrumentation = new Http2ConnectionInstrumentation({ meterProvider });
    let server: Server | undefined;
    server = await startServer(
      (stream, n) => {
        if (n <= 2) return answer(stream, n === 1 ? 40 : 0);
        for (const socket of server?.sockets ?? []) socket.resetAndDestroy();
      },
      { maxConcurrentStreams: 1 },
    );
    const session = await connected(server.origin);
    try {
      expect(await Promise.all([request(session), request(session)])).toEqual([{}, {}]);
      expect((await request(session)).error?.code).toBe('ECONNRESET');
      // The counter throws on the call path; the histograms' values (queue wait, acquire) are held
      // and handed over at the provider's next collection, where they throw.
      expect(warnings.some((message) => message.includes('recording the held histogram values failed'))).toBe(
        false,
      );
      meterProvider.collect();
      for (const step of ['recording the held histogram values', 'recording a socket reset'])
        expect(
          warnings.some((message) => message.includes(`${step} failed`)),
          step,
        ).toBe(true);
    } finally {
      session.destroy();
      await server.close();
      diag.disable();
    }
  });
});

describe('Http2ConnectionInstrumentation with a meterProvider: resets as the span side classifies them', () => {
  // The server answers the first stream, then does `fault` to each of the next `faulted` streams.
  async function afterOne(fault: (stream: http2.ServerHttp2Stream) => void, faulted: number) {
    const hit: http2.ServerHttp2Stream[] = [];
    const server = await startServer((stream, n) => {
      if (n === 1) return answer(stream);
      hit.push(stream);
      if (hit.length === faulted) for (const s of hit) fault(s);
    });
    const session = await connected(server.origin);
    try {
      expect(await request(session)).toEqual({});
      const replies = await Promise.all(Array.from({ length: faulted }, () => request(session, '/fault')));
      return { replies, resets: await metrics.points(RESETS), usage: await usage(metrics) };
    } finally {
      session.destroy();
      await server.close();
    }
  }

  const reset = (reused: boolean) => ({
    'wirescope.http.handler': 'node-http2',
    'wirescope.connection.reused': reused,
    'server.address': 'localhost',
  });

  it('GOAWAY with an error code under two open streams: two resets, on reused streams', async () => {
    const {
      replies,
      resets,
      usage: after,
    } = await afterOne((stream) => stream.session?.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM), 2);
    expect(replies.map((reply) => reply.error?.code)).toEqual([
      'ERR_HTTP2_SESSION_ERROR',
      'ERR_HTTP2_SESSION_ERROR',
    ]);
    expect(resets.map((point) => point.attributes)).toEqual([reset(true)]);
    expect(total(resets)).toBe(2);
    expect(after).toEqual({ queued: 0, inFlight: 0 });
  });

  it('a TCP reset under three open streams: three resets', async () => {
    let server: Server | undefined;
    let streams = 0;
    server = await startServer((stream, n) => {
      streams = n;
      if (n === 1) return answer(stream);
      if (n === 4) for (const socket of server?.sockets ?? []) socket.resetAndDestroy();
    });
    const session = await connected(server.origin);
    try {
      expect(await request(session)).toEqual({});
      const replies = await Promise.all([1, 2, 3].map(() => request(session, '/fault')));
      expect(streams).toBe(4);
      expect(replies.map((reply) => reply.error?.code)).toEqual(['ECONNRESET', 'ECONNRESET', 'ECONNRESET']);
      const resets = await metrics.points(RESETS);
      expect(resets.map((point) => point.attributes)).toEqual([reset(true)]);
      expect(total(resets)).toBe(3);
    } finally {
      session.destroy();
      await server.close();
    }
  });

  it('REFUSED_STREAM and INTERNAL_ERROR on a live session (no GOAWAY): no reset counted', async () => {
    for (const code of [http2.constants.NGHTTP2_REFUSED_STREAM, http2.constants.NGHTTP2_INTERNAL_ERROR]) {
      const { replies, resets, usage: after } = await afterOne((stream) => stream.close(code), 2);
      expect(replies.map((reply) => reply.error?.code)).toEqual([
        'ERR_HTTP2_STREAM_ERROR',
        'ERR_HTTP2_STREAM_ERROR',
      ]);
      expect(total(resets), String(code)).toBe(0);
      expect(after).toEqual({ queued: 0, inFlight: 0 });
    }
  });
});

describe('NodeHttp2Handler in the SDK plugin, AlwaysOff sampler: stream pool metrics', () => {
  it('two calls at once against a limit of 1: one queue wait, an acquire per attempt, resets at 0', async () => {
    instrumentation.disable();
    const h2 = await startH2Server({ maxConcurrentStreams: 1 });
    h2.behaviour.delayMs = HOLD_MS;
    const tracerProvider = new BasicTracerProvider({ sampler: new AlwaysOffSampler() });
    const client = createS3Client(h2.endpoint, { requestHandler: new NodeHttp2Handler() });
    client.middlewareStack.use(wirescope({ tracerProvider, meterProvider: metrics.provider }));
    try {
      // A first call opens the session and learns its limit; then two at once.
      await client.send(new PutObjectCommand({ Bucket: 'h2', Key: 'k0', Body: 'x' }));
      // Its stream's 'close' comes after the call returns (tens of ms at most): until then it holds the
      // one slot, and a stream sent now would wait for it (a real wait, counted as such).
      await new Promise((resolve) => setTimeout(resolve, 50));
      const before = performance.now();
      await Promise.all(
        ['k1', 'k2'].map((Key) => client.send(new PutObjectCommand({ Bucket: 'h2', Key, Body: 'x' }))),
      );
      const after = performance.now();
      expect(h2.sessions).toBe(1);
      expect(await usage(metrics)).toEqual({ queued: 0, inFlight: 0 });
      const { count, sum } = histogram(await metrics.points(QUEUED_DURATION));
      expect(count).toBe(1);
      expect(sum).toBeGreaterThanOrEqual((HOLD_MS - 10) / 1000);
      expect(sum).toBeLessThanOrEqual((after - before) / 1000);
      expect(histogram(await metrics.points(TIME_IN_QUEUE)).count).toBe(1);
      expect(histogram(await metrics.points(ACQUIRE)).count).toBe(3);
      // The plugin's zero series for each attempt series, and no reset.
      const resets = await metrics.points(RESETS);
      expect(resets.length).toBeGreaterThan(0);
      expect(total(resets)).toBe(0);
    } finally {
      client.destroy();
      await h2.close();
      await tracerProvider.shutdown();
    }
  });

  it('a TCP reset under a reused session: one reset with the call, the retry on a new session', async () => {
    instrumentation.disable();
    const h2 = await startH2Server();
    const tracerProvider = new BasicTracerProvider({ sampler: new AlwaysOffSampler() });
    const client = createS3Client(h2.endpoint, { requestHandler: new NodeHttp2Handler() });
    client.middlewareStack.use(wirescope({ tracerProvider, meterProvider: metrics.provider }));
    try {
      await client.send(new PutObjectCommand({ Bucket: 'h2', Key: 'k0', Body: 'x' }));
      h2.behaviour.destroySocket = { count: 1 };
      await client.send(new PutObjectCommand({ Bucket: 'h2', Key: 'k1', Body: 'x' }));
      expect(h2.socketsDestroyed).toBe(1);
      expect(h2.sessions).toBe(2);
      const resets = await metrics.points(RESETS);
      const counted = resets.filter((point) => point.value > 0);
      expect(counted.map((point) => [point.attributes, point.value])).toEqual([
        [
          {
            'wirescope.http.handler': 'node-http2',
            'wirescope.connection.reused': true,
            'server.address': 'localhost',
            'rpc.service': 'S3',
            'rpc.method': 'PutObject',
          },
          1,
        ],
      ]);
      expect(total(resets)).toBe(1);
      expect(await usage(metrics)).toEqual({ queued: 0, inFlight: 0 });
    } finally {
      client.destroy();
      await h2.close();
      await tracerProvider.shutdown();
    }
  });
});
