// Issue 14 on issue 17's handler: the `Expect: 100-continue` wait of an upload over HTTP/2. The SDK's S3
// middleware adds the header for bodies of 2 MiB and more whatever the Node handler (FIELD-NOTES), and
// NodeHttp2Handler writes the body through the same writeRequestBody as node:http: it waits for the
// stream's 'continue' or its fallback timer (max(6 s, requestTimeout)). The attempt span gets node:http's
// attributes and, with a MeterProvider, `wirescope.expect_continue.duration` the same wait, sampled or
// not; without one, no metric work. Real S3Client, NodeHttp2Handler and node:http2 TLS server
// (test/support/h2-server.ts), real @opentelemetry/sdk-metrics MeterProvider.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createNoopMeter, metrics as metricsApi } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_EXPECT_CONTINUE,
  ATTR_EXPECT_CONTINUE_ENDED_BY,
  ATTR_EXPECT_CONTINUE_WAIT_MS,
  ATTR_HTTP_HANDLER,
} from '@wirescope/semconv';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createS3Client } from './support/clients.js';
import { type H2Server, startH2Server } from './support/h2-server.js';
import { createTestMetrics, type Point, type TestMetrics } from './support/metrics.js';
import { createTestTracing } from './support/otel.js';
import { attr, spansNamed } from './support/span-query.js';

const EXPECT_CONTINUE_DURATION = 'wirescope.expect_continue.duration';
/** The server's pause before its 100 Continue, ms (at least, by performance.now()). */
const CONTINUE_DELAY_MS = 120;
/** The SDK's shortest wait for 100 Continue (@smithy/node-http-handler writeRequestBody MIN_WAIT_TIME). */
const SDK_FALLBACK_MS = 6000;
/** 3 MiB: above S3's default `expectContinueHeader` threshold (2 MiB), so the SDK sends the header. */
const LARGE = new Uint8Array(3 * 1024 * 1024).fill(7);
const BUCKET = 'h2';

const tracing = createTestTracing();
let h2: H2Server;
let metrics: TestMetrics;

beforeEach(async () => {
  h2 = await startH2Server();
  metrics = createTestMetrics();
});
afterEach(async () => {
  tracing.reset();
  vi.restoreAllMocks();
  metricsApi.disable();
  await h2.close();
  await metrics.shutdown();
});
afterAll(() => tracing.shutdown());

/** An S3Client on NodeHttp2Handler with the plugin, one attempt per call; `meter`: with the test's provider. */
function client(options: { meter?: boolean; tracerProvider?: BasicTracerProvider } = {}) {
  const s3 = createS3Client(h2.endpoint, { requestHandler: new NodeHttp2Handler(), maxAttempts: 1 });
  const tracerProvider = options.tracerProvider ?? tracing.provider;
  s3.middlewareStack.use(
    wirescope(
      options.meter === false ? { tracerProvider } : { tracerProvider, meterProvider: metrics.provider },
    ),
  );
  return s3;
}

/** A small PutObject (opens the session, no Expect), then the 3 MiB one on it; its attempt span. */
async function smallThenLarge(s3: ReturnType<typeof client>): Promise<ReadableSpan | undefined> {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'small', Body: 'x' }));
  const output = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'large', Body: LARGE }));
  s3.destroy();
  expect(output.$metadata.httpStatusCode).toBe(200);
  expect(h2.sessions).toBe(1);
  // The server's truth: only the large upload asked for 100 Continue.
  expect(h2.expectContinueStreams).toBe(1);
  return spansNamed(tracing.spans(), 'S3.PutObject attempt').at(-1);
}

/** The histogram's points as [attributes, count], and its sum in ms. */
function waits(points: Point[]) {
  return {
    series: points.map((point) => [point.attributes, point.count]),
    sumMs: points.reduce((sum, point) => sum + point.sum, 0) * 1000,
  };
}

const series = (endedBy: string) => ({
  'wirescope.expect_continue.ended_by': endedBy,
  'wirescope.http.handler': 'node-http2',
  'wirescope.connection.reused': true,
  'server.address': 'localhost',
});

