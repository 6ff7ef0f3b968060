// HTTP/2 sessions in the pool metrics, as node:http sockets are (issue 14 on issue 17's handler): a
// session is one open connection, active while a stream is in flight and idle otherwise, and its
// lifetime and socket bytes are recorded when it closes. Against a real node:http2 TLS server on
// loopback that can hold a response open, through the standalone Http2ConnectionInstrumentation (no
// tracer provider, no active span: metrics only) and through the SDK plugin with every span dropped.
import { once } from 'node:events';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { wirescope } from '@wirescope/aws-sdk';
import {
  Http2ConnectionInstrumentation,
  type Http2ConnectionInstrumentationConfig,
} from '@wirescope/instrumentation-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../support/clients.js';
import { type H2Server, startH2Server } from '../support/h2-server.js';
import {
  createTestMetrics,
  type Point,
  type TestMetrics,
  throwingMeterProvider,
  total,
} from '../support/metrics.js';
import { testCertificate } from '../support/tls-cert.js';

const OPEN = 'http.client.open_connections';
const USAGE = 'smithy.client.http.connections.usage';
const DURATION = 'http.client.connection.duration';
const UPTIME = 'smithy.client.http.connections.uptime';
const STREAMS = 3;

/** A node:http2 TLS server whose `/hold` responses send their headers and wait for `release()`. */
interface HoldingServer {
  readonly origin: string;
  readonly sessions: number;
  /** Ends every held `/hold` response. */
  release(): void;
  close(): Promise<void>;
}

async function startHoldingServer(): Promise<HoldingServer> {
  const { key, cert } = testCertificate();
  const server = http2.createSecureServer({ key, cert });
  const held: http2.ServerHttp2Stream[] = [];
  const open = new Set<http2.ServerHttp2Session>();
  let sessions = 0;
  server.on('session', (session) => {
    sessions++;
    open.add(session);
    session.on('close', () => open.delete(session));
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {});
    stream.respond({ ':status': 200 });
    if (headers[':path'] === '/hold') {
      stream.write('headers sent, body held');
      held.push(stream);
    } else stream.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://localhost:${port}`,
    get sessions() {
      return sessions;
    },
    release() {
      for (const stream of held.splice(0)) stream.end();
    },
    async close() {
      const closed = once(server, 'close');
      server.close();
      for (const session of open) session.destroy();
      await closed;
    },
  };
}

let server: HoldingServer;
let h2Server: H2Server;
beforeAll(async () => {
  server = await startHoldingServer();
  h2Server = await startH2Server();
});
afterAll(async () => {
  await server.close();
  await h2Server.close();
});

/** One GET on the session, its body read to the end. */
async function get(session: http2.ClientHttp2Session, path = '/'): Promise<string> {
  const stream = session.request({ ':path': path });
  stream.setEncoding('utf8');
  let body = '';
  stream.on('data', (chunk: string) => {
    body += chunk;
  });
  await once(stream, 'end');
  return body;
}

async function closeSession(session: http2.ClientHttp2Session): Promise<void> {
  const closed = once(session, 'close');
  session.close();
  await closed;
}

/** Points of the pool gauges by state: `{ active, idle }` and `{ acquired, idle }`, for localhost. */
async function gauges(metrics: TestMetrics): Promise<Record<string, number>> {
  const open = await metrics.points(OPEN);
  const usage = await metrics.points(USAGE);
  const at = (points: Point[], key: string, state: string) =>
    total(points, { 'server.address': 'localhost', [key]: state });
  return {
    active: at(open, 'http.connection.state', 'active'),
    idle: at(open, 'http.connection.state', 'idle'),
    acquired: at(usage, 'state', 'acquired'),
    usageIdle: at(usage, 'state', 'idle'),
  };
}

function histogram(points: Point[]): { count: number; sum: number } {
  return {
    count: points.reduce((n, point) => n + point.count, 0),
    sum: points.reduce((n, point) => n + point.sum, 0),
  };
}

