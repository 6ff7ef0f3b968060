import type { Tracer, TracerProvider } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { AnalysisResult, AnalyzeOptions, WireSpan } from '@wirescope/analyzer';

/** Options of {@link captureSpans}. */
export interface CaptureOptions {
  /**
   * Capture from the global tracer provider (default true): wirescope/vitest registers one, with an
   * AsyncLocalStorage context manager, unless the process registered its own. When it did, or with
   * `global: false`, the capture has a provider of its own: pass `captured.tracerProvider` to the code
   * under test, e.g. `wirescope({ tracerProvider: captured.tracerProvider })`.
   */
  global?: boolean;
}

/** The spans of one test (or suite), held in memory. */
export interface CapturedSpans {
  /** The provider whose spans this capture holds. */
  readonly tracerProvider: TracerProvider;
  /** A tracer of {@link tracerProvider}, for spans made by hand in a test. */
  readonly tracer: Tracer;
  /** True when this capture sees the global tracer provider's spans. */
  readonly global: boolean;
  /** The spans ended so far (since the last reset), in the analyzer's model, in end order. */
  readonly spans: WireSpan[];
  /** The same spans as the SDK's ReadableSpan objects, e.g. to hand to an exporter or serializer. */
  readonly readableSpans: readonly ReadableSpan[];
  /** Analyzes the spans captured so far. */
  analyze(options?: AnalyzeOptions): Promise<AnalysisResult>;
  /** Forgets the spans captured so far. */
  reset(): void;
  /** Waits for spans still being exported. */
  flush(): Promise<void>;
  /** Stops capturing; the spans captured so far stay readable. */
  stop(): Promise<void>;
}

/** The wirescope matchers, on `expect(captured)` where `captured` is a CapturedSpans or a WireSpan[]. */
export interface WirescopeMatchers<R = unknown> {
  /** Exactly `count` spans named `name` (`tls.handshake`, `S3.PutObject`, …). */
  toHaveSpanCount(name: string, count: number): R;
  /** The analysis finds `code` (also accepts an AnalysisResult as the subject). */
  toHaveFinding(code: string): R;
  /** The operations named `operationName` made `count` HTTP attempts in all. */
  toHaveAttemptCount(operationName: string, count: number): R;
  /** At least `minRatio` (0…1) of the attempts ran on a reused connection. */
  toHaveReusedConnectionRatio(minRatio: number): R;
  /** Exactly `count` operation spans (SDK calls) named `name`. */
  toHaveOperationCount(name: string, count: number): R;
}

declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: must repeat vitest's own declaration to merge with it.
  interface Matchers<T = any> extends WirescopeMatchers<T> {}
}
