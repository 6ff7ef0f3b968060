import { ENGINE_ATTRIBUTE_KEYS, factsOfWire } from '../engine/collect.js';
import type { SpanFacts } from '../engine/internal-types.js';
import type { Attributes, SpanSource, WireSpan } from '../types.js';
import { ImpreciseNumberError, ShapeError } from './internal-types.js';
import { lineToWire } from './lines-reader.js';
import { anyValue, field, forEachOtlpSpan, isObject, otlpEvents, resourceSpansOf } from './otlp-normalize.js';
import { normalizeId, normalizeParentId, otlpKind, statusCode, toNanos } from './values.js';

const NO_EVENTS: ReadonlyArray<{ name: string }> = [];

/**
 * The analysis fast path for one parsed JSON Lines line: the spans as {@link SpanFacts}, straight from
 * the parsed OTLP objects: only the attributes the engine reads are kept, times become milliseconds
 * without bigints, no `WireSpan` is built. It checks what `otlpRequestToWire` checks; on any problem
 * the line goes through the `WireSpan` path instead, so errors (and Jaeger lines) are exactly the
 * reader's.
 */
export function lineToFacts(
  doc: unknown,
  source: SpanSource,
  accept: 'otlp' | 'any',
  out: SpanFacts[],
): void {
  const before = out.length;
  if (isObject(doc) && resourceSpansOf(doc) !== undefined) {
    try {
      requestToFacts(doc, out);
      return;
    } catch (error) {
      out.length = before;
      if (error instanceof ImpreciseNumberError) throw error; // parsed again exactly by the caller
    }
  }
  const wire: WireSpan[] = [];
  lineToWire(doc, source, accept, wire);
  for (const span of wire) out.push(factsOfWire(span));
}

function requestToFacts(request: Record<string, unknown>, out: SpanFacts[]): void {
  forEachOtlpSpan(request, (span, resource) => out.push(spanToFacts(span, resource)));
}

function spanToFacts(span: unknown, resource: Attributes): SpanFacts {
  if (!isObject(span)) throw new ShapeError('span is not an object');
  const status = span.status;
  let error = false;
  if (isObject(status)) error = statusCode(status.code) === 'error';
  else if (status !== undefined && status !== null) throw new ShapeError('status is not an object');
  const traceId = normalizeId(field(span, 'traceId', 'trace_id'), 16, 'traceId');
  const spanId = normalizeId(field(span, 'spanId', 'span_id'), 8, 'spanId');
  otlpKind(span.kind);
  const facts: SpanFacts = {
    traceId,
    spanId,
    parentSpanId: undefined,
    name: typeof span.name === 'string' ? span.name : '',
    error,
    startMs: 0,
    durationMs: 0,
    attributes: {},
    wirescope: false,
    events: NO_EVENTS,
    resource,
  };
  setTimes(
    facts,
    field(span, 'startTimeUnixNano', 'start_time_unix_nano'),
    field(span, 'endTimeUnixNano', 'end_time_unix_nano'),
  );
  const attributes = span.attributes;
  if (attributes !== undefined && attributes !== null) {
    if (!Array.isArray(attributes)) throw new ShapeError('attributes is not an array');
    const kept = facts.attributes;
    let wirescope = false;
    for (let i = 0; i < attributes.length; i++) {
      const kv = attributes[i];
      if (!isObject(kv) || typeof kv.key !== 'string') continue;
      const value = anyValue(kv.value); // for every value: it checks what the WireSpan path checks
      if (value === undefined) continue;
      const key = kv.key;
      if (ENGINE_ATTRIBUTE_KEYS.has(key)) kept[key] = value;
      if (!wirescope && key.charCodeAt(0) === 119 && key.startsWith('wirescope.')) wirescope = true;
    }
    facts.wirescope = wirescope;
  }
  const events = span.events;
  if (events !== undefined && events !== null && !(Array.isArray(events) && events.length === 0)) {
    facts.events = otlpEvents(events);
  }
  facts.parentSpanId = normalizeParentId(field(span, 'parentSpanId', 'parent_span_id'), 'parentSpanId');
  return facts;
}

/** True for 19 decimal digits: nanoseconds since 2001 until 2286, what every exporter writes. */
function isNanos19(value: string): boolean {
  if (value.length !== 19) return false;
  for (let i = 0; i < 19; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Largest difference of the 10 leading digits whose ns difference is surely below 2^53. */
const MAX_HIGH_DIFF = 9_000_000;

/**
 * `toMs(start)` and `durationMs(start, end)` of the engine, the same numbers without bigints for
 * 19-digit strings (a decimal string and a bigint convert to the same correctly rounded double, and
 * the difference is exact below 2^53 ns); anything else goes through `toNanos` and bigints.
 */
function setTimes(facts: SpanFacts, start: unknown, end: unknown): void {
  if (typeof start === 'string' && typeof end === 'string' && isNanos19(start) && isNanos19(end)) {
    const high = Number(end.slice(0, 10)) - Number(start.slice(0, 10));
    if (high >= 0 && high < MAX_HIGH_DIFF) {
      facts.startMs = Number(start.slice(0, 16)) / 1000;
      const diff = high * 1e9 + (Number(end.slice(10)) - Number(start.slice(10)));
      facts.durationMs = diff > 0 ? diff / 1e6 : 0;
      return;
    }
  }
  const startNs = toNanos(start, 'startTimeUnixNano');
  const endNs = toNanos(end, 'endTimeUnixNano');
  facts.startMs = Number(startNs / 1000n) / 1000;
  facts.durationMs = endNs > startNs ? Number(endNs - startNs) / 1e6 : 0;
}
