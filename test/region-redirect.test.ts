// Issue 4, bucket regions and region redirects: the real SDK (default NodeHttpHandler) against S3's real host names, answered by nock 14. Mocks are right here and only here: no local
// server gives S3's redirect answers for real S3 host names. nock 15 breaks Node 20 (FIELD-NOTES).
// nock 14 cannot answer fetch with a 301 that has no Location ("Failed to fetch"), so the fetch
// handler's redirect is shown against a local server in region-redirect-local.test.ts.
import {
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { wirescope } from '@wirescope/aws-sdk';
import {
  ATTR_ATTEMPT,
  ATTR_ATTEMPTS,
  ATTR_BUCKET_REGION,
  ATTR_CLIENT_REGION,
  ATTR_CLOUD_REGION,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_REGION_MISMATCH,
  ATTR_REGION_REDIRECTS,
  ATTR_SERVER_ADDRESS,
  EVENT_REGION_MISMATCH,
  EVENT_REGION_REDIRECT,
} from '@wirescope/semconv';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_CREDENTIALS } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { allAttributeText, attr, childrenOf, spansNamed } from './support/span-query.js';

const tracing = createTestTracing();
const US_EAST_1 = 'https://s3.us-east-1.amazonaws.com';
const EU_WEST_1 = 'https://s3.eu-west-1.amazonaws.com';
const savedEnv = new Map<string, string | undefined>();

