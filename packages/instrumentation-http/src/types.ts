import type { RequestOptions } from 'node:http';

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
}
