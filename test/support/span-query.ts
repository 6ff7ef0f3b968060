import type { AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** Spans with exactly this name. */
export function spansNamed(spans: readonly ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((span) => span.name === name);
}

/** Direct children of `parent` (same trace, parentSpanContext.spanId = parent's spanId). */
export function childrenOf(spans: readonly ReadableSpan[], parent: ReadableSpan): ReadableSpan[] {
  const { traceId, spanId } = parent.spanContext();
  return spans.filter(
    (span) => span.spanContext().traceId === traceId && span.parentSpanContext?.spanId === spanId,
  );
}

/** The parent of `span` among `spans`, or undefined (root span, or parent not ended/exported). */
export function parentOf(spans: readonly ReadableSpan[], span: ReadableSpan): ReadableSpan | undefined {
  const parent = span.parentSpanContext;
  if (!parent) return undefined;
  return spans.find(
    (candidate) =>
      candidate.spanContext().spanId === parent.spanId && candidate.spanContext().traceId === parent.traceId,
  );
}

/** One attribute of a span. */
export function attr(span: ReadableSpan, key: string): AttributeValue | undefined {
  return span.attributes[key];
}

/**
 * Every span name, status message, attribute and event attribute value (and event name) joined by
 * newlines: grep it for secrets, e.g. `expect(allAttributeText(spans)).not.toContain(secret)`.
 */
export function allAttributeText(spans: readonly ReadableSpan[]): string {
  const parts: string[] = [];
  const add = (attributes: Record<string, AttributeValue | undefined> | undefined) => {
    for (const [key, value] of Object.entries(attributes ?? {})) {
      if (value === undefined) continue;
      parts.push(`${key}=${Array.isArray(value) ? value.join(',') : String(value)}`);
    }
  };
  for (const span of spans) {
    parts.push(span.name);
    if (span.status.message) parts.push(span.status.message);
    add(span.attributes);
    for (const event of span.events) {
      parts.push(event.name);
      add(event.attributes);
    }
    for (const link of span.links) add(link.attributes);
  }
  return parts.join('\n');
}
