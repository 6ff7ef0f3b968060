// Issue 3 on FetchHttpHandler: the undici instrumentation never breaks the host (a tracer that throws,
// a subscriber that throws), and no secret reaches a span.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { context, type Span, type Tracer, type TracerProvider, trace } from '@opentelemetry/api';
import { wirescope } from '@wirescope/aws-sdk';
import { UndiciConnectionInstrumentation } from '@wirescope/instrumentation-undici';
import { PHASE_SPAN_NAMES, SPAN_TLS_HANDSHAKE } from '@wirescope/semconv';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createS3Client, TEST_CREDENTIALS } from './support/clients.js';
import { settle, workload as sharedWorkload, tracerThatThrows, watchHost } from './support/fail-safe.js';
import { createTestTracing } from './support/otel.js';
import { useS3Fixture } from './support/s3-fixture.js';
import { allAttributeText, spansNamed } from './support/span-query.js';

const tracing = createTestTracing();
const BUCKET = 'fetch-fail-safe';
const s3 = useS3Fixture(BUCKET, tracing, { handler: 'fetch' });
const { diagMessages, hostFailures } = watchHost();
const workload = (client: S3Client) => sharedWorkload(client, BUCKET);
const FAULT_KEY = Symbol.for('wirescope.instrumentation-undici.fault');
const clearFault = () => {
  delete (globalThis as Record<symbol, unknown>)[FAULT_KEY];
};
afterAll(clearFault);
afterEach(clearFault);

/** A tracer that works, except that starting a connection phase span throws. */
function providerFailingOnPhases(): TracerProvider {
  const real = tracing.provider;
  return {
    getTracer(name, version) {
      const tracer = real.getTracer(name, version);
      const failing: Tracer = {
        startSpan(spanName, options, ctx): Span {
          if ((PHASE_SPAN_NAMES as readonly string[]).includes(spanName))
            throw new Error('phase span exploded');
          return tracer.startSpan(spanName, options, ctx);
        },
        startActiveSpan: tracer.startActiveSpan.bind(tracer) as Tracer['startActiveSpan'],
      };
      return failing;
    },
  };
}

describe('fetch handler: fail-safe', () => {
  it('a tracer whose startSpan throws: same results as without the plugin, diag says why', async () => {
    const bare = await workload(createS3Client(s3.server.endpoint, { handler: 'fetch' }));
    diagMessages.length = 0;
    const client = createS3Client(s3.server.endpoint, { handler: 'fetch' });
    client.middlewareStack.use(wirescope({ tracerProvider: { getTracer: () => tracerThatThrows } }));
    expect(await workload(client)).toEqual(bare);
    await settle();
    expect(hostFailures).toEqual([]);
    expect(diagMessages.some((m) => m.includes('tracer exploded'))).toBe(true);
  });

  it('phase spans that fail to start: the call and its attempt spans go on, diag names the channel', async () => {
    const bare = await workload(createS3Client(s3.server.endpoint, { handler: 'fetch' }));
    diagMessages.length = 0;
    // A new origin (127.0.0.1 instead of localhost) so that the traced run opens a new connection.
    const client = createS3Client(`https://127.0.0.1:${s3.server.port}`, { handler: 'fetch' });
    client.middlewareStack.use(wirescope({ tracerProvider: providerFailingOnPhases() }));
    expect(await workload(client)).toEqual(bare);
    await settle();
    expect(hostFailures).toEqual([]);
    expect(spansNamed(tracing.spans(), 'S3.PutObject attempt')).toHaveLength(1);
    expect(spansNamed(tracing.spans(), SPAN_TLS_HANDSHAKE)).toHaveLength(0);
    const ours = diagMessages.filter((m) => m.includes('@wirescope/instrumentation-undici'));
    expect(
      ours.some((m) => m.includes('undici:client:sendHeaders') && m.includes('phase span exploded')),
    ).toBe(true);
  });

  it.each(['*', 'undici:request:create', 'undici:client:sendHeaders', 'undici:request:headers'])(
    'subscriber forced to throw (%s): same results, nothing reaches the host, diag says what happened',
    async (channel) => {
      const bare = await workload(createS3Client(s3.server.endpoint, { handler: 'fetch' }));
      diagMessages.length = 0;
      (globalThis as Record<symbol, unknown>)[FAULT_KEY] = channel;
      const client = createS3Client(s3.server.endpoint, { handler: 'fetch' });
      client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
      expect(await workload(client)).toEqual(bare);
      await settle();
      expect(hostFailures).toEqual([]);
      const named = channel === '*' ? 'undici:request:create' : channel;
      expect(diagMessages.some((m) => m.includes(`injected fault in ${named}`))).toBe(true);
      // The plugin's own spans are still there.
      expect(spansNamed(tracing.spans(), 'S3.PutObject')).toHaveLength(1);
    },
  );
});

describe('fetch handler: no secrets in spans', () => {
  it('no credential, Authorization or signature in any span, event or status', async () => {
    const standalone = new UndiciConnectionInstrumentation();
    standalone.setTracerProvider(tracing.provider);
    try {
      const client = createS3Client(`https://127.0.0.1:${s3.server.port}`, { handler: 'fetch' });
      client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
      await workload(client);
      // A presigned URL fetched directly, under an active span (the standalone path records on it).
      const signer = createS3Client(s3.server.endpoint, { handler: 'fetch' });
      const url = await getSignedUrl(signer, new GetObjectCommand({ Bucket: BUCKET, Key: 'obj' }), {
        expiresIn: 60,
      });
      signer.destroy();
      const signature = new URL(url).searchParams.get('X-Amz-Signature');
      expect(signature).toBeTruthy();
      const parent = tracing.tracer.startSpan('presigned fetch');
      const body = await context.with(trace.setSpan(context.active(), parent), () =>
        fetch(url).then((r) => r.text()),
      );
      parent.end();
      expect(body).toBe('payload');
    } finally {
      standalone.disable();
    }
    const spans = tracing.spans();
    expect(spans.length).toBeGreaterThan(5);
    const text = allAttributeText(spans);
    for (const secret of Object.values(TEST_CREDENTIALS)) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/authorization/i);
    expect(text).not.toMatch(/x-amz-signature/i);
    expect(text).not.toMatch(/AWS4-HMAC-SHA256/);
    expect(text).not.toContain('x-amz-security-token');
  });
});
