import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { TracerProvider } from '@opentelemetry/api';
import { wirescope } from '@wirescope/aws-sdk';
import { TEST_CREDENTIALS } from '../../../test/support/clients.js';

/** Where the demo's clients send their requests. */
export type Target =
  /** Local: the request's signing region picks a local port (a proxy standing in for that region). */
  | { kind: 'local'; routes: Readonly<Record<string, number>> }
  /** AWS: the real endpoints, the default credential chain. */
  | { kind: 'aws' };

/** What a scenario asks of one client. */
export interface DemoClientOptions {
  target: Target;
  /** The client's region (the region requests are signed for and routed to). */
  region: string;
  /** Where the calling code runs, for `wirescope.caller.region`. */
  callerRegion: string;
  tracerProvider: TracerProvider;
  requestHandler?: S3ClientConfig['requestHandler'];
  followRegionRedirects?: boolean;
  /** Attempts per call (the SDK's default is 3). */
  maxAttempts?: number;
  /** `Expect: 100-continue` on uploads: false turns it off (the SDK's default: from 2 MiB). */
  expectContinueHeader?: boolean;
  /** The plugin records this many characters of each key as `wirescope.s3.key_prefix`. */
  s3KeyPrefixLength?: number;
}

/** An S3 client with the wirescope plugin, pointed at the local world or at AWS. */
export function createDemoClient(options: DemoClientOptions): S3Client {
  const config: S3ClientConfig = { region: options.region };
  if (options.requestHandler) config.requestHandler = options.requestHandler;
  if (options.followRegionRedirects) config.followRegionRedirects = true;
  if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
  if (options.expectContinueHeader !== undefined) config.expectContinueHeader = options.expectContinueHeader;
  const { target } = options;
  if (target.kind === 'local') {
    Object.assign(config, {
      credentials: { ...TEST_CREDENTIALS },
      forcePathStyle: true,
      // s3rver stores aws-chunked framing verbatim under the default checksum mode (FIELD-NOTES).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Region → local port, like AWS's regional endpoints. Re-evaluated when the SDK re-runs a call
      // in the bucket's region after a 301, so the re-run goes to that region's stand-in.
      endpointProvider: (params: { Region?: string; Bucket?: string }) => {
        const port = target.routes[params.Region ?? ''];
        if (port === undefined) throw new Error(`demo: no local stand-in for region ${params.Region}`);
        const path = params.Bucket ? `/${encodeURIComponent(params.Bucket)}` : '';
        return { url: new URL(`https://localhost:${port}${path}`) };
      },
    } satisfies Partial<S3ClientConfig>);
  }
  const client = new S3Client(config);
  client.middlewareStack.use(
    wirescope({
      tracerProvider: options.tracerProvider,
      callerRegion: options.callerRegion,
      ...(options.s3KeyPrefixLength !== undefined ? { s3KeyPrefixLength: options.s3KeyPrefixLength } : {}),
    }),
  );
  return client;
}
