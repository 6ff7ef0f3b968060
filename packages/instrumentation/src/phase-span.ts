import {
  type Attributes,
  context,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, type PhaseSpanName } from '@wirescope/semconv';
import { failureStatus } from './error-message.js';

/** Where a phase span goes: under `span`, made by `tracer`. */
export interface PhaseParent {
  readonly span: Span;
  readonly tracer: Tracer;
}

/** How a phase ended badly: the error code and the runtime's wording. */
export interface PhaseFailure {
  /** `error.type` of the phase span. */
  readonly errorType: string;
  /** The runtime's message; redacted and bounded here. */
  readonly message: string | undefined;
}

/**
 * Emits one finished phase span (`dns.lookup`, `tcp.connect`, `tls.handshake`) under `parent.span`,
 * from `startMs` to `endMs` (epoch milliseconds from the kernel's clock; an end before the start
 * reads as the start). A failure sets `error.type` and an ERROR status `type: message`, redacted and
 * bounded like every error text. Returns the span's context, for the links of the attempts that ride
 * on the connection.
 */
export function emitPhaseSpan(
  parent: PhaseParent,
  name: PhaseSpanName,
  startMs: number,
  endMs: number,
  attributes: Attributes,
  failure?: PhaseFailure,
): SpanContext {
  // An unsampled attempt (its scope kept only for metrics): no child spans to start and drop.
  if (!parent.span.isRecording()) return parent.span.spanContext();
  const ctx = trace.setSpan(context.active(), parent.span);
  const span = parent.tracer.startSpan(
    name,
    { kind: SpanKind.INTERNAL, startTime: startMs, attributes },
    ctx,
  );
  if (failure) {
    span.setAttribute(ATTR_ERROR_TYPE, failure.errorType);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: failureStatus(failure.errorType, failure.message),
    });
  }
  span.end(Math.max(startMs, endMs));
  return span.spanContext();
}
