import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { TEST_CREDENTIALS } from './clients.js';
import { testCertificate } from './tls-cert.js';

/** A running local S3 (s3rver). */
export interface S3ServerHandle {
  /** `https://localhost:PORT` (or `http://` without TLS). */
  endpoint: string;
  host: string;
  port: number;
  /** Stops the server, drops its connections and deletes its directory. */
  close(): Promise<void>;
}

/** Options for {@link startS3Server}. */
export interface S3ServerOptions {
  /** Serve HTTPS with the test certificate; default true. */
  tls?: boolean;
}

// s3rver ships no types: the little we use of it.
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
interface S3rverAccountModule {
  DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
}

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverConstructor;
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as S3rverAccountModule;

/** Starts s3rver on 127.0.0.1, a random port, a fresh temp directory, accepting TEST_CREDENTIALS. */
export async function startS3Server(options: S3ServerOptions = {}): Promise<S3ServerHandle> {
  const tls = options.tls ?? true;
  // s3rver does not verify signatures, but it rejects unknown access key ids.
  DUMMY_ACCOUNT.createKeyPair(TEST_CREDENTIALS.accessKeyId, TEST_CREDENTIALS.secretAccessKey);
  const directory = mkdtempSync(join(tmpdir(), 'wirescope-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    ...(tls ? testCertificate() : {}),
  });
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  const host = 'localhost';
  return {
    endpoint: `${tls ? 'https' : 'http'}://${host}:${port}`,
    host,
    port,
    async close() {
      const closing = server.close();
      // Keep-alive sockets would hold close() open until they time out.
      server.httpServer?.closeAllConnections();
      await closing;
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Creates a bucket and returns its name. */
export async function createTestBucket(client: S3Client, name: string): Promise<string> {
  await client.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}
