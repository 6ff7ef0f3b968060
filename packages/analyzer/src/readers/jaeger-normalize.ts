import type { Attributes, AttributeValue, SpanKindName, SpanSource, WireSpan } from '../types.js';
import { boundedJson, NestingError, nestsDeeperThan, quoted } from './bounded-json.js';
import { ImpreciseNumberError, type JsonObject, ShapeError } from './internal-types.js';
import { makeStatus, normalizeId, toInt64, toNanos } from './values.js';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Tags that exporters to Jaeger and Zipkin write to carry OTLP fields: kind, status and scope. */
export const OTLP_FIELD_TAGS = [
  'span.kind',
  'otel.status_code',
  'otel.status_description',
  'error',
  'otel.scope.name',
  'otel.scope.version',
  'otel.library.name',
  'otel.library.version',
] as const;

/**
 * Tags the OpenTelemetry → Jaeger translation adds to carry OTLP fields; they become kind, status and
 * scope again, not attributes (collector `pkg/translator/jaeger`).
 */
const TRANSLATION_TAGS = new Set([...OTLP_FIELD_TAGS, 'internal.span.format']);

const KINDS = new Set<string>(['internal', 'server', 'client', 'producer', 'consumer']);

/** A Jaeger tag value, typed by its `type` (`string`, `bool`, `int64`, `float64`, `binary`). */
function tagValue(tag: JsonObject): AttributeValue | undefined {
  const value = tag.value;
  switch (typeof tag.type === 'string' ? tag.type.toLowerCase() : undefined) {
    case 'bool':
      return typeof value === 'boolean' ? value : value === 'true';
    case 'int64':
      return toInt64(value);
    case 'float64':
      return typeof value === 'number' ? value : Number(value);
    default:
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
      if (value === undefined || value === null) return undefined;
      if (nestsDeeperThan(value)) throw new NestingError(`tag ${quoted(String(tag.key))}`);
      return boundedJson(value);
  }
}

/** Jaeger `tags` / log `fields` as attributes, leaving out the `skip` keys. */
export function jaegerTags(value: unknown, skip?: Set<string>): Attributes {
  const out: Attributes = {};
  if (value === undefined || value === null) return out;
  if (!Array.isArray(value)) throw new ShapeError('tags is not an array');
  for (const tag of value) {
    if (!isObject(tag) || typeof tag.key !== 'string' || skip?.has(tag.key)) continue;
    const converted = tagValue(tag);
    if (converted !== undefined) out[tag.key] = converted;
  }
  return out;
}

/** A Jaeger `process` as resource attributes: `serviceName` becomes `service.name`. */
export function jaegerProcess(value: unknown): Attributes {
  if (!isObject(value)) return {};
  const resource = jaegerTags(value.tags);
  if (typeof value.serviceName === 'string') resource['service.name'] = value.serviceName;
  return resource;
}

function findTag(tags: unknown, key: string): unknown {
  if (!Array.isArray(tags)) return undefined;
  for (const tag of tags) if (isObject(tag) && tag.key === key) return tag.value;
  return undefined;
}

function parentOf(span: JsonObject): string | undefined {
  const refs = span.references;
  if (Array.isArray(refs)) {
    for (const ref of refs) {
      if (isObject(ref) && ref.refType === 'CHILD_OF' && typeof ref.spanID === 'string') {
        return normalizeId(ref.spanID.padStart(16, '0'), 8, 'references[].spanID');
      }
    }
  }
  if (typeof span.parentSpanID === 'string' && span.parentSpanID !== '' && !/^0+$/.test(span.parentSpanID)) {
    return normalizeId(span.parentSpanID.padStart(16, '0'), 8, 'parentSpanID');
  }
  return undefined;
}

function micros(value: unknown, what: string): bigint {
  return toNanos(value, what) * 1000n;
}

/**
 * One Jaeger JSON span (UI download or query API) in the analyzer's model. `processes` is the trace's
 * `processes` map, used when the span has no inline `process`.
 */
