// --local: s3rver (a local S3 implementation) in this process on 127.0.0.1, plain HTTP, with a
// bucket, so the example runs without an AWS account.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

// s3rver ships no types: the little used of it.
type S3rver = new (
  options: Record<string, unknown>,
) => { run(): Promise<AddressInfo>; close(): Promise<void> };
const S3rver = createRequire(import.meta.url)('s3rver') as S3rver;

/** A running local S3 and the client settings that reach it. */
export interface LocalS3 {
  bucket: string;
  clientConfig: S3ClientConfig;
  close(): Promise<void>;
}

export async function startLocalS3(): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 'wirescope-example-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  const clientConfig: S3ClientConfig = {
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, // s3rver's built-in key
  };
  const bucket = 'wirescope-example';
  const setup = new S3Client(clientConfig);
  await setup.send(new CreateBucketCommand({ Bucket: bucket }));
  setup.destroy();
  return {
    bucket,
    clientConfig,
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
