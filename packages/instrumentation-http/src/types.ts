import type { RequestOptions } from 'node:http';
import type { MeterProvider } from '@opentelemetry/api';

/** Options of {@link HttpConnectionInstrumentation}; every field is optional. */
export interface HttpConnectionInstrumentationConfig {
  /** Whether the instrumentation patches node:http when constructed (default `true`), as OpenTelemetry instrumentations do. */
  enabled?: boolean;
  /**
   * Outside an SDK attempt scope, record connection facts on the span active when the agent takes the
   * request (e.g. the client span of `@opentelemetry/instrumentation-http`), and make phase spans its
   * children (default `true`).
   */
  recordOnActiveSpan?: boolean;
  /**
   * Return `true` to record nothing for a request. Gets the options handed to `agent.addRequest` (host,
   * port, method, headers…): read what you need, never record it. A hook that throws is logged and ignored.
   */
  ignoreRequestHook?: (options: RequestOptions) => boolean;
  /**
   * Milliseconds a response body may sit neither read to its end nor destroyed, and no longer moving,
   * before its `http.response.body` span ends as `unread` (default 5000). With several instances (and
   * the SDK plugin), the shortest wins.
   */
  bodyGracePeriodMs?: number;
  /**
   * Meter provider for connection metrics of requests outside the AWS SDK plugin (issue 14; inside it the
   * plugin's is used). Default: the one given to `setMeterProvider`, else the global one, looked up per
   * request; with none registered, no metric work.
   */
  meterProvider?: MeterProvider;
}

/**
 * Options of {@link Http2ConnectionInstrumentation}; every field is optional. The same keys as
 * {@link HttpConnectionInstrumentationConfig} where the fact is the same.
 */
export interface Http2ConnectionInstrumentationConfig {
  /** Whether the instrumentation patches `http2.connect` when constructed (default `true`). */
  enabled?: boolean;
  /**
   * Outside an SDK attempt scope, record facts on the span active when a session is opened (its
   * connection phases) and when a stream is requested (the stream's facts) (default `true`).
   */
  recordOnActiveSpan?: boolean;
  /**
   * Return `true` to record nothing for a session or a stream. Gets node:http-style options: `protocol`,
   * `host`, `hostname`, `port`, and for a stream `method` and `path` (no other headers). A hook that
   * throws is logged and ignored.
   */
  ignoreRequestHook?: (options: RequestOptions) => boolean;
  /**
   * Milliseconds a response body (the stream's) may sit neither read to its end nor destroyed, and no
   * longer moving, before its `http.response.body` span ends as `unread` (default 5000). With several
   * instances (and the SDK plugin), the shortest wins.
   */
  bodyGracePeriodMs?: number;
  /**
   * Meter provider for connection metrics of sessions opened outside the AWS SDK plugin (inside it the
   * plugin's is used). Default: the one given to `setMeterProvider`, else the global one, looked up per
   * session; with none registered, no metric work.
   */
  meterProvider?: MeterProvider;
}
