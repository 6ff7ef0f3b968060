import type { TracerProvider } from '@opentelemetry/api';

/** Options of {@link wirescope}. Every field is optional; the defaults suit production. */
export interface WirescopeOptions {
  /** Tracer provider for wirescope's spans. Default: the global one (`NodeSDK` registers it). */
  tracerProvider?: TracerProvider;
  /**
   * Region the calling code runs in (`wirescope.caller.region`). Default: `AWS_REGION`, then
   * `AWS_DEFAULT_REGION`, then (with `detectCallerRegion`) the EC2/ECS metadata service.
   */
  callerRegion?: string;
  /**
   * Record the first N characters of S3 object keys as `wirescope.s3.key_prefix` (for the
   * `hot-prefix` finding). Default 0: keys can be personal data, so they are not recorded.
   */
  s3KeyPrefixLength?: number;
  /** Record connection facts from node:http/https agents (the default NodeHttpHandler). Default true. */
  nodeHttp?: boolean;
  /** Record connection facts from undici / fetch (FetchHttpHandler). Default true. */
  fetch?: boolean;
}