describe('NodeHttp2Handler, Expect: 100-continue', () => {
  it("the server's 100 after 120 ms: ended by the server, the same wait on the span and in the histogram", async () => {
    h2.behaviour.continueDelayMs = CONTINUE_DELAY_MS;
    const attempt = await smallThenLarge(client());
    if (!attempt) throw new Error('no attempt span');
    expect(attr(attempt, ATTR_HTTP_HANDLER)).toBe('node-http2');
    expect(attr(attempt, ATTR_EXPECT_CONTINUE)).toBe(true);
    expect(attr(attempt, ATTR_EXPECT_CONTINUE_ENDED_BY)).toBe('server');
    const wait = attr(attempt, ATTR_EXPECT_CONTINUE_WAIT_MS) as number;
    expect(wait).toBeGreaterThanOrEqual(CONTINUE_DELAY_MS);
    expect(wait).toBeLessThan(1000);
    const { series: recorded, sumMs } = waits(await metrics.points(EXPECT_CONTINUE_DURATION));
    // One wait, on the reused session, the small upload none.
    expect(recorded).toEqual([[series('server'), 1]]);
    // One measurement for both: the span's is rounded to 0.001 ms.
    expect(sumMs).toBeCloseTo(wait, 2);
  });

  it('no 100 from the server: the SDK timer sends the body after 6 s, ended by the timer, span and histogram', async () => {
    const attempt = await smallThenLarge(client());
    if (!attempt) throw new Error('no attempt span');
    expect(attr(attempt, ATTR_EXPECT_CONTINUE_ENDED_BY)).toBe('timer');
    const wait = attr(attempt, ATTR_EXPECT_CONTINUE_WAIT_MS) as number;
    expect(wait).toBeGreaterThanOrEqual(SDK_FALLBACK_MS);
    expect(wait).toBeLessThan(SDK_FALLBACK_MS + 2000);
    const { series: recorded, sumMs } = waits(await metrics.points(EXPECT_CONTINUE_DURATION));
    expect(recorded).toEqual([[series('timer'), 1]]);
    expect(sumMs).toBeCloseTo(wait, 2);
  }, 30_000);

  it('an unsampled call (AlwaysOff): no span, the wait still in the histogram', async () => {
    h2.behaviour.continueDelayMs = CONTINUE_DELAY_MS;
    const tracerProvider = new BasicTracerProvider({ sampler: new AlwaysOffSampler() });
    await smallThenLarge(client({ tracerProvider }));
    await tracerProvider.shutdown();
    const { series: recorded, sumMs } = waits(await metrics.points(EXPECT_CONTINUE_DURATION));
    expect(recorded).toEqual([[series('server'), 1]]);
    expect(sumMs).toBeGreaterThanOrEqual(CONTINUE_DELAY_MS);
    expect(sumMs).toBeLessThan(1000);
  });

  it('no MeterProvider: the span attributes, and no instrument made or recorded', async () => {
    h2.behaviour.continueDelayMs = CONTINUE_DELAY_MS;
    metricsApi.disable();
    // The API's noop meter and histogram are singletons: what the plugin would get without a provider.
    const noop = createNoopMeter();
    const made = vi.spyOn(noop, 'createHistogram');
    const recorded = vi.spyOn(noop.createHistogram('h'), 'record');
    made.mockClear();
    const attempt = await smallThenLarge(client({ meter: false }));
    expect(attempt && attr(attempt, ATTR_EXPECT_CONTINUE_ENDED_BY)).toBe('server');
    expect(attempt && attr(attempt, ATTR_EXPECT_CONTINUE_WAIT_MS)).toBeGreaterThanOrEqual(CONTINUE_DELAY_MS);
    expect(made).not.toHaveBeenCalled();
    expect(recorded).not.toHaveBeenCalled();
    expect(await metrics.points(EXPECT_CONTINUE_DURATION)).toEqual([]);
  });
});
