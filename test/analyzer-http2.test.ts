// Issue 17, "The analyzer's rules use them": the analyzer on the spans the plugin records of the SDK's
// NodeHttp2Handler against a local HTTP/2 server (test/support/h2-server.ts). The scenarios suite pins
// the finding codes; here the costs are pinned against the spans' own measurements (phase durations,
// queue waits) and the texts against the session, its frames and the handler's options.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeHttp2Handler, type NodeHttp2HandlerOptions } from '@smithy/node-http-handler';
import { analyze, formatText, wireSpanFromReadable } from '@wirescope/analyzer';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_ATTEMPT,
  ATTR_CONNECTION_QUEUE_MS,
  ATTR_CONNECTION_REUSED,
  FINDING_CONNECTION_CHURN,
  FINDING_SOCKET_POOL_SATURATION,
  FINDING_STALE_CONNECTION_RESET,
  FINDING_UNRETRIED_SOCKET_ERROR,
  PHASE_SPAN_NAMES,
} from '@wirescope/semconv';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { sleep } from './support/fault-matrix.js';
import { H2_CODE, type H2Server, type H2ServerOptions, startH2Server } from './support/h2-server.js';
import { createTestTracing } from './support/otel.js';
import { attr, childrenOf } from './support/span-query.js';

const tracing = createTestTracing();
afterAll(() => tracing.shutdown());

const put = (client: S3Client, key: string) =>
  client.send(new PutObjectCommand({ Bucket: 'h2', Key: key, Body: `body of ${key}` })).then(
    () => 'ok',
    (error: Error) => error.name,
  );

/** Runs `calls` on a fresh server and traced client; returns the spans, the analysis and the text report. */
async function traced(
  calls: (client: S3Client, server: H2Server) => Promise<unknown>,
  handler: NodeHttp2HandlerOptions = {},
  serverOptions: H2ServerOptions = {},
) {
  const server = await startH2Server(serverOptions);
  const client = createS3Client(server.endpoint, { requestHandler: new NodeHttp2Handler(handler) });
  client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  try {
    tracing.reset();
    await calls(client, server);
    await sleep(20); // spans of failed attempts end as the error propagates
    const spans = [...tracing.spans()];
    const result = await analyze(spans.map((s) => wireSpanFromReadable(s)));
    return { spans, result, text: formatText(result, { color: false }) };
  } finally {
    client.destroy();
    await server.close();
  }
}

const attemptsOf = (spans: ReadableSpan[]) =>
  spans
    .filter((s) => attr(s, ATTR_ATTEMPT) !== undefined)
    .sort((a, b) => hrTimeToMilliseconds(a.startTime) - hrTimeToMilliseconds(b.startTime));
const durationMs = (s: ReadableSpan) => hrTimeToMilliseconds(s.duration);
/** dns + tcp + tls measured under an attempt (the session it opened). */
const handshakeMs = (spans: ReadableSpan[], attempt: ReadableSpan) =>
  childrenOf(spans, attempt)
    .filter((c) => (PHASE_SPAN_NAMES as readonly string[]).includes(c.name))
    .reduce((total, c) => total + durationMs(c), 0);

