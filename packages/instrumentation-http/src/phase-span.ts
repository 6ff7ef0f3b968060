import { type Attributes, context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE, type PhaseSpanName } from '@wirescope/semconv';
import type { RecordTarget } from './internal-types.js';

/** How a phase ended badly: the error code and Node's wording. */
export interface PhaseFailure {
  /** `error.type` of the phase span. */
  readonly errorType: string;
  /** Status message (Node's error message, never a header or URL). */
  readonly message: string | undefined;
}

/**
 * Emits one finished phase span (`dns.lookup`, `tcp.connect`, `tls.handshake`) under the target's span.
 * Times are performance.now() values: the OpenTelemetry SDK anchors them to the same clock as the
 * attempt span, so the children line up with their parent.
 */
export function emitPhaseSpan(
  target: RecordTarget,
  name: PhaseSpanName,
  startTime: number,
  endTime: number,
  attributes: Attributes,
  failure?: PhaseFailure,
): void {
  const parent = trace.setSpan(context.active(), target.span);
  const span = target.tracer.startSpan(name, { kind: SpanKind.INTERNAL, startTime, attributes }, parent);
  if (failure) {
    span.setAttribute(ATTR_ERROR_TYPE, failure.errorType);
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
  }
  span.end(endTime);
}

/** `TLSv1.3` → `1.3`, `TLSv1` → `1.0`, as the OpenTelemetry `tls.protocol.version` convention spells it. */
export function tlsVersionOf(protocol: string | null | undefined): string | undefined {
  if (!protocol) return undefined;
  const match = /^TLSv(\d)(?:\.(\d))?$/.exec(protocol);
  if (!match) return undefined;
  return `${match[1]}.${match[2] ?? '0'}`;
}
