import type { AnalysisResult, WireSpan } from '@wirescope/analyzer';

/** What the matchers accept: a capture, or spans already in the analyzer's model. */
interface SpansHolder {
  spans: WireSpan[];
  global?: boolean;
}

function isSpansHolder(value: unknown): value is SpansHolder {
  return typeof value === 'object' && value !== null && Array.isArray((value as SpansHolder).spans);
}

/** True for an AnalysisResult (what `captured.analyze()` and `analyze()` return). */
export function isAnalysisResult(value: unknown): value is AnalysisResult {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as AnalysisResult).findings) &&
    typeof (value as AnalysisResult).stats === 'object'
  );
}

/** The spans of a matcher's subject, or a TypeError that says what it takes. */
export function spansOf(received: unknown, matcher: string): WireSpan[] {
  if (Array.isArray(received)) return received as WireSpan[];
  if (isSpansHolder(received)) return received.spans;
  throw new TypeError(
    `${matcher}: expected the result of captureSpans() or an array of WireSpan, got ${describe(received)}`,
  );
}

/**
 * A hint for failure messages when a capture holds no span because it is not the global one: the code
 * under test then needs `captured.tracerProvider`.
 */
export function emptyCaptureHint(received: unknown, spans: readonly WireSpan[]): string {
  if (spans.length > 0 || !isSpansHolder(received) || received.global !== false) return '';
  return (
    '\n\nThe capture holds no span: it has a tracer provider of its own (another one was registered ' +
    'globally). Pass captured.tracerProvider to the code under test, e.g. wirescope({ tracerProvider }).'
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return value.constructor?.name ?? 'object';
}
