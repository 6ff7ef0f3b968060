// Issue 7: attribute bounds. Values a server controls (error messages, request ids) are truncated on
// spans, and span names never carry the bucket or the key (they are unbounded, personal, high-cardinality).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { wirescope } from '@wirescope/aws-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { createTestBucket, type S3ServerHandle, startS3Server } from './support/s3-server.js';

/** Longest string we accept in any attribute or status message. */
const BOUND = 1024;
const LONG = 20_000;
// Node's default limit for all response headers together is 16 KiB.
const LONG_HEADER = 8_000;
const BUCKET = 'bounds-bucket-canary';
const KEY = 'private/user-4711/key-canary.txt';
const tracing = createTestTracing();
let s3: S3ServerHandle;
let verbose: http.Server;
let verboseEndpoint: string;

beforeAll(async () => {
  s3 = await startS3Server();
  const setup = createS3Client(s3.endpoint);
  await createTestBucket(setup, BUCKET);
  setup.destroy();
  // A server whose errors are huge: a 20 000-character message, an 8 000-character request id.
  verbose = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const xml = `<?xml version="1.0"?><Error><Code>InternalError</Code><Message>${'M'.repeat(LONG)}</Message></Error>`;
      res
        .writeHead(500, { 'content-type': 'application/xml', 'x-amz-request-id': 'R'.repeat(LONG_HEADER) })
        .end(xml);
    });
  });
  await new Promise<void>((resolve) => verbose.listen(0, '127.0.0.1', resolve));
  verboseEndpoint = `http://127.0.0.1:${(verbose.address() as AddressInfo).port}`;
});
afterAll(async () => {
  verbose.closeAllConnections();
  await new Promise((resolve) => verbose.close(resolve));
  await s3.close();
  await tracing.shutdown();
});

function longest(): { where: string; length: number } {
  let worst = { where: '', length: 0 };
  const check = (where: string, value: unknown) => {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (typeof v === 'string' && v.length > worst.length) worst = { where, length: v.length };
    }
  };
  for (const span of tracing.spans()) {
    check(`${span.name} name`, span.name);
    check(`${span.name} status`, span.status.message);
    for (const [key, value] of Object.entries(span.attributes)) check(`${span.name} ${key}`, value);
    for (const event of span.events)
      for (const [key, value] of Object.entries(event.attributes ?? {}))
        check(`${span.name} ${event.name} ${key}`, value);
  }
  return worst;
}

describe.each(['node', 'fetch'] as const)('%s handler', (handler) => {
  it(`server-controlled values are truncated to ${BOUND} characters`, async () => {
    tracing.reset();
    const client = createS3Client(verboseEndpoint, { handler, maxAttempts: 1 });
    client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
    const error = await client
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: 'x' }))
      .catch((e: Error) => e);
    client.destroy();
    // The application still gets the whole message: only our copy is bounded.
    expect(String((error as Error).message).length).toBeGreaterThanOrEqual(LONG);
    expect(tracing.spans().length).toBeGreaterThanOrEqual(2);
    expect(longest().length, JSON.stringify(longest())).toBeLessThanOrEqual(BOUND);
  });

  it('span names never carry the bucket or the key', async () => {
    tracing.reset();
    const client = createS3Client(s3.endpoint, { handler });
    client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: 'x' }));
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
    await got.Body?.transformToString();
    await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${KEY}.missing` })).catch(() => undefined);
    client.destroy();
    const names = tracing.spans().map((s) => s.name);
    expect(names).toContain('S3.PutObject');
    for (const name of names) {
      expect(name).not.toContain(BUCKET);
      expect(name).not.toContain('key-canary');
    }
    // The key is not recorded anywhere by default (s3KeyPrefixLength is 0).
    const everything = JSON.stringify(tracing.spans().map((s) => [s.attributes, s.events, s.status]));
    expect(everything).not.toContain('key-canary');
  });
});
