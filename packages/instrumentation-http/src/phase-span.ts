import { performance } from 'node:perf_hooks';
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
 * Turns performance.now() readings into epoch milliseconds with one wall-clock correction per
 * connection, as the OpenTelemetry SDK does per span: the phases of a connection then line up exactly
 * with each other, and within the clock's 1 ms granularity with the attempt span.
 */
export function epochClock(): (performanceTime: number) => number {
  const origin = performance.timeOrigin;
  const offset = Date.now() - (origin + performance.now());
  return (performanceTime) => origin + performanceTime + offset;
}

/** Emits one finished phase span (`dns.lookup`, `tcp.connect`, `tls.handshake`) under the target's span. */
export function emitPhaseSpan(
  target: RecordTarget,
  toEpoch: (performanceTime: number) => number,
  name: PhaseSpanName,
  startTime: number,
  endTime: number,
  attributes: Attributes,
  failure?: PhaseFailure,
): void {
  const parent = trace.setSpan(context.active(), target.span);
  const span = target.tracer.startSpan(
    name,
    { kind: SpanKind.INTERNAL, startTime: toEpoch(startTime), attributes },
    parent,
  );
  if (failure) {
    span.setAttribute(ATTR_ERROR_TYPE, failure.errorType);
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
  }
  span.end(toEpoch(endTime));
}

/** `TLSv1.3` → `1.3`, `TLSv1` → `1.0`, as the OpenTelemetry `tls.protocol.version` convention spells it. */
export function tlsVersionOf(protocol: string | null | undefined): string | undefined {
  if (!protocol) return undefined;
  const match = /^TLSv(\d)(?:\.(\d))?$/.exec(protocol);
  if (!match) return undefined;
  return `${match[1]}.${match[2] ?? '0'}`;
}