beforeAll(() => {
  if (!nock.isActive()) nock.activate();
  nock.disableNetConnect();
});
beforeEach(() => {
  // The caller region is not under test here: keep the environment from adding a mismatch.
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

function s3(config: Partial<S3ClientConfig> = {}, plugin = true): S3Client {
  const client = new S3Client({
    region: 'us-east-1',
    credentials: { ...TEST_CREDENTIALS },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...config,
  });
  if (plugin) client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
  return client;
}

const xmlHeaders = { 'content-type': 'application/xml', 'x-amz-request-id': 'REQ1' };

function permanentRedirectBody(bucket: string, endpoint: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code>' +
    '<Message>The bucket you are attempting to access must be addressed using the specified endpoint. ' +
    'Please send all future requests to this endpoint.</Message>' +
    `<Endpoint>${endpoint}</Endpoint><Bucket>${bucket}</Bucket><RequestId>REQ1</RequestId></Error>`
  );
}

function replyPermanentRedirect(host: string, path: string, bucket: string) {
  return nock(host)
    .get(path)
    .query(true)
    .reply(301, permanentRedirectBody(bucket, `${bucket}.s3.eu-west-1.amazonaws.com`), {
      ...xmlHeaders,
      'x-amz-bucket-region': 'eu-west-1',
    });
}

function operation(name: string) {
  const spans = tracing.spans();
  const operations = spansNamed(spans, name);
  expect(operations).toHaveLength(1);
  const op = operations[0]!;
  const attempts = childrenOf(spans, op)
    .filter((span) => span.name === `${name} attempt`)
    .sort((a, b) => Number(attr(a, ATTR_ATTEMPT)) - Number(attr(b, ATTR_ATTEMPT)));
  return { op, attempts, spans };
}

async function errorOf(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

describe('S3 region redirects and bucket regions (real SDK, nock)', () => {
  it('301 PermanentRedirect + followRegionRedirects → redirects=1, bucket region, mismatch, two attempt spans', async () => {
    const wrong = replyPermanentRedirect(US_EAST_1, '/bkt/key', 'bkt');
    const right = nock(EU_WEST_1)
      .get('/bkt/key')
      .query(true)
      .reply(200, 'hello', { 'x-amz-request-id': 'REQ2' });
    const client = s3({ followRegionRedirects: true });
    const out = await client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'key' }));
    expect(await out.Body?.transformToString()).toBe('hello');
    expect(wrong.isDone() && right.isDone()).toBe(true);

    const { op, attempts, spans } = operation('S3.GetObject');
    expect(attr(op, ATTR_REGION_REDIRECTS)).toBe(1);
    expect(attr(op, ATTR_BUCKET_REGION)).toBe('eu-west-1');
    expect(attr(op, ATTR_CLIENT_REGION)).toBe('us-east-1');
    expect(attr(op, ATTR_CLOUD_REGION)).toBe('eu-west-1');
    expect(attr(op, ATTR_REGION_MISMATCH)).toBe(true);
    expect(attr(op, ATTR_ATTEMPTS)).toBe(2);
    const mismatch = op.events.find((event) => event.name === EVENT_REGION_MISMATCH);
    expect(mismatch?.attributes?.['wirescope.region.disagreements']).toBe(
      'client us-east-1 ≠ bucket eu-west-1',
    );
    const redirect = op.events.filter((event) => event.name === EVENT_REGION_REDIRECT);
    expect(redirect).toHaveLength(1);
    expect(redirect[0]?.attributes?.[ATTR_ATTEMPT]).toBe(2);
    // The wasted attempt is its own span, under the same operation.
    expect(attempts).toHaveLength(2);
    expect(attempts.map((a) => attr(a, ATTR_HTTP_RESPONSE_STATUS_CODE))).toEqual([301, 200]);
    expect(attempts.map((a) => attr(a, ATTR_SERVER_ADDRESS))).toEqual([
      's3.us-east-1.amazonaws.com',
      's3.eu-west-1.amazonaws.com',
    ]);
    expect(allAttributeText(spans)).not.toContain(TEST_CREDENTIALS.secretAccessKey);
    client.destroy();
  });

  it('virtual-hosted style: the redirect is counted once, attempts name both hosts', async () => {
    nock('https://bkt.s3.us-east-1.amazonaws.com')
      .put('/key')
      .query(true)
      .reply(301, permanentRedirectBody('bkt', 'bkt.s3.eu-west-1.amazonaws.com'), {
        ...xmlHeaders,
        'x-amz-bucket-region': 'eu-west-1',
      });
    nock('https://bkt.s3.eu-west-1.amazonaws.com').put('/key').query(true).reply(200, '', { etag: '"e"' });
    const client = s3({ followRegionRedirects: true, forcePathStyle: false });
    await client.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'key', Body: 'hello' }));

    const { op, attempts } = operation('S3.PutObject');
    expect(attr(op, ATTR_REGION_REDIRECTS)).toBe(1);
    expect(attr(op, ATTR_BUCKET_REGION)).toBe('eu-west-1');
    expect(attr(op, ATTR_REGION_MISMATCH)).toBe(true);
    expect(attempts.map((a) => attr(a, ATTR_SERVER_ADDRESS))).toEqual([
      'bkt.s3.us-east-1.amazonaws.com',
      'bkt.s3.eu-west-1.amazonaws.com',
    ]);
    client.destroy();
  });

  it('301 without followRegionRedirects → the same error as without the plugin; the span records the bucket region', async () => {
    replyPermanentRedirect(US_EAST_1, '/bkt/key', 'bkt');
    const bare = s3({}, false);
    const expected = await errorOf(bare.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'key' })));
    bare.destroy();

    replyPermanentRedirect(US_EAST_1, '/bkt/key', 'bkt');
    const client = s3();
    const actual = await errorOf(client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'key' })));
    client.destroy();
    expect(actual.name).toBe('PermanentRedirect');
    expect(actual.name).toBe(expected.name);
    expect(actual.message).toBe(expected.message);
    expect(actual.constructor).toBe(expected.constructor);
    expect(actual.$metadata?.httpStatusCode).toBe(301);
    expect((actual as { Endpoint?: string }).Endpoint).toBe((expected as { Endpoint?: string }).Endpoint);

    const { op, attempts } = operation('S3.GetObject');
    expect(attr(op, ATTR_BUCKET_REGION)).toBe('eu-west-1');
    expect(attr(op, ATTR_REGION_REDIRECTS)).toBe(0);
    expect(attr(op, ATTR_REGION_MISMATCH)).toBe(true);
    expect(attempts).toHaveLength(1);
  });

  it('HeadBucket 200 with x-amz-bucket-region → the bucket region; later calls to that bucket carry it too', async () => {
    nock(US_EAST_1).head('/remembered/').query(true).reply(200, '', { 'x-amz-bucket-region': 'us-east-1' });
    nock(US_EAST_1).get('/remembered/key').query(true).reply(200, 'x');
    nock(US_EAST_1).get('/other/key').query(true).reply(200, 'y');
    const client = s3();
    await client.send(new HeadBucketCommand({ Bucket: 'remembered' }));
    const head = operation('S3.HeadBucket').op;
    expect(attr(head, ATTR_BUCKET_REGION)).toBe('us-east-1');
    expect(attr(head, ATTR_REGION_MISMATCH)).toBe(false);
    tracing.reset();

    // No header on this answer: the region comes from the plugin's memory of the bucket.
    const got = await client.send(new GetObjectCommand({ Bucket: 'remembered', Key: 'key' }));
    await got.Body?.transformToString();
    expect(attr(operation('S3.GetObject').op, ATTR_BUCKET_REGION)).toBe('us-east-1');
    tracing.reset();

    const other = await client.send(new GetObjectCommand({ Bucket: 'other', Key: 'key' }));
    await other.Body?.transformToString();
    expect(attr(operation('S3.GetObject').op, ATTR_BUCKET_REGION)).toBeUndefined();
    client.destroy();
  });

  it('HeadBucket 400 with x-amz-bucket-region + followRegionRedirects → redirected and counted', async () => {
    nock(US_EAST_1).head('/far/').query(true).reply(400, '', { 'x-amz-bucket-region': 'ap-northeast-1' });
    nock('https://s3.ap-northeast-1.amazonaws.com')
      .head('/far/')
      .query(true)
      .reply(200, '', { 'x-amz-bucket-region': 'ap-northeast-1' });
    const client = s3({ followRegionRedirects: true });
    await client.send(new HeadBucketCommand({ Bucket: 'far' }));
    client.destroy();
    const { op, attempts } = operation('S3.HeadBucket');
    expect(attr(op, ATTR_REGION_REDIRECTS)).toBe(1);
    expect(attr(op, ATTR_BUCKET_REGION)).toBe('ap-northeast-1');
    expect(attempts.map((a) => attr(a, ATTR_HTTP_RESPONSE_STATUS_CODE))).toEqual([400, 200]);
  });

  it('400 AuthorizationHeaderMalformed: the <Region> of the error body is the bucket region; error unchanged', async () => {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AuthorizationHeaderMalformed</Code>' +
      "<Message>The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'</Message>" +
      '<Region>eu-west-1</Region><RequestId>REQ1</RequestId><HostId>h</HostId></Error>';
    nock(US_EAST_1).get('/bkt/key').query(true).reply(400, body, xmlHeaders);
    const bare = s3({}, false);
    const expected = await errorOf(bare.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'key' })));
    bare.destroy();

    nock(US_EAST_1).get('/bkt/key').query(true).reply(400, body, xmlHeaders);
    const client = s3();
    const actual = await errorOf(client.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'key' })));
    client.destroy();
    expect(actual.name).toBe('AuthorizationHeaderMalformed');
    expect(actual.message).toBe(expected.message);
    expect((actual as { Region?: string }).Region).toBe('eu-west-1');

    const { op } = operation('S3.GetObject');
    expect(attr(op, ATTR_BUCKET_REGION)).toBe('eu-west-1');
    expect(attr(op, ATTR_REGION_MISMATCH)).toBe(true);
    expect(attr(op, ATTR_REGION_REDIRECTS)).toBe(0);
  });

  it('307 TemporaryRedirect with x-amz-bucket-region → bucket region recorded, not counted as a paid redirect', async () => {
    nock(US_EAST_1)
      .get('/young/key')
      .query(true)
      .reply(
        307,
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>TemporaryRedirect</Code>' +
          '<Message>Please re-send this request to the specified temporary endpoint.</Message>' +
          '<Endpoint>young.s3-us-west-2.amazonaws.com</Endpoint><Bucket>young</Bucket></Error>',
        {
          ...xmlHeaders,
          'x-amz-bucket-region': 'us-west-2',
          location: 'https://young.s3-us-west-2.amazonaws.com/key',
        },
      );
    const client = s3({ followRegionRedirects: true });
    const error = await errorOf(client.send(new GetObjectCommand({ Bucket: 'young', Key: 'key' })));
    client.destroy();
    expect(error.$metadata?.httpStatusCode).toBe(307);
    const { op, attempts } = operation('S3.GetObject');
    expect(attr(op, ATTR_BUCKET_REGION)).toBe('us-west-2');
    expect(attr(op, ATTR_REGION_MISMATCH)).toBe(true);
    expect(attr(op, ATTR_REGION_REDIRECTS)).toBe(0);
    expect(attempts).toHaveLength(1);
    expect(attr(attempts[0]!, ATTR_HTTP_RESPONSE_STATUS_CODE)).toBe(307);
  });
});
