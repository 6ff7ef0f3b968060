// Issue 2: the plugin never breaks the host, and no secret reaches a span.

import type { S3Client } from '@aws-sdk/client-s3';
import { wirescope } from '@wirescope/aws-sdk';
import { describe, expect, it } from 'vitest';
// The instrumentation's test-only seam (not exported from the package) makes our hooks throw.
import { testSeams } from '../packages/instrumentation-http/src/test-seams.js';
import { createS3Client, TEST_CREDENTIALS } from './support/clients.js';
import {
  providerThatThrows,
  providerWithThrowingTracer,
  settle,
  workload as sharedWorkload,
  watchHost,
} from './support/fail-safe.js';
import { createTestTracing } from './support/otel.js';
import { useS3Fixture } from './support/s3-fixture.js';
import { allAttributeText, spansNamed } from './support/span-query.js';

const tracing = createTestTracing();
const BUCKET = 'fail-safe';
const s3 = useS3Fixture(BUCKET, tracing);
const { diagMessages, hostFailures } = watchHost();
const workload = (client: S3Client) => sharedWorkload(client, BUCKET);

describe('fail-safe', () => {
  it.each([
    ['getTracer throws', providerThatThrows],
    ['startSpan throws', providerWithThrowingTracer],
  ])(
    '%s: every call returns what it returns without the plugin, and diag says why',
    async (_name, provider) => {
      const bare = await workload(createS3Client(s3.server.endpoint));
      diagMessages.length = 0;
      const client = createS3Client(s3.server.endpoint);
      client.middlewareStack.use(wirescope({ tracerProvider: provider }));
      const traced = await workload(client);
      expect(traced).toEqual(bare);
      expect(bare.missing?.name).toBe('NoSuchKey');
      await settle();
      expect(hostFailures).toEqual([]);
      expect(diagMessages.some((m) => m.includes('tracer exploded'))).toBe(true);
    },
  );
});

describe('our socket hooks forced to throw', () => {
  it.each(['resolve', 'begin', 'socket', 'response', 'settle', 'close'])(
    'at %s: the SDK calls return the same, nothing reaches the host, diag says what failed',
    async (stage) => {
      const bare = await workload(createS3Client(s3.server.endpoint));
      diagMessages.length = 0;
      testSeams.failAt = stage;
      try {
        const client = createS3Client(s3.server.endpoint);
        client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
        const traced = await workload(client);
        expect(traced).toEqual(bare);
      } finally {
        testSeams.failAt = undefined;
      }
      await settle();
      expect(hostFailures).toEqual([]);
      expect(diagMessages.some((m) => m.includes(`forced failure at ${stage}`))).toBe(true);
      // The operation and attempt spans are still there: only the socket facts are lost.
      expect(spansNamed(tracing.spans(), 'S3.PutObject')).toHaveLength(1);
    },
  );
});

describe('no secrets in spans', () => {
  it('credentials, session token and the Authorization signature never appear', async () => {
    const client = createS3Client(s3.server.endpoint);
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
