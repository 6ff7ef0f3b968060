import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call, newSpanId, newTraceId, span } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

/** An AWS call as instrumentation-aws-sdk + -undici record it, the HTTP span saying `network.protocol.version`. */
function undiciCall(version: string): WireSpan[] {
  const traceId = newTraceId();
  const opId = newSpanId();
  return [
    {
      ...span({
        name: 'S3.PutObject',
        traceId,
        spanId: opId,
        startMs: 0,
        durationMs: 30,
        kind: 'client',
        attributes: { 'rpc.system': 'aws-api', 'rpc.service': 'S3', 'rpc.method': 'PutObject' },
      }),
      scope: '@opentelemetry/instrumentation-aws-sdk',
    },
    {
      ...span({
        name: 'PUT',
        traceId,
        parentSpanId: opId,
        startMs: 1,
        durationMs: 20,
        kind: 'client',
        attributes: {
          'http.request.method': 'PUT',
          'server.address': 'b.s3.us-east-1.amazonaws.com',
          'server.port': 443,
          'http.response.status_code': 200,
          'network.protocol.version': version,
        },
      }),
      scope: '@opentelemetry/instrumentation-undici',
    },
  ];
}

describe('which attempts ran on HTTP/2 sessions', () => {
  it('plugin attempts with the node-http2 handler, or network.protocol.version 2 and no handler', async () => {
    const byHandler = await analyze(call({ startMs: 0, http2: true }));
    expect(byHandler.stats.http2Attempts).toBe(1);
    const byVersion = await analyze(
      call({
        startMs: 0,
        attempts: [{ attributes: { 'wirescope.http.handler': '', 'network.protocol.version': '2' } }],
      }),
    );
    expect(byVersion.stats.http2Attempts).toBe(1);
    const http1 = await analyze(
      call({ startMs: 0, attempts: [{ attributes: { 'network.protocol.version': '1.1' } }] }),
    );
    expect(http1.stats.http2Attempts).toBeUndefined();
  });

  it('not an attempt inferred from another instrumentation (undici’s own HTTP/2 is not NodeHttp2Handler)', async () => {
    const h2 = await analyze(undiciCall('2'));
    expect(h2.stats.attempts).toBe(1);
    expect(h2.stats.http2Attempts).toBeUndefined();
  });
});
