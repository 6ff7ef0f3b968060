import type https from 'node:https';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { FetchHttpHandler } from '@smithy/fetch-http-handler';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Static test credentials; distinctive so tests can grep spans and reports for leaks. */
export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIDWIRESCOPETEST0001',
  secretAccessKey: 'wirescope/test/SECRET/key0001',
  sessionToken: 'wirescope-test-SESSION-token-0001',
} as const;

/** Options shared by the test client factories. */
export interface TestClientOptions {
  /** 'node' (default): the SDK's default NodeHttpHandler; 'fetch': a new FetchHttpHandler. */
  handler?: 'node' | 'fetch';
  /** An explicit request handler; wins over `handler` and `httpsAgent`. */
  requestHandler?: unknown;
  /** Signing region; default 'us-east-1'. */
  region?: string;
  /** SDK retry attempts (SDK default 3 when absent). */
  maxAttempts?: number;
  /** S3 only: follow `x-amz-bucket-region` redirects. */
  followRegionRedirects?: boolean;
  /** With handler 'node': use `new NodeHttpHandler({ httpsAgent })`. */
  httpsAgent?: https.Agent;
}

/** An S3Client for a local endpoint (path style, test credentials, checksums only when required). */
export function createS3Client(endpoint: string, options: TestClientOptions = {}): S3Client {
  const config: S3ClientConfig = {
    ...commonConfig(endpoint, options),
    forcePathStyle: true,
    // s3rver stores aws-chunked framing verbatim under the default checksum mode (FIELD-NOTES).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (options.followRegionRedirects !== undefined) {
    config.followRegionRedirects = options.followRegionRedirects;
  }
  return new S3Client(config);
}

/** A DynamoDBClient for a local endpoint with the test credentials. */
export function createDynamoClient(endpoint: string, options: TestClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient(commonConfig(endpoint, options) as DynamoDBClientConfig);
}

function commonConfig(endpoint: string, options: TestClientOptions): S3ClientConfig {
  const config: S3ClientConfig = {
    endpoint,
    region: options.region ?? 'us-east-1',
    credentials: { ...TEST_CREDENTIALS },
  };
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  const requestHandler = resolveHandler(options);
  if (requestHandler) config.requestHandler = requestHandler as S3ClientConfig['requestHandler'];
  return config;
}

function resolveHandler(options: TestClientOptions): unknown {
  if (options.requestHandler !== undefined) return options.requestHandler;
  if (options.handler === 'fetch') return new FetchHttpHandler();
  if (options.httpsAgent) return new NodeHttpHandler({ httpsAgent: options.httpsAgent });
  return undefined;
}
