// The benchmark workload, shared by bench-worker.ts (one configuration per process) and paired.ts
// (clients taking turns in one process): small PutObject + GetObject pairs against the fake S3.
import { createRequire } from 'node:module';
import type { S3Client } from '@aws-sdk/client-s3';

const require = createRequire(import.meta.url);

/**
 * An S3 client for the fake S3 at `endpoint`, on the node or fetch handler. The SDK is loaded through
 * `require`, when first asked for: the OpenTelemetry instrumentations hook `require`, so tracing must be
 * set up before this is called.
 */
export function benchClient(endpoint: string, handler: string): S3Client {
  const { S3Client } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
  const { FetchHttpHandler } =
    require('@smithy/fetch-http-handler') as typeof import('@smithy/fetch-http-handler');
  const { NodeHttp2Handler } =
    require('@smithy/node-http-handler') as typeof import('@smithy/node-http-handler');
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(handler === 'fetch' ? { requestHandler: new FetchHttpHandler() } : {}),
    ...(handler === 'h2' ? { requestHandler: new NodeHttp2Handler() } : {}),
  });
}

let nextKey = 0;

/**
 * Runs `pairs` units of work on `client` in `concurrency` lanes; a unit is a PutObject of `bodyBytes`
 * and a GetObject whose body is read and checked. Two calls.
 */
export async function runPairs(
  client: S3Client,
  pairs: number,
  bodyBytes: number,
  concurrency: number,
): Promise<void> {
  const { PutObjectCommand, GetObjectCommand } =
    require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
  const body = 'x'.repeat(bodyBytes);
  let remaining = pairs;
  const lane = async () => {
    while (remaining > 0) {
      remaining -= 1;
      const Key = `k${nextKey++ % 64}`;
      await client.send(new PutObjectCommand({ Bucket: 'bench', Key, Body: body }));
      const got = await client.send(new GetObjectCommand({ Bucket: 'bench', Key }));
      const text = await got.Body?.transformToString();
      if (text?.length !== bodyBytes) throw new Error(`GetObject returned ${text?.length} bytes`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}