describe('Http2ConnectionInstrumentation with a meterProvider: session pool metrics', () => {
  it('one session, sequential streams: idle between them, active while a response is held, its life on close', async () => {
    const metrics = createTestMetrics();
    const instrumentation = new Http2ConnectionInstrumentation({ meterProvider: metrics.provider });
    try {
      const before = performance.now();
      const session = http2.connect(server.origin);
      const opened = performance.now();
      session.on('error', () => {});
      for (let i = 0; i < STREAMS; i++) expect(await get(session)).toBe('ok');
      expect(server.sessions).toBe(1);
      expect(await gauges(metrics)).toEqual({ active: 0, idle: 1, acquired: 0, usageIdle: 1 });

      // A response held open by the server: its stream is in flight, the session active.
      const held = session.request({ ':path': '/hold' });
      held.setEncoding('utf8');
      await once(held, 'data');
      expect(await gauges(metrics)).toEqual({ active: 1, idle: 0, acquired: 1, usageIdle: 0 });
      const ended = once(held, 'end');
      server.release();
      await ended;
      expect(await gauges(metrics)).toEqual({ active: 0, idle: 1, acquired: 0, usageIdle: 1 });
      // Nothing closed yet: no lifetime.
      expect(histogram(await metrics.points(DURATION)).count).toBe(0);

      const closing = performance.now();
      await closeSession(session);
      const after = performance.now();
      expect(await gauges(metrics)).toEqual({ active: 0, idle: 0, acquired: 0, usageIdle: 0 });
      for (const name of [DURATION, UPTIME]) {
        const points = await metrics.points(name);
        expect(points.map((point) => point.attributes)).toEqual([{ 'server.address': 'localhost' }]);
        const { count, sum } = histogram(points);
        expect(count, name).toBe(1);
        // Seconds, between the life the test saw for sure and the whole span it measured around it.
        expect(sum, name).toBeGreaterThanOrEqual((closing - opened) / 1000);
        expect(sum, name).toBeLessThanOrEqual((after - before) / 1000);
      }
      // The TLS socket's own totals, once: a handshake and four exchanges each way.
      expect(total(await metrics.points('smithy.client.http.bytes_sent'))).toBeGreaterThan(100);
      expect(total(await metrics.points('smithy.client.http.bytes_received'))).toBeGreaterThan(100);
      // The session's setup phases, once, outside any SDK call.
      const phases = await metrics.points('wirescope.connection.phase.duration');
      for (const phase of ['dns', 'tcp', 'tls'])
        expect(total(phases, { 'wirescope.phase': phase, 'server.address': 'localhost' }), phase).toBe(1);
      expect(await metrics.points('wirescope.calls')).toEqual([]);
    } finally {
      instrumentation.disable();
      await metrics.shutdown();
    }
  });

  it('two sessions give two lifetimes; both count while open', async () => {
    const metrics = createTestMetrics();
    const instrumentation = new Http2ConnectionInstrumentation({ meterProvider: metrics.provider });
    try {
      const before = performance.now();
      const sessions = [http2.connect(server.origin), http2.connect(server.origin)];
      for (const session of sessions) {
        session.on('error', () => {});
        expect(await get(session)).toBe('ok');
      }
      expect(await gauges(metrics)).toEqual({ active: 0, idle: 2, acquired: 0, usageIdle: 2 });
      await Promise.all(sessions.map(closeSession));
      const after = performance.now();
      expect(await gauges(metrics)).toEqual({ active: 0, idle: 0, acquired: 0, usageIdle: 0 });
      for (const name of [DURATION, UPTIME]) {
        const { count, sum } = histogram(await metrics.points(name));
        expect(count, name).toBe(2);
        expect(sum, name).toBeGreaterThan(0);
        expect(sum, name).toBeLessThanOrEqual((2 * (after - before)) / 1000);
      }
    } finally {
      instrumentation.disable();
      await metrics.shutdown();
    }
  });

  it('a session opened before the MeterProvider was set is not counted; one opened after is', async () => {
    const metrics = createTestMetrics();
    // No meterProvider option and no global one: no metric work until setMeterProvider.
    const instrumentation = new Http2ConnectionInstrumentation();
    try {
      const early = http2.connect(server.origin);
      early.on('error', () => {});
      expect(await get(early)).toBe('ok');
      instrumentation.setMeterProvider(metrics.provider);
      expect(await get(early)).toBe('ok');
      const late = http2.connect(server.origin);
      late.on('error', () => {});
      expect(await get(late)).toBe('ok');
      expect(await gauges(metrics)).toEqual({ active: 0, idle: 1, acquired: 0, usageIdle: 1 });
      await Promise.all([closeSession(early), closeSession(late)]);
      expect(histogram(await metrics.points(DURATION)).count).toBe(1);
      expect(total(await metrics.points(OPEN))).toBe(0);
    } finally {
      instrumentation.disable();
      await metrics.shutdown();
    }
  });

  it('a bad meterProvider throws WirescopeConfigError at construction and in setConfig', () => {
    const bad = {
      meterProvider: { getMeters: () => ({}) },
    } as unknown as Http2ConnectionInstrumentationConfig;
    const thrown: unknown[] = [];
    for (const make of [
      () => new Http2ConnectionInstrumentation(bad),
      () => new Http2ConnectionInstrumentation({ enabled: false }).setConfig(bad),
    ]) {
      try {
        make();
      } catch (error) {
        thrown.push(error);
      }
    }
    expect(thrown).toHaveLength(2);
    for (const error of thrown)
      expect(error).toMatchObject({
        name: 'WirescopeConfigError',
        code: 'WIRESCOPE_BAD_OPTION',
        option: 'meterProvider',
        message:
          '@wirescope/instrumentation-http: option meterProvider must be an OpenTelemetry MeterProvider, an ' +
          'object with a getMeter function (default: the global one), got an object.',
      });
  });

  it('instruments that throw on record: the streams go on, the failures go to diag', async () => {
    const warnings: string[] = [];
    const warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
    const quiet = () => {};
    const logger: DiagLogger = { error: quiet, warn, info: quiet, debug: quiet, verbose: quiet };
    diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    const meterProvider = throwingMeterProvider();
    const instrumentation = new Http2ConnectionInstrumentation({ meterProvider });
    try {
      const session = http2.connect(server.origin);
      session.on('error', () => {});
      for (let i = 0; i < STREAMS; i++) expect(await get(session)).toBe('ok');
      await closeSession(session);
      // The byte counters throw on close; the histograms (phases, lifetime) at the next collection.
      expect(warnings.some((message) => message.includes('recording a closed connection failed'))).toBe(true);
      expect(warnings.some((message) => message.includes('recording the held histogram values failed'))).toBe(
        false,
      );
      meterProvider.collect();
      expect(warnings.some((message) => message.includes('recording the held histogram values failed'))).toBe(
        true,
      );
    } finally {
      instrumentation.disable();
      diag.disable();
    }
  });
});

