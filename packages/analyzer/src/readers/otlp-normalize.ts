import type { Attributes, AttributeValue, SpanEventRecord, SpanSource, WireSpan } from '../types.js';
import { boundedJson, NestingError, quoted } from './bounded-json.js';
import { MAX_VALUE_DEPTH } from './input-limits.js';
import { ImpreciseNumberError, type JsonObject, ShapeError } from './internal-types.js';
import {
  makeStatus,
  normalizeId,
  normalizeParentId,
  otlpKind,
  statusCode,
  toInt64,
  toNanos,
} from './values.js';

/** A JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `obj[camel]`, else `obj[snake]`: the collector accepts both spellings of every OTLP/JSON key. */
export function field(obj: JsonObject, camel: string, snake: string): unknown {
  const value = obj[camel];
  return value === undefined ? obj[snake] : value;
}

/** A list the protobuf JSON mapping may also write as `null` or leave out. */
export function list(value: unknown, what: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (value === undefined || value === null) return [];
  throw new ShapeError(`${what} is not an array`);
}

/** An OTLP `AnyValue` in the analyzer's model; `undefined` for an empty value. */
export function anyValue(value: unknown): AttributeValue | undefined {
  if (!isObject(value)) return undefined;
  // Fast path for what exporters write (camelCase scalars); the rest below.
  const text = value.stringValue;
  if (typeof text === 'string') return text;
  const int = value.intValue;
  if (int !== undefined) return toInt64(int);
  const bool = value.boolValue;
  if (typeof bool === 'boolean') return bool;
  const double = value.doubleValue;
  if (typeof double === 'number') return double;
  const v = otherValue(value, 0);
  if (Array.isArray(v)) return arrayValue(v);
  // A map: its JSON text, written once (see boundedJson).
  if (typeof v === 'object' && v !== null) return boundedJson(v);
  return v;
}

/** A value below the top: an AttributeValue scalar, or (for arrays and maps) a plain JS array or object. */
type PlainValue =
  | string
  | number
  | boolean
  | bigint
  | PlainValue[]
  | { [key: string]: PlainValue | undefined };

/** The scalar of an `AnyValue`, or its array or map as plain values, `depth` levels down. */
function otherValue(value: JsonObject, depth: number): PlainValue | undefined {
  let v = field(value, 'stringValue', 'string_value');
  if (typeof v === 'string') return v;
  v = field(value, 'intValue', 'int_value');
  if (v !== undefined) return toInt64(v);
  v = field(value, 'boolValue', 'bool_value');
  if (typeof v === 'boolean') return v;
  v = field(value, 'doubleValue', 'double_value');
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v); // "NaN", "Infinity" in the protobuf JSON mapping
  v = field(value, 'arrayValue', 'array_value');
  if (isObject(v)) {
    if (depth >= MAX_VALUE_DEPTH) throw new NestingError('arrayValue');
    const out: PlainValue[] = [];
    for (const item of list(v.values, 'arrayValue.values')) {
      const plain = isObject(item) ? otherValue(item, depth + 1) : undefined;
      if (plain !== undefined) out.push(plain);
    }
    return out;
  }
  v = field(value, 'kvlistValue', 'kvlist_value');
  if (isObject(v)) {
    if (depth >= MAX_VALUE_DEPTH) throw new NestingError('kvlistValue');
    // No prototype: a key named `__proto__` is a key like any other.
    const out: { [key: string]: PlainValue | undefined } = Object.create(null);
    for (const kv of list(v.values, 'kvlistValue.values')) {
      if (isObject(kv) && typeof kv.key === 'string')
        out[kv.key] = isObject(kv.value) ? otherValue(kv.value, depth + 1) : undefined;
    }
    return out;
  }
  v = field(value, 'bytesValue', 'bytes_value');
  if (typeof v === 'string') return v;
  return undefined;
}

/** Homogeneous arrays of scalars stay arrays; mixed or nested ones become their JSON text, bounded. */
function arrayValue(items: PlainValue[]): AttributeValue {
  if (items.length === 0) return [] as string[];
  const type = typeof items[0];
  if (
    (type === 'string' || type === 'number' || type === 'boolean') &&
    items.every((item) => typeof item === type)
  ) {
    return items as string[] | number[] | boolean[];
  }
  return boundedJson(items);
}

/** OTLP `KeyValue[]` as attributes; entries without a key or a value are dropped. */
export function otlpAttributes(value: unknown): Attributes {
  const out: Attributes = {};
  if (value === undefined || value === null) return out;
  if (!Array.isArray(value)) throw new ShapeError('attributes is not an array');
  for (let i = 0; i < value.length; i++) {
    const kv = value[i];
    if (!isObject(kv) || typeof kv.key !== 'string') continue;
    let converted: AttributeValue | undefined;
    try {
      converted = anyValue(kv.value);
    } catch (error) {
      throw error instanceof NestingError ? new NestingError(`attribute ${quoted(kv.key)}`) : error;
    }
    if (converted !== undefined) out[kv.key] = converted;
  }
  return out;
}

/** The attributes of an OTLP `Resource` (`null`/absent: none). */
export function otlpResource(value: unknown): Attributes {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new ShapeError('resource is not an object');
  return otlpAttributes(value.attributes);
}