describe('the analyzer on NodeHttp2Handler spans', () => {
  it('disableConcurrentStreams: connection-churn on the sessions, its cost the measured handshakes of the 3 extra', async () => {
    const run = await traced(
      async (c) => {
        for (const key of ['a', 'b', 'c', 'd']) await put(c, key);
      },
      { disableConcurrentStreams: true },
    );
    const attempts = attemptsOf(run.spans);
    expect(attempts.map((a) => attr(a, ATTR_CONNECTION_REUSED))).toEqual([false, false, false, false]);
    const churn = run.result.findings.find((f) => f.code === FINDING_CONNECTION_CHURN);
    expect(churn).toBeDefined();
    const expected = attempts.slice(1).reduce((total, a) => total + handshakeMs(run.spans, a), 0);
    expect(Math.abs((churn?.costMs ?? 0) - expected)).toBeLessThanOrEqual(0.1);
    expect(churn?.evidence.counts).toMatchObject({ attempts: 4, newConnections: 4, sessionsNeeded: 1 });
    expect(churn?.summary).toContain('opened a new HTTP/2 session (a session per request');
    expect(churn?.fix).toMatch(
      /^NodeHttp2Handler with disableConcurrentStreams: true opens a session per request/,
    );
    expect(run.text).toContain(
      '4 attempts (4 on HTTP/2 sessions), 0 attempts on a reused connection or session',
    );
  });

  it('pooled: the same four calls on one session, no churn', async () => {
    const run = await traced(async (c) => {
      for (const key of ['a', 'b', 'c', 'd']) await put(c, key);
    });
    expect(attemptsOf(run.spans).map((a) => attr(a, ATTR_CONNECTION_REUSED))).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(run.result.findings.map((f) => f.code)).toEqual([]);
    expect(run.text).toContain(
      '4 attempts (4 on HTTP/2 sessions), 3 attempts on a reused connection or session',
    );
  });

  it('a server limit of 1 stream: socket-pool-saturation, its cost the recorded queue waits', async () => {
    const run = await traced(
      async (c, server) => {
        await put(c, 'warm');
        await sleep(50);
        server.behaviour.delayMs = 100;
        tracing.reset();
        await Promise.all([put(c, 'q1'), put(c, 'q2'), put(c, 'q3')]);
      },
      {},
      { maxConcurrentStreams: 1 },
    );
    const waits = attemptsOf(run.spans).map((a) => Number(attr(a, ATTR_CONNECTION_QUEUE_MS) ?? 0));
    const saturation = run.result.findings.find((f) => f.code === FINDING_SOCKET_POOL_SATURATION);
    expect(saturation).toBeDefined();
    const queued = waits.filter((w) => w >= 1);
    expect(queued).toHaveLength(2);
    expect(
      Math.abs((saturation?.costMs ?? 0) - (queued[0] as number) - (queued[1] as number)),
    ).toBeLessThanOrEqual(0.1);
    expect(saturation?.evidence.counts).toMatchObject({ attempts: 3, queued: 2, maxConcurrentStreams: 1 });
    expect(saturation?.summary).toContain(
      "waited for a stream slot on a full HTTP/2 session (the server's SETTINGS_MAX_CONCURRENT_STREAMS 1)",
    );
    expect(saturation?.fix).toContain('new NodeHttp2Handler({ maxConcurrentStreams: 1 })');
  });

  it('GOAWAY INTERNAL_ERROR on an in-flight stream of a reused session: stale-connection-reset and unretried-socket-error', async () => {
    const run = await traced(async (c, server) => {
      await put(c, 'first');
      server.behaviour.goaway = { code: H2_CODE.INTERNAL_ERROR, when: 'next-stream' };
      expect(await put(c, 'second')).not.toBe('ok');
    });
    const failed = attemptsOf(run.spans)[1] as ReadableSpan;
    const stale = run.result.findings.find((f) => f.code === FINDING_STALE_CONNECTION_RESET);
    expect(stale).toBeDefined();
    // Not retried: the cost is the failed attempt alone.
    expect(Math.abs((stale?.costMs ?? 0) - durationMs(failed))).toBeLessThanOrEqual(0.1);
    expect(stale?.summary).toContain('had its stream dropped by the peer on a reused HTTP/2 session');
    expect(stale?.summary).toContain('(GOAWAY INTERNAL_ERROR (2))');
    expect(stale?.fix).toContain("NodeHttp2Handler's sessionTimeout");
    const unretried = run.result.findings.find((f) => f.code === FINDING_UNRETRIED_SOCKET_ERROR);
    expect(unretried?.summary).toContain(
      'failed when the peer dropped the HTTP/2 session (GOAWAY INTERNAL_ERROR (2))',
    );
  });
});
