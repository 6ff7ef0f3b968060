// Issue 7: redaction canaries. Distinctive secrets — the session token and keys of TEST_CREDENTIALS,
// presigned-URL signatures and credentials, SSE-C customer keys — go through both handlers, the
// plugin and the standalone instrumentations; none may appear in any span (name, attribute, event,
// status) or in any diag log line.
import { createHash } from 'node:crypto';
import https from 'node:https';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { wirescope } from '@wirescope/aws-sdk';
import { HttpConnectionInstrumentation } from '@wirescope/instrumentation-http';
import { UndiciConnectionInstrumentation } from '@wirescope/instrumentation-undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, TEST_CREDENTIALS } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { createTestBucket, type S3ServerHandle, startS3Server } from './support/s3-server.js';
import { allAttributeText } from './support/span-query.js';

const tracing = createTestTracing({ register: true });
const BUCKET = 'canaries';
const SSE_C_KEY = 'WIRESCOPE-CANARY-SSEC-KEY-012345'; // 32 bytes, as AES256 wants
const logLines: string[] = [];
let server: S3ServerHandle;
let httpInstrumentation: HttpConnectionInstrumentation;
let undiciInstrumentation: UndiciConnectionInstrumentation;

/** Every form a secret of this file can take on the wire. */
function canaries(extra: string[] = []): string[] {
  const ssecBase64 = Buffer.from(SSE_C_KEY).toString('base64');
  const ssecMd5 = createHash('md5').update(SSE_C_KEY).digest('base64');
  return [
    TEST_CREDENTIALS.sessionToken,
    encodeURIComponent(TEST_CREDENTIALS.sessionToken),
    TEST_CREDENTIALS.secretAccessKey,
    TEST_CREDENTIALS.accessKeyId,
    SSE_C_KEY,
    ssecBase64,
    ssecMd5,
    ...extra,
  ];
}

function expectNoCanary(extra: string[] = []): void {
  const text = `${allAttributeText(tracing.spans())}\n${logLines.join('\n')}`;
  expect(tracing.spans().length).toBeGreaterThan(0);
  for (const canary of canaries(extra)) expect(text).not.toContain(canary);
}

beforeAll(async () => {
  const record = (...args: unknown[]) => logLines.push(args.map(String).join(' '));
  const logger: DiagLogger = { error: record, warn: record, info: record, debug: record, verbose: record };
  diag.setLogger(logger, DiagLogLevel.ALL);
  server = await startS3Server();
  const setup = createS3Client(server.endpoint);
  await createTestBucket(setup, BUCKET);
  await setup.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'object', Body: 'presigned body' }));
  setup.destroy();
  httpInstrumentation = new HttpConnectionInstrumentation();
  httpInstrumentation.setTracerProvider(tracing.provider);
  undiciInstrumentation = new UndiciConnectionInstrumentation();
  undiciInstrumentation.setTracerProvider(tracing.provider);
});
afterAll(async () => {
  httpInstrumentation.disable();
  undiciInstrumentation.disable();
  diag.disable();
  await server.close();
  await tracing.shutdown();
});

/** The signature and credential values of a presigned URL (what must never be recorded). */
function presignedSecrets(url: string): string[] {
  const query = new URL(url).searchParams;
  return ['X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Security-Token']
    .map((name) => query.get(name))
    .filter((v): v is string => typeof v === 'string' && v.length > 0)
    .flatMap((v) => [v, encodeURIComponent(v)]);
}

describe.each(['node', 'fetch'] as const)('%s handler', (handler) => {
  function client(): S3Client {
    const c = createS3Client(server.endpoint, { handler });
    c.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
    return c;
  }

  it('session token and keys: put, get, a failing get', async () => {
    tracing.reset();
    const c = client();
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'v' }));
    const got = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k' }));
    await got.Body?.transformToString();
    await c.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })).catch(() => undefined);
    c.destroy();
    expectNoCanary();
  });

  it('SSE-C customer key on PutObject and GetObject', async () => {
    tracing.reset();
    const c = client();
    const sse = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: SSE_C_KEY } as const;
    // s3rver may not implement SSE-C: success or error, the key must not leak either way.
    await c
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ssec', Body: 'v', ...sse }))
      .catch(() => undefined);
    await c
      .send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ssec', ...sse }))
      .then((r) => r.Body?.transformToString())
      .catch(() => undefined);
    c.destroy();
    expectNoCanary();
  });
});

describe('presigned URLs fetched outside the SDK, under an active span', () => {
  async function presign(): Promise<string> {
    const c = createS3Client(server.endpoint);
    const url = await getSignedUrl(c, new GetObjectCommand({ Bucket: BUCKET, Key: 'object' }), {
      expiresIn: 300,
    });
    c.destroy();
    expect(new URL(url).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    return url;
  }

  it('through fetch (undici instrumentation)', async () => {
    tracing.reset();
    const url = await presign();
    const body = await tracing.tracer.startActiveSpan('app.download', async (span) => {
      try {
        const response = await fetch(url);
        return await response.text();
      } finally {
        span.end();
      }
    });
    expect(body).toBe('presigned body');
    expectNoCanary(presignedSecrets(url));
  });

  it('through node:https (http instrumentation)', async () => {
    tracing.reset();
    const url = await presign();
    const body = await tracing.tracer.startActiveSpan('app.download', async (span) => {
      try {
        return await new Promise<string>((resolve, reject) => {
          https
            .get(url, (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => {
                text += chunk;
              });
              res.on('end', () => resolve(text));
            })
            .on('error', reject);
        });
      } finally {
        span.end();
      }
    });
    expect(body).toBe('presigned body');
    expectNoCanary(presignedSecrets(url));
  });

  it('a presigned URL to a host that does not resolve: the error path', async () => {
    tracing.reset();
    const url = (await presign()).replace(/^https:\/\/localhost:\d+/, 'https://wirescope-canary.invalid');
    await tracing.tracer.startActiveSpan('app.download', async (span) => {
      await fetch(url).catch(() => undefined);
      await new Promise<void>((resolve) => https.get(url, () => resolve()).on('error', () => resolve()));
      span.end();
    });
    expectNoCanary(presignedSecrets(url));
  });
});
