// Issue 3 on FetchHttpHandler: the undici instrumentation never breaks the host (a tracer that throws,
// a subscriber that throws), and no secret reaches a span.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  context,
  type DiagLogger,
  DiagLogLevel,
  diag,
  type Span,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { wirescope } from '@wirescope/aws-sdk';
import { UndiciConnectionInstrumentation } from '@wirescope/instrumentation-undici';
import { PHASE_SPAN_NAMES, SPAN_TLS_HANDSHAKE } from '@wirescope/semconv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, TEST_CREDENTIALS } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { createTestBucket, type S3ServerHandle, startS3Server } from './support/s3-server.js';
import { allAttributeText, spansNamed } from './support/span-query.js';

const tracing = createTestTracing();
let server: S3ServerHandle;
const BUCKET = 'fetch-fail-safe';
const diagMessages: string[] = [];
const hostFailures: unknown[] = [];
const onHostFailure = (error: unknown) => hostFailures.push(error);
const FAULT_KEY = Symbol.for('wirescope.instrumentation-undici.fault');

beforeAll(async () => {
  server = await startS3Server();
  const setup = createS3Client(server.endpoint, { handler: 'fetch' });
  await createTestBucket(setup, BUCKET);
  setup.destroy();
  const record = (...args: unknown[]) => diagMessages.push(args.map(String).join(' '));
  const logger: DiagLogger = { error: record, warn: record, info: record, debug: record, verbose: record };
  diag.setLogger(logger, DiagLogLevel.DEBUG);
  process.on('uncaughtException', onHostFailure);
  process.on('unhandledRejection', onHostFailure);
});
afterAll(async () => {
  process.off('uncaughtException', onHostFailure);
  process.off('unhandledRejection', onHostFailure);
  delete (globalThis as Record<symbol, unknown>)[FAULT_KEY];
  diag.disable();
  await server.close();
  await tracing.shutdown();
});
afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[FAULT_KEY];
  tracing.reset();
});

/** A put, a get and a failing get on a fresh fetch client: what the host application sees. */
async function workload(client: S3Client) {
  const put = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'obj', Body: 'payload' }));
  const get = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'obj' }));
  const body = await get.Body?.transformToString();
  const missing = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'nope' })).then(
    () => undefined,
    (error: Error & { $metadata?: { httpStatusCode?: number } }) => ({
      name: error.name,
      message: error.message,
      status: error.$metadata?.httpStatusCode,
    }),
  );
  client.destroy();
  return { putStatus: put.$metadata.httpStatusCode, etag: put.ETag, body, missing };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

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

const throwingTracer: Tracer = {
  startSpan: () => {
    throw new Error('tracer exploded');
  },
  startActiveSpan: () => {
    throw new Error('tracer exploded');
  },
};

describe('fetch handler: fail-safe', () => {
  it('a tracer whose startSpan throws: same results as without the plugin, diag says why', async () => {
    const bare = await workload(createS3Client(server.endpoint, { handler: 'fetch' }));
    diagMessages.length = 0;
    const client = createS3Client(server.endpoint, { handler: 'fetch' });
    client.middlewareStack.use(wirescope({ tracerProvider: { getTracer: () => throwingTracer } }));
    expect(await workload(client)).toEqual(bare);
    await settle();
    expect(hostFailures).toEqual([]);
    expect(diagMessages.some((m) => m.includes('tracer exploded'))).toBe(true);
  });

  it('phase spans that fail to start: the call and its attempt spans go on, diag names the channel', async () => {
    const bare = await workload(createS3Client(server.endpoint, { handler: 'fetch' }));
    diagMessages.length = 0;
    // A new origin (127.0.0.1 instead of localhost) so that the traced run opens a new connection.
    const client = createS3Client(`https://127.0.0.1:${server.port}`, { handler: 'fetch' });
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
      const bare = await workload(createS3Client(server.endpoint, { handler: 'fetch' }));
      diagMessages.length = 0;
      (globalThis as Record<symbol, unknown>)[FAULT_KEY] = channel;
      const client = createS3Client(server.endpoint, { handler: 'fetch' });
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
      const client = createS3Client(`https://127.0.0.1:${server.port}`, { handler: 'fetch' });
      client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
      await workload(client);
      // A presigned URL fetched directly, under an active span (the standalone path records on it).
      const signer = createS3Client(server.endpoint, { handler: 'fetch' });
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
