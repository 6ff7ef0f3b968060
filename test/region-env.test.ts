// Issue 4, caller region from the environment: real SDK, real s3rver over HTTPS, real OTel SDK.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_CALLER_REGION,
  ATTR_CLIENT_REGION,
  ATTR_CLOUD_REGION,
  ATTR_REGION_MISMATCH,
  ATTR_REGION_REDIRECTS,
  EVENT_REGION_MISMATCH,
} from '@wirescope/semconv';
import { describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { isolateEnv } from './support/env.js';
import { createTestTracing } from './support/otel.js';
import { useS3Fixture } from './support/s3-fixture.js';
import { attr, spansNamed } from './support/span-query.js';

const tracing = createTestTracing();
const BUCKET = 'region-env';
const ENV_KEYS = ['AWS_REGION', 'AWS_DEFAULT_REGION'] as const;
const s3 = useS3Fixture(BUCKET, tracing);
isolateEnv(ENV_KEYS);

/** One PutObject from a client in `region` with the plugin; returns the operation span. */
async function putFrom(region: string, plugin = wirescope({ tracerProvider: tracing.provider })) {
  const client: S3Client = createS3Client(s3.server.endpoint, { region });
  client.middlewareStack.use(plugin);
  try {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'hello' }));
  } finally {
    client.destroy();
  }
  const operations = spansNamed(tracing.spans(), 'S3.PutObject');
  expect(operations).toHaveLength(1);
  return operations[0]!;
}

describe('caller region from the environment (real SDK, s3rver)', () => {
  it('AWS_REGION=us-east-1 calling a us-west-2 client → mismatch, with an event naming both regions', async () => {
    process.env['AWS_REGION'] = 'us-east-1';
    const op = await putFrom('us-west-2');
    expect(attr(op, ATTR_CALLER_REGION)).toBe('us-east-1');
    expect(attr(op, ATTR_CLOUD_REGION)).toBe('us-west-2');
    expect(attr(op, ATTR_CLIENT_REGION)).toBe('us-west-2');
    expect(attr(op, ATTR_REGION_MISMATCH)).toBe(true);
    expect(attr(op, ATTR_REGION_REDIRECTS)).toBe(0);
    const events = op.events.filter((event) => event.name === EVENT_REGION_MISMATCH);
    expect(events).toHaveLength(1);
    expect(events[0]?.attributes?.[ATTR_CALLER_REGION]).toBe('us-east-1');
    expect(events[0]?.attributes?.[ATTR_CLOUD_REGION]).toBe('us-west-2');
    expect(String(events[0]?.attributes?.['wirescope.region.disagreements'])).toBe(
      'caller us-east-1 ≠ target us-west-2',
    );
  });

  it('AWS_DEFAULT_REGION is used when AWS_REGION is absent', async () => {
    process.env['AWS_DEFAULT_REGION'] = 'eu-west-1';
    const op = await putFrom('us-west-2');
    expect(attr(op, ATTR_CALLER_REGION)).toBe('eu-west-1');
    expect(attr(op, ATTR_REGION_MISMATCH)).toBe(true);
  });

  it('AWS_REGION wins over AWS_DEFAULT_REGION', async () => {
    process.env['AWS_REGION'] = 'us-west-2';
    process.env['AWS_DEFAULT_REGION'] = 'eu-west-1';
    const op = await putFrom('us-west-2');
    expect(attr(op, ATTR_CALLER_REGION)).toBe('us-west-2');
    expect(attr(op, ATTR_REGION_MISMATCH)).toBe(false);
  });

  it('the callerRegion option beats the environment', async () => {
    process.env['AWS_REGION'] = 'us-east-1';
    process.env['AWS_DEFAULT_REGION'] = 'us-east-1';
    const op = await putFrom(
      'ap-southeast-2',
      wirescope({ tracerProvider: tracing.provider, callerRegion: 'ap-southeast-2' }),
    );
    expect(attr(op, ATTR_CALLER_REGION)).toBe('ap-southeast-2');
    expect(attr(op, ATTR_CLOUD_REGION)).toBe('ap-southeast-2');
    expect(attr(op, ATTR_REGION_MISMATCH)).toBe(false);
    expect(op.events.filter((event) => event.name === EVENT_REGION_MISMATCH)).toHaveLength(0);
  });

  it('same region → no mismatch and no event', async () => {
    process.env['AWS_REGION'] = 'us-west-2';
    const op = await putFrom('us-west-2');
    expect(attr(op, ATTR_CALLER_REGION)).toBe('us-west-2');
    expect(attr(op, ATTR_CLOUD_REGION)).toBe('us-west-2');
    expect(attr(op, ATTR_REGION_MISMATCH)).toBe(false);
    expect(op.events.filter((event) => event.name === EVENT_REGION_MISMATCH)).toHaveLength(0);
  });

  it('no caller region anywhere → no caller attribute, no mismatch', async () => {
    const op = await putFrom('us-west-2');
    expect(attr(op, ATTR_CALLER_REGION)).toBeUndefined();
    expect(attr(op, ATTR_REGION_MISMATCH)).toBe(false);
  });
});
