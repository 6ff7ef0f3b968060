// Issue 2: the plugin never breaks the host, and no secret reaches a span.

import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type DiagLogger, DiagLogLevel, diag, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { wirescope } from '@wirescope/aws-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// The instrumentation's test-only seam (not exported from the package) makes our hooks throw.
import { testSeams } from '../packages/instrumentation-http/src/test-seams.js';
import { createS3Client, TEST_CREDENTIALS } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { createTestBucket, type S3ServerHandle, startS3Server } from './support/s3-server.js';
import { allAttributeText, spansNamed } from './support/span-query.js';

const tracing = createTestTracing();
let server: S3ServerHandle;
const BUCKET = 'fail-safe';
const diagMessages: string[] = [];
const hostFailures: unknown[] = [];
const onHostFailure = (error: unknown) => hostFailures.push(error);

beforeAll(async () => {
  server = await startS3Server();
  const setup = createS3Client(server.endpoint);
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
  diag.disable();
  await server.close();
  await tracing.shutdown();
});
afterEach(() => tracing.reset());

/** A put, a get and a failing get: what the host application sees. */
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

const throwing = (): never => {
  throw new Error('tracer exploded');
};
const providerThatThrows: TracerProvider = { getTracer: throwing };
const tracerThatThrows: Tracer = { startSpan: throwing, startActiveSpan: throwing };
const providerWithThrowingTracer: TracerProvider = { getTracer: () => tracerThatThrows };

describe('fail-safe', () => {
  it.each([
    ['getTracer throws', providerThatThrows],
    ['startSpan throws', providerWithThrowingTracer],
  ])(
    '%s: every call returns what it returns without the plugin, and diag says why',
    async (_name, provider) => {
      const bare = await workload(createS3Client(server.endpoint));
      diagMessages.length = 0;
      const client = createS3Client(server.endpoint);
      client.middlewareStack.use(wirescope({ tracerProvider: provider }));
      const traced = await workload(client);
      expect(traced).toEqual(bare);
      expect(bare.missing?.name).toBe('NoSuchKey');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(hostFailures).toEqual([]);
      expect(diagMessages.some((m) => m.includes('tracer exploded'))).toBe(true);
    },
  );
});

describe('our socket hooks forced to throw', () => {
  it.each(['resolve', 'begin', 'socket', 'response', 'settle', 'close'])(
    'at %s: the SDK calls return the same, nothing reaches the host, diag says what failed',
    async (stage) => {
      const bare = await workload(createS3Client(server.endpoint));
      diagMessages.length = 0;
      testSeams.failAt = stage;
      try {
        const client = createS3Client(server.endpoint);
        client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
        const traced = await workload(client);
        expect(traced).toEqual(bare);
      } finally {
        testSeams.failAt = undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(hostFailures).toEqual([]);
      expect(diagMessages.some((m) => m.includes(`forced failure at ${stage}`))).toBe(true);
      // The operation and attempt spans are still there: only the socket facts are lost.
      expect(spansNamed(tracing.spans(), 'S3.PutObject')).toHaveLength(1);
    },
  );
});

describe('no secrets in spans', () => {
  it('credentials, session token and the Authorization signature never appear', async () => {
    const client = createS3Client(server.endpoint);
    client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
    await workload(client);
    const spans = tracing.spans();
    expect(spansNamed(spans, 'S3.GetObject')).toHaveLength(2);
    const text = allAttributeText(spans) + spans.map((s) => `${s.name} ${s.status.message ?? ''}`).join(' ');
    for (const secret of [
      TEST_CREDENTIALS.accessKeyId,
      TEST_CREDENTIALS.secretAccessKey,
      TEST_CREDENTIALS.sessionToken,
      'AWS4-HMAC-SHA256',
      'Signature=',
      'Credential=',
    ]) {
      expect(text).not.toContain(secret);
    }
  });
});
