// Issue 14: an S3 region redirect counted in the metrics, for an unsampled call, on both handlers. A
// local HTTPS server answers like S3 for a bucket in eu-west-1 (a 301 with x-amz-bucket-region until
// the request is signed for eu-west-1), as in test/region-redirect-local.test.ts.
import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { wirescope } from '@wirescope/aws-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../support/clients.js';
import { createTestMetrics, total } from '../support/metrics.js';
import { testCertificate } from '../support/tls-cert.js';

const BUCKET_REGION = 'eu-west-1';
const unsampled = new BasicTracerProvider({ sampler: new AlwaysOffSampler() });
let server: https.Server;
let endpoint: string;

beforeAll(async () => {
  server = https.createServer(testCertificate(), (req, res) => {
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\//.exec(req.headers.authorization ?? '');
    req.resume();
    req.on('end', () => {
      if (scope?.[1] !== BUCKET_REGION) {
        res.writeHead(301, { 'content-type': 'application/xml', 'x-amz-bucket-region': BUCKET_REGION });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PermanentRedirect</Code>' +
            '<Message>Use the bucket region.</Message><Bucket>far</Bucket></Error>',
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
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe.each(['node', 'fetch'] as const)('%s handler, unsampled', (handler) => {
  it('one redirect from us-east-1 to the bucket region; the call ends in eu-west-1, mismatched', async () => {
    const metrics = createTestMetrics();
    const client = createS3Client(endpoint, { handler, region: 'us-east-1', followRegionRedirects: true });
    client.middlewareStack.use(
      wirescope({ tracerProvider: unsampled, meterProvider: metrics.provider, callerRegion: 'us-east-1' }),
    );
    const out = await client.send(new GetObjectCommand({ Bucket: 'far', Key: 'k' }));
    expect(await out.Body?.transformToString()).toBe('far away');
    client.destroy();

    const redirects = await metrics.points('wirescope.region.redirects');
    expect(redirects.map((point) => [point.attributes, point.value])).toEqual([
      // The zero series the call's first series brings (no redirect reads as 0, not as no data).
      [{ 'rpc.service': 'S3', 'rpc.method': 'GetObject', 'cloud.region': 'us-east-1' }, 0],
      [
        {
          'rpc.service': 'S3',
          'rpc.method': 'GetObject',
          'cloud.region': 'us-east-1',
          'wirescope.bucket.region': BUCKET_REGION,
        },
        1,
      ],
    ]);
    const calls = await metrics.points('wirescope.calls');
    expect(calls.map((point) => [point.attributes, point.value])).toEqual([
      [
        {
          'rpc.service': 'S3',
          'rpc.method': 'GetObject',
          'wirescope.region.mismatch': true,
          'cloud.region': BUCKET_REGION,
          'wirescope.caller.region': 'us-east-1',
        },
        1,
      ],
    ]);
    const attempts = await metrics.points('wirescope.attempts');
    expect(total(attempts, { 'cloud.region': 'us-east-1' })).toBe(1);
    expect(total(attempts, { 'cloud.region': BUCKET_REGION })).toBe(1);
    const requests = await metrics.points('http.client.request.duration');
    expect(total(requests, { 'http.response.status_code': 301 })).toBe(1);
    expect(total(requests, { 'http.response.status_code': 200 })).toBe(1);
    await metrics.shutdown();
  });

  it('with stageDurations: the re-run serializes, signs and deserializes again, each stage counted twice', async () => {
    const metrics = createTestMetrics();
    const client = createS3Client(endpoint, { handler, region: 'us-east-1', followRegionRedirects: true });
    client.middlewareStack.use(
      wirescope({ tracerProvider: unsampled, meterProvider: metrics.provider, stageDurations: true }),
    );
    const out = await client.send(new GetObjectCommand({ Bucket: 'far', Key: 'k' }));
    expect(await out.Body?.transformToString()).toBe('far away');
    client.destroy();
    // The redirect middleware runs the serialize step again for the bucket's region: a new identity,
    // endpoint and serialization; each of the two attempts is signed and its response deserialized
    // (the 301's into the redirect error, the 200's into the output).
    for (const name of [
      'smithy.client.call.auth.resolve_identity_duration',
      'smithy.client.call.resolve_endpoint_duration',
      'smithy.client.call.serialization_duration',
      'smithy.client.call.auth.signing_duration',
      'smithy.client.call.deserialization_duration',
    ]) {
      const points = await metrics.points(name);
      expect(
        points.reduce((sum, point) => sum + point.count, 0),
        name,
      ).toBe(2);
    }
    await metrics.shutdown();
  });
});
