import type { MeterProvider } from '@opentelemetry/api';

/** Configuration of {@link UndiciConnectionInstrumentation}. Every field is optional. */
export interface UndiciConnectionInstrumentationConfig {
  /** Subscribe at construction (as OpenTelemetry instrumentations do). Default true. */
  enabled?: boolean;
  /**
   * Outside the wirescope SDK plugin, record connection facts on the span active when undici creates
   * the request (and make phase spans its children). Default true; the plugin's own switch turns it
   * off so that only SDK attempts are annotated.
   */
  recordOnActiveSpan?: boolean;
  /**
   * Milliseconds a response body may sit unfinished and no longer moving (its buffer full, the reader
   * not reading) before its `http.response.body` span ends as `unread` (default 5000). With several
   * instances (and the SDK plugin), the shortest wins.
   */
  bodyGracePeriodMs?: number;
  /**
   * Meter provider for connection metrics of requests outside the AWS SDK plugin (issue 14; inside it the
   * plugin's is used). Default: the one given to `setMeterProvider`, else the global one, looked up per
   * request; with none registered, no metric work.
   */
  meterProvider?: MeterProvider;
}