describe('NodeHttp2Handler in the SDK plugin, AlwaysOff sampler: session pool metrics', () => {
  it('pooled calls leave one idle session; its lifetime is recorded when the client is destroyed', async () => {
    const tracerProvider = new BasicTracerProvider({ sampler: new AlwaysOffSampler() });
    const metrics = createTestMetrics();
    h2Server.resetCounts();
    const client = createS3Client(h2Server.endpoint, { requestHandler: new NodeHttp2Handler() });
    client.middlewareStack.use(wirescope({ tracerProvider, meterProvider: metrics.provider }));
    try {
      for (let i = 0; i < STREAMS; i++)
        await client.send(new PutObjectCommand({ Bucket: 'h2', Key: `k${i}`, Body: 'x' }));
      expect(h2Server.sessions).toBe(1);
      expect(await gauges(metrics)).toEqual({ active: 0, idle: 1, acquired: 0, usageIdle: 1 });
      client.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(total(await metrics.points(OPEN))).toBe(0);
      for (const name of [DURATION, UPTIME]) {
        const points = await metrics.points(name);
        expect(histogram(points).count, name).toBe(h2Server.sessions);
        expect(points.map((point) => point.attributes)).toEqual([{ 'server.address': 'localhost' }]);
      }
    } finally {
      client.destroy();
      await metrics.shutdown();
      await tracerProvider.shutdown();
    }
  });
});
