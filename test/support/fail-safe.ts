// Shared by test/node-fail-safe.test.ts and test/fetch-fail-safe.test.ts: diag capture, what reaches the
// host (uncaught exceptions, unhandled rejections), tracers that throw, and the workload compared with
// and without the plugin.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type DiagLogger, DiagLogLevel, diag, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { afterAll, beforeAll } from 'vitest';

/** Diag messages and host failures, captured for the whole test file. */
export interface HostWatch {
  /** Every diag message (all levels), each as its arguments joined by spaces. */
  diagMessages: string[];
  /** Whatever reached `uncaughtException` / `unhandledRejection`. */
  hostFailures: unknown[];
}

/** Registers beforeAll/afterAll hooks: a DEBUG diag logger that records, and host-failure listeners. */
export function watchHost(): HostWatch {
  const diagMessages: string[] = [];
  const hostFailures: unknown[] = [];
  const onHostFailure = (error: unknown) => hostFailures.push(error);
  beforeAll(() => {
    const record = (...args: unknown[]) => diagMessages.push(args.map(String).join(' '));
    const logger: DiagLogger = { error: record, warn: record, info: record, debug: record, verbose: record };
    diag.setLogger(logger, DiagLogLevel.DEBUG);
    process.on('uncaughtException', onHostFailure);
    process.on('unhandledRejection', onHostFailure);
  });
  afterAll(() => {
    process.off('uncaughtException', onHostFailure);
    process.off('unhandledRejection', onHostFailure);
    diag.disable();
  });
  return { diagMessages, hostFailures };
}

/** A put, a get and a failing get on `client` (then destroyed): what the host application sees. */
export async function workload(client: S3Client, bucket: string) {
  const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'obj', Body: 'payload' }));
  const get = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'obj' }));
  const body = await get.Body?.transformToString();
  const missing = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'nope' })).then(
    () => undefined,
    (error: Error & { $metadata?: { httpStatusCode?: number } }) => ({
      name: error.name,
      message: error.message,
      status: error.$metadata?.httpStatusCode,
    }),
  );
  client.destroy();
  return { putStatus: put.$metadata.httpStatusCode, etag: put.ETag, body, missing };
}

/** Lets late errors (uncaught, unhandled) surface before the test looks. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

const throwing = (): never => {
  throw new Error('tracer exploded');
};
/** A provider whose getTracer throws 'tracer exploded'. */
export const providerThatThrows: TracerProvider = { getTracer: throwing };
/** A tracer whose startSpan and startActiveSpan throw 'tracer exploded'. */
export const tracerThatThrows: Tracer = { startSpan: throwing, startActiveSpan: throwing };
/** A provider that hands out {@link tracerThatThrows}. */
export const providerWithThrowingTracer: TracerProvider = { getTracer: () => tracerThatThrows };
