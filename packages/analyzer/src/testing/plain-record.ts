import type { SpanRecord } from '../span-record/record.js';

const hex = (n: number): string => n.toString(16).padStart(8, '0');

/**
 * What the engine takes from a span record, with ids as text whichever way the record holds them: for
 * tests that hold a fast path's records against the full path's (`recordOfWire`).
 */
export function plainRecord(r: SpanRecord) {
  const words = Array.from(r.traceWords, hex).join('');
  return {
    traceId: r.traceText ?? words,
    spanId: r.spanText ?? hex(r.hi) + hex(r.lo),
    parentSpanId: r.parentText ?? (r.hasParent ? hex(r.parHi) + hex(r.parLo) : undefined),
    name: r.name,
    kind: r.kind,
    scope: r.scope,
    error: r.error,
    startMs: r.startMs,
    durationMs: r.durationMs,
    values: [...r.values],
    wirescope: r.wirescope,
    redirectEvents: r.redirectEvents,
    resource: { ...r.resource },
  };
}