/** OTLP span events (`null`/absent: none). */
export function otlpEvents(value: unknown): SpanEventRecord[] {
  const events = list(value, 'events');
  const out: SpanEventRecord[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (!isObject(event)) throw new ShapeError(`events[${i}] is not an object`);
    out[i] = {
      name: typeof event.name === 'string' ? event.name : '',
      timeUnixNano: toNanos(field(event, 'timeUnixNano', 'time_unix_nano'), `events[${i}].timeUnixNano`),
      attributes: otlpAttributes(event.attributes),
    };
  }
  return out;
}

/** One OTLP/JSON `Span` in the analyzer's model. */
export function otlpSpanToWire(
  span: unknown,
  resource: Attributes,
  source: SpanSource,
  scope?: string,
): WireSpan {
  if (!isObject(span)) throw new ShapeError('span is not an object');
  const status = span.status;
  let code: WireSpan['status']['code'] = 'unset';
  let message: unknown;
  if (isObject(status)) {
    code = statusCode(status.code);
    message = status.message;
  } else if (status !== undefined && status !== null) {
    throw new ShapeError('status is not an object');
  }
  const wire: WireSpan = {
    traceId: normalizeId(field(span, 'traceId', 'trace_id'), 16, 'traceId'),
    spanId: normalizeId(field(span, 'spanId', 'span_id'), 8, 'spanId'),
    name: typeof span.name === 'string' ? span.name : '',
    kind: otlpKind(span.kind),
    startTimeUnixNano: toNanos(field(span, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano'),
    endTimeUnixNano: toNanos(field(span, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano'),
    attributes: otlpAttributes(span.attributes),
    events: otlpEvents(span.events),
    status: makeStatus(code, message),
    resource,
    source,
  };
  const parent = normalizeParentId(field(span, 'parentSpanId', 'parent_span_id'), 'parentSpanId');
  if (parent !== undefined) wire.parentSpanId = parent;
  if (scope !== undefined) wire.scope = scope;
  return wire;
}

/** The `resourceSpans` of an `ExportTraceServiceRequest`, or `undefined` when it has none. */
export function resourceSpansOf(request: JsonObject): unknown {
  return field(request, 'resourceSpans', 'resource_spans');
}

/** The scope lists of one `ResourceSpans` (`scopeSpans`, or the pre-1.0 `instrumentationLibrarySpans`). */
export function scopeSpansOf(resourceSpans: JsonObject): unknown {
  const scopes = field(resourceSpans, 'scopeSpans', 'scope_spans');
  if (scopes !== undefined) return scopes;
  return field(resourceSpans, 'instrumentationLibrarySpans', 'instrumentation_library_spans');
}

/** Every span of one parsed `ExportTraceServiceRequest`, in order. */
export function otlpRequestToWire(request: unknown, source: SpanSource, out: WireSpan[]): void {
  if (!isObject(request)) throw new ShapeError('expected an ExportTraceServiceRequest object');
  forEachOtlpSpan(request, (span, resource, scope) =>
    out.push(otlpSpanToWire(span, resource, source, scope)),
  );
}

/**
 * Walks `resourceSpans[].scopeSpans[].spans[]` of one request, in order, checking the shape on the way
 * and prefixing any error from `visit` with the path of the span it was visiting.
 */
export function forEachOtlpSpan(
  request: Record<string, unknown>,
  visit: (span: unknown, resource: Attributes, scope: string | undefined) => void,
): void {
  const resourceSpans = list(resourceSpansOf(request), 'resourceSpans');
  for (let r = 0; r < resourceSpans.length; r++) {
    const rs = resourceSpans[r];
    const at = `resourceSpans[${r}]`;
    if (!isObject(rs)) throw new ShapeError(`${at} is not an object`);
    const resource = withPath(at, () => otlpResource(rs.resource));
    const scopes = list(scopeSpansOf(rs), `${at}.scopeSpans`);
    for (let s = 0; s < scopes.length; s++) {
      const scope = scopes[s];
      if (!isObject(scope)) throw new ShapeError(`${at}.scopeSpans[${s}] is not an object`);
      const spans = list(scope.spans, `${at}.scopeSpans[${s}].spans`);
      const name = scopeName(scope);
      for (let i = 0; i < spans.length; i++) {
        try {
          visit(spans[i], resource, name);
        } catch (error) {
          throw prefixed(`${at}.scopeSpans[${s}].spans[${i}]`, error);
        }
      }
    }
  }
}

/** The `scope.name` (or pre-1.0 `instrumentationLibrary.name`) of one scope list, when it is a string. */
function scopeName(scopeSpans: JsonObject): string | undefined {
  const scope = scopeSpans.scope ?? field(scopeSpans, 'instrumentationLibrary', 'instrumentation_library');
  const name = isObject(scope) ? scope.name : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** Runs `fn`, prefixing a shape error with `path`. */
export function withPath<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw prefixed(path, error);
  }
}

/** A shape error with the path of its record in front. */
export function prefixed(path: string, error: unknown): unknown {
  if (error instanceof ImpreciseNumberError || !(error instanceof ShapeError)) return error;
  return new ShapeError(`${path}: ${error.message}`);
}
