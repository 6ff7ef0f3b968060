// Issue 15: a region named by a server is a region or nothing. A 301 whose `x-amz-bucket-region`
// was 10 KB long put 10,009 characters into `cloud.region` and into the mismatch event. Mocked with
// nock 14 for S3's real host names, as in region-redirect.test.ts.

import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { wirescope } from '@wirescope/aws-sdk';
import { ATTR_BUCKET_REGION, ATTR_CLIENT_REGION, ATTR_CLOUD_REGION, isRegionName } from '@wirescope/semconv';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_CREDENTIALS } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { allAttributeText } from './support/span-query.js';

const tracing = createTestTracing();
const US_EAST_1 = 'https://s3.us-east-1.amazonaws.com';
const savedEnv = new Map<string, string | undefined>();

beforeAll(() => {
  if (!nock.isActive()) nock.activate();
  nock.disableNetConnect();
});
beforeEach(() => {
  for (const key of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
    savedEnv.set(key, process.env[key]);
    delete process.env[key];
  }
});
afterEach(() => {
  for (const [key, value] of savedEnv) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  nock.cleanAll();
  tracing.reset();
});
afterAll(async () => {
  nock.enableNetConnect();
  nock.restore();
  await tracing.shutdown();
});

function s3(plugin: boolean): S3Client {
  const client = new S3Client({
    region: 'us-east-1',
    credentials: { ...TEST_CREDENTIALS },
    forcePathStyle: true,
    followRegionRedirects: true,
    maxAttempts: 1,
  });
  if (plugin) client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  return client;
}

/** What the application sees of a call: its result or its error, by name, message and status. */
async function outcome(promise: Promise<{ $metadata: { httpStatusCode?: number } }>) {
  try {
    const out = await promise;
    return { ok: out.$metadata.httpStatusCode };
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
}

const REDIRECT_BODY =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code><Message>Use the endpoint.</Message>' +
  '<Bucket>bkt</Bucket><RequestId>REQ1</RequestId></Error>';

const HUGE = [
  ['10 KB of letters', 'a'.repeat(10_000)],
  ['a region and 10 KB', `eu-west-1${'x'.repeat(10_000)}`],
  ['10 KB with dashes', 'eu-west-1-'.repeat(1_000)],
] as const;

describe('x-amz-bucket-region from a server (issue 15)', () => {
  for (const [what, header] of HUGE) {
    for (const [command, send] of [
      // GetObject against a 301 with a 10 KB region hangs with and without the plugin under nock: left out.
      ['HeadBucket 301', (c: S3Client) => c.send(new HeadBucketCommand({ Bucket: 'bkt' }))],
    ] as const) {
      it(`${command}, ${what}: dropped, never in cloud.region or an event; the call ends as without the plugin`, async () => {
        const reply = () =>
          nock(US_EAST_1)
            .intercept(
              command.startsWith('Get') ? '/bkt/key' : '/bkt',
              command.startsWith('Get') ? 'GET' : 'HEAD',
            )
            .query(true)
            .times(2)
            .reply(301, command.startsWith('Get') ? REDIRECT_BODY : '', {
              'content-type': 'application/xml',
              'x-amz-bucket-region': header,
              'x-amz-request-id': 'REQ1',
            });
        reply();
        const bare = await outcome(send(s3(false)));
        nock.cleanAll();
        reply();
        const traced = await outcome(send(s3(true)));
        expect(
          { ...traced, message: undefined },
          `${bare.message?.slice(0, 300)} | ${traced.message?.slice(0, 300)}`,
        ).toEqual({ ...bare, message: undefined });

        const spans = tracing.spans();
        expect(spans.length).toBeGreaterThan(0);
        const text = allAttributeText(spans);
        expect(text).not.toContain(header.slice(0, 100));
        for (const span of spans) {
          for (const key of [ATTR_CLOUD_REGION, ATTR_BUCKET_REGION, ATTR_CLIENT_REGION]) {
            const value = span.attributes[key];
            if (value !== undefined)
              expect(isRegionName(value), `${key}=${String(value).slice(0, 40)}`).toBe(true);
          }
          for (const event of span.events) {
            for (const value of Object.values(event.attributes ?? {}))
              expect(String(value).length).toBeLessThan(200);
          }
          for (const value of Object.values(span.attributes)) expect(String(value).length).toBeLessThan(600);
          // The plugin's own spans; a dns.lookup span's status is the socket layer's (record-error.ts).
          if (span.name.startsWith('S3.'))
            expect((span.status.message ?? '').length, span.status.message).toBeLessThanOrEqual(642);
        }
      });
    }
  }
});
