import type { MeterProvider, TracerProvider } from '@opentelemetry/api';

/**
 * Options of {@link wirescope}. Every field is optional; the defaults suit production. A field left
 * `undefined` takes its default; an unknown field or a wrong value throws a `WirescopeConfigError`
 * (code `WIRESCOPE_BAD_OPTION`) from `wirescope()`, never from a call.
 */
export interface WirescopeOptions {
  /** Tracer provider for wirescope's spans. Default: the global one (`NodeSDK` registers it). */
  tracerProvider?: TracerProvider;
  /**
   * Meter provider for wirescope's metrics (every call, sampled or not: `wirescope.calls`,
   * `wirescope.attempts`, the Smithy client metrics, `http.client.request.duration`, the connection
   * metrics). Default: the global one (`metrics.getMeterProvider()`), looked up on every call, so a
   * provider registered after `wirescope()` is picked up. With none registered, no metric work at all.
   */
  meterProvider?: MeterProvider;
  /**
   * With metrics on, also record the SDK's stage durations as the other AWS SDKs name them:
   * `smithy.client.call.auth.resolve_identity_duration`, `.resolve_endpoint_duration`,
   * `.serialization_duration`, `.auth.signing_duration` and `.deserialization_duration`. Off by
   * default: five more histogram records a call, which about doubles what the metrics cost a call
   * (bench/RESULTS.md, issue 14). Default false.
   */
  stageDurations?: boolean;
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
  /**
   * Look the caller's region up in the EC2 instance metadata service (IMDSv2) or the ECS task
   * metadata service when neither `callerRegion` nor `AWS_REGION`/`AWS_DEFAULT_REGION` names it.
   * Done once per process, in the background, when the plugin is created; it never delays a call
   * (calls made before it finishes just lack `wirescope.caller.region`) and never throws. `endpoint`
   * replaces the IMDS endpoint (default `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else
   * `http://169.254.169.254`); `timeoutMs` bounds the whole lookup (default 1000). Default false.
   */
  detectCallerRegion?: boolean | { endpoint?: string; timeoutMs?: number };
  /**
   * How many S3 buckets' regions (as S3 named them) to remember, so later calls to a bucket carry
   * `wirescope.bucket.region` too. Least recently used first out; 0 remembers none. Default 1000.
   */
  maxRememberedBuckets?: number;
  /** Record connection facts from node:http/https agents (the default NodeHttpHandler). Default true. */
  nodeHttp?: boolean;
  /** Record connection facts from undici / fetch (FetchHttpHandler). Default true. */
  fetch?: boolean;
  /**
   * Record connection facts from node:http2 client sessions (NodeHttp2Handler, which event-stream
   * clients use): the session is the connection. Default true.
   */
  http2?: boolean;
}
