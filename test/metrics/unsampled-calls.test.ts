// Issue 14: with a sampler that drops every span, the metrics still count every call, and new and
// reused connections exactly, against the TCP proxy's own count of accepted connections. Real s3rver
// over HTTPS, real SDK on both handlers, real @opentelemetry/sdk-metrics MeterProvider.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_CONNECTION_REUSED,
  ATTR_HTTP_HANDLER,
  ATTR_PHASE,
  ATTR_RPC_METHOD,
  ATTR_SERVER_ADDRESS,
  METRIC_ATTEMPTS,
  METRIC_CALLS,
  METRIC_CONNECTION_PHASE_DURATION,
  METRIC_HTTP_CLIENT_REQUEST_DURATION,
  METRIC_SMITHY_CALL_ATTEMPTS,
  METRIC_SMITHY_CALL_DURATION,
} from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../support/clients.js';
import { createTestMetrics, total } from '../support/metrics.js';
import { createTestBucket, type S3ServerHandle, startS3Server } from '../support/s3-server.js';
import { startTcpProxy, type TcpProxyHandle } from '../support/tcp-proxy.js';

const BUCKET = 'metrics-unsampled';
const KEEP_ALIVE_CALLS = 6;
const CLIENT_PER_CALL_CALLS = 4;

const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({
  sampler: new AlwaysOffSampler(),
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});
let server: S3ServerHandle;
const proxies: TcpProxyHandle[] = [];

beforeAll(async () => {
  server = await startS3Server();
  const setup = createS3Client(server.endpoint);
  await createTestBucket(setup, BUCKET);
  setup.destroy();
});
afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await server.close();
  await tracerProvider.shutdown();
});

describe.each([
  ['node', 'node-http'],
  ['fetch', 'fetch'],
] as const)('AlwaysOff sampler, %s handler', (handler, handlerName) => {
  it('counts every call; new and reused attempts equal the connections the proxy accepted', async () => {
    const metrics = createTestMetrics();
    // A fresh proxy: a fresh port, so fetch's process-wide pool has no connection to it yet.
    const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: server.port } });
    proxies.push(proxy);
    const endpoint = `https://localhost:${proxy.port}`;
    const plugin = () => wirescope({ tracerProvider, meterProvider: metrics.provider });

    const shared = createS3Client(endpoint, { handler });
    shared.middlewareStack.use(plugin());
    for (let i = 0; i < KEEP_ALIVE_CALLS; i++)
      await shared.send(new PutObjectCommand({ Bucket: BUCKET, Key: `shared-${i}`, Body: 'x' }));
    for (let i = 0; i < CLIENT_PER_CALL_CALLS; i++) {
      const once = createS3Client(endpoint, { handler });
      once.middlewareStack.use(plugin());
      await once.send(new PutObjectCommand({ Bucket: BUCKET, Key: `once-${i}`, Body: 'x' }));
      once.destroy();
    }
    shared.destroy();

    const calls = KEEP_ALIVE_CALLS + CLIENT_PER_CALL_CALLS;
    const connections = proxy.connectionsAccepted;
    // The node handler's agent per client opens one connection per new client; fetch shares one pool.
    expect(connections).toBeGreaterThanOrEqual(handler === 'node' ? 1 + CLIENT_PER_CALL_CALLS : 1);
    expect(exporter.getFinishedSpans()).toHaveLength(0);

    const put = { [ATTR_RPC_METHOD]: 'PutObject' };
    expect(total(await metrics.points(METRIC_CALLS), put)).toBe(calls);
    const attempts = await metrics.points(METRIC_ATTEMPTS);
    expect(total(attempts, put)).toBe(calls);
    expect(total(attempts, { ...put, [ATTR_CONNECTION_REUSED]: false })).toBe(connections);
    expect(total(attempts, { ...put, [ATTR_CONNECTION_REUSED]: true })).toBe(calls - connections);
    expect(total(attempts, { [ATTR_HTTP_HANDLER]: handlerName, [ATTR_SERVER_ADDRESS]: 'localhost' })).toBe(
      calls,
    );
    expect(total(await metrics.points(METRIC_SMITHY_CALL_ATTEMPTS), put)).toBe(calls);
    expect(total(await metrics.points(METRIC_SMITHY_CALL_DURATION), put)).toBe(calls);
    expect(
      total(await metrics.points(METRIC_HTTP_CLIENT_REQUEST_DURATION), { 'http.response.status_code': 200 }),
    ).toBe(calls);
    const phases = await metrics.points(METRIC_CONNECTION_PHASE_DURATION);
    expect(total(phases, { [ATTR_PHASE]: 'tcp' })).toBe(connections);
    expect(total(phases, { [ATTR_PHASE]: 'tls' })).toBe(connections);
    expect(total(phases, { [ATTR_PHASE]: 'dns' })).toBe(connections);
    await metrics.shutdown();
  });
});
