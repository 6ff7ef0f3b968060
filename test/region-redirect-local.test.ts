// Issue 4, region redirects on both handlers without mocks: a local HTTPS server that answers like S3
// for a bucket in eu-west-1. It reads the region from the request's SigV4 credential scope, the one
// thing that changes when the SDK re-runs a call in the bucket's region (the endpoint is overridden,
// so the host stays the same).
import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand } from '@aws-sdk/client-s3';
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
} from '@wirescope/semconv';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from './support/clients.js';
import { createTestTracing } from './support/otel.js';
import { attr, childrenOf, spansNamed } from './support/span-query.js';
import { testCertificate } from './support/tls-cert.js';

const BUCKET_REGION = 'eu-west-1';
const tracing = createTestTracing();
const seenRegions: string[] = [];
let server: https.Server;
let endpoint: string;

beforeAll(async () => {
  server = https.createServer(testCertificate(), (req, res) => {
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\//.exec(req.headers.authorization ?? '');
    const region = scope?.[1] ?? 'none';
    seenRegions.push(region);
    req.resume();
    req.on('end', () => {
      if (region !== BUCKET_REGION) {
        res.writeHead(301, { 'content-type': 'application/xml', 'x-amz-bucket-region': BUCKET_REGION });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code>' +
            '<Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message>' +
            '<Endpoint>far.s3.eu-west-1.amazonaws.com</Endpoint><Bucket>far</Bucket></Error>',
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain', 'x-amz-bucket-region': BUCKET_REGION });
      res.end('far away');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `https://localhost:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await tracing.shutdown();
});
afterEach(() => {
  seenRegions.length = 0;
  tracing.reset();
});

describe('region redirect against a local S3 look-alike (both handlers)', () => {
  for (const handler of ['node', 'fetch'] as const) {
    it(`${handler} handler: the wasted attempt and the re-run are two attempt spans, redirects=1`, async () => {
      const client = createS3Client(endpoint, { handler, region: 'us-east-1', followRegionRedirects: true });
      client.middlewareStack.use(wirescope({ tracerProvider: tracing.provider, callerRegion: 'us-east-1' }));
      const out = await client.send(new GetObjectCommand({ Bucket: 'far', Key: 'k' }));
      expect(await out.Body?.transformToString()).toBe('far away');
      client.destroy();
      expect(seenRegions).toEqual(['us-east-1', 'eu-west-1']);

      const spans = tracing.spans();
      const [op] = spansNamed(spans, 'S3.GetObject');
      expect(op).toBeDefined();
      expect(attr(op!, ATTR_REGION_REDIRECTS)).toBe(1);
      expect(attr(op!, ATTR_ATTEMPTS)).toBe(2);
      expect(attr(op!, ATTR_BUCKET_REGION)).toBe('eu-west-1');
      expect(attr(op!, ATTR_CLIENT_REGION)).toBe('us-east-1');
      expect(attr(op!, ATTR_CLOUD_REGION)).toBe('eu-west-1');
      expect(attr(op!, ATTR_REGION_MISMATCH)).toBe(true);
      const attempts = childrenOf(spans, op!).sort(
        (a, b) => Number(attr(a, ATTR_ATTEMPT)) - Number(attr(b, ATTR_ATTEMPT)),
      );
      expect(attempts.map((a) => attr(a, ATTR_HTTP_RESPONSE_STATUS_CODE))).toEqual([301, 200]);
    });
  }
});