export function jaegerSpanToWire(
  span: unknown,
  processes: JsonObject | undefined,
  source: SpanSource,
): WireSpan {
  if (!isObject(span)) throw new ShapeError('span is not an object');
  if (typeof span.traceID !== 'string') throw new ShapeError('traceID is missing or not a string');
  if (typeof span.spanID !== 'string') throw new ShapeError('spanID is missing or not a string');
  const tags = span.tags;
  const kindTag = findTag(tags, 'span.kind');
  const kind: SpanKindName =
    typeof kindTag === 'string' && KINDS.has(kindTag.toLowerCase())
      ? (kindTag.toLowerCase() as SpanKindName)
      : 'unspecified';
  const statusTag = findTag(tags, 'otel.status_code');
  const errorTag = findTag(tags, 'error');
  const code =
    typeof statusTag === 'string'
      ? statusTag.toUpperCase() === 'ERROR'
        ? 'error'
        : statusTag.toUpperCase() === 'OK'
          ? 'ok'
          : 'unset'
      : errorTag === true || errorTag === 'true'
        ? 'error'
        : 'unset';
  const start = micros(span.startTime, 'startTime');
  const process =
    span.process ?? (processes && typeof span.processID === 'string' ? processes[span.processID] : undefined);
  const wire: WireSpan = {
    traceId: normalizeId(span.traceID.padStart(32, '0'), 16, 'traceID'),
    spanId: normalizeId(span.spanID.padStart(16, '0'), 8, 'spanID'),
    name: typeof span.operationName === 'string' ? span.operationName : '',
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: start + micros(span.duration ?? 0, 'duration'),
    attributes: jaegerTags(tags, TRANSLATION_TAGS),
    events: jaegerLogs(span.logs),
    status: makeStatus(code, findTag(tags, 'otel.status_description')),
    resource: jaegerProcess(process),
    source,
  };
  const parent = parentOf(span);
  if (parent !== undefined) wire.parentSpanId = parent;
  const scope = findTag(tags, 'otel.scope.name') ?? findTag(tags, 'otel.library.name');
  if (typeof scope === 'string' && scope !== '') wire.scope = scope;
  return wire;
}

function jaegerLogs(value: unknown): WireSpan['events'] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ShapeError('logs is not an array');
  return value.map((log, i) => {
    if (!isObject(log)) throw new ShapeError(`logs[${i}] is not an object`);
    const name = findTag(log.fields, 'event');
    return {
      name: typeof name === 'string' ? name : '',
      timeUnixNano: micros(log.timestamp, `logs[${i}].timestamp`),
      attributes: jaegerTags(log.fields, EVENT_FIELD),
    };
  });
}

const EVENT_FIELD = new Set(['event']);

/**
 * Every span of one parsed Jaeger document, in order: `{ data: [trace, …] }` (UI download, query API)
 * or `{ data: trace }` (the UI's single-trace variant).
 */
export function jaegerDocumentToWire(doc: unknown, source: SpanSource, out: WireSpan[]): void {
  if (!isObject(doc)) throw new ShapeError('expected a Jaeger object with data');
  const data = doc.data;
  if (data === undefined || data === null) return;
  if (isObject(data)) {
    jaegerTraceToWire(data, source, out, 'data');
    return;
  }
  if (!Array.isArray(data)) throw new ShapeError('data is not an array');
  for (let t = 0; t < data.length; t++) jaegerTraceToWire(data[t], source, out, `data[${t}]`);
}

/** Every span of one Jaeger trace (`{ traceID, spans, processes }`), in order. */
export function jaegerTraceToWire(trace: unknown, source: SpanSource, out: WireSpan[], at = 'trace'): void {
  if (!isObject(trace)) throw new ShapeError(`${at} is not an object`);
  const processes = isObject(trace.processes) ? trace.processes : undefined;
  const spans = trace.spans ?? [];
  if (!Array.isArray(spans)) throw new ShapeError(`${at}.spans is not an array`);
  for (let i = 0; i < spans.length; i++) {
    try {
      out.push(jaegerSpanToWire(spans[i], processes, source));
    } catch (error) {
      if (error instanceof ImpreciseNumberError || !(error instanceof ShapeError)) throw error;
      throw new ShapeError(`${at}.spans[${i}]: ${error.message}`);
    }
  }
}
