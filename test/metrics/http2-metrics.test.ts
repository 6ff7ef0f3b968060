// Issue 14 on NodeHttp2Handler (issue 17's handler): with a sampler that drops every span, the call and
// attempt metrics count every call, and new against reused attempts equal the HTTP/2 sessions the
// local node:http2 TLS server accepted (a session is the connection).
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_CONNECTION_REUSED,
  ATTR_HTTP_HANDLER,
  ATTR_PHASE,
  ATTR_SERVER_ADDRESS,
  HTTP_HANDLER_NODE_HTTP2,
  METRIC_ATTEMPTS,
  METRIC_CALLS,
  METRIC_CONNECTION_PHASE_DURATION,
  METRIC_HTTP_CLIENT_REQUEST_DURATION,
  METRIC_SOCKET_RESETS,
} from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../support/clients.js';
import { type H2Server, startH2Server } from '../support/h2-server.js';
import { createTestMetrics, total } from '../support/metrics.js';

const tracerProvider = new BasicTracerProvider({ sampler: new AlwaysOffSampler() });
let server: H2Server;

beforeAll(async () => {
  server = await startH2Server();
});
afterAll(async () => {
  await server.close();
  await tracerProvider.shutdown();
});

describe('NodeHttp2Handler, AlwaysOff sampler: metrics', () => {
  it('counts every call; new and reused attempts equal the sessions the server accepted', async () => {
    const metrics = createTestMetrics();
    const plugin = { tracerProvider, meterProvider: metrics.provider };
    server.resetCounts();
    // 5 sequential calls on one pooled client, then 3 calls with a session each.
    const pooled = createS3Client(server.endpoint, { requestHandler: new NodeHttp2Handler() });
    pooled.middlewareStack.use(wirescope(plugin));
    for (let i = 0; i < 5; i++)
      await pooled.send(new PutObjectCommand({ Bucket: 'h2', Key: `p${i}`, Body: 'x' }));
    pooled.destroy();
    const perRequest = createS3Client(server.endpoint, {
      requestHandler: new NodeHttp2Handler({ disableConcurrentStreams: true }),
    });
    perRequest.middlewareStack.use(wirescope(plugin));
    for (let i = 0; i < 3; i++)
      await perRequest.send(new PutObjectCommand({ Bucket: 'h2', Key: `s${i}`, Body: 'x' }));
    perRequest.destroy();
    expect(server.streams).toBe(8);
    expect(server.sessions).toBe(4);

    expect(total(await metrics.points(METRIC_CALLS))).toBe(8);
    const attempts = await metrics.points(METRIC_ATTEMPTS);
    expect(total(attempts)).toBe(8);
    expect(total(attempts, { [ATTR_CONNECTION_REUSED]: false })).toBe(server.sessions);
    expect(total(attempts, { [ATTR_CONNECTION_REUSED]: true })).toBe(8 - server.sessions);
    for (const point of attempts) {
      expect(point.attributes[ATTR_HTTP_HANDLER]).toBe(HTTP_HANDLER_NODE_HTTP2);
      expect(point.attributes[ATTR_SERVER_ADDRESS]).toBe('localhost');
    }
    // One request-duration point per attempt, on HTTP/2.
    const requests = await metrics.points(METRIC_HTTP_CLIENT_REQUEST_DURATION);
    expect(requests.reduce((n, point) => n + (point.count ?? 0), 0)).toBe(8);
    expect(new Set(requests.map((point) => point.attributes['network.protocol.version']))).toEqual(
      new Set(['2']),
    );
    // Each new session's setup phases, once per session (dns, tcp, tls with ALPN h2).
    const phases = await metrics.points(METRIC_CONNECTION_PHASE_DURATION);
    for (const phase of ['dns', 'tcp', 'tls'])
      expect(
        phases.filter((p) => p.attributes[ATTR_PHASE] === phase).reduce((n, p) => n + (p.count ?? 0), 0),
        phase,
      ).toBe(server.sessions);
    // No stream was reset: the resets counter reads 0.
    expect(total(await metrics.points(METRIC_SOCKET_RESETS))).toBe(0);
    await metrics.shutdown();
  });
});
