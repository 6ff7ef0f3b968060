import type { Attributes, AttributeValue, SpanKindName, SpanSource, WireSpan } from '../types.js';
import type { HrTimeLike, ReadableSpanLike } from './types.js';

/** API `SpanKind` (0 internal … 4 consumer) to the analyzer's names. */
const KINDS: readonly SpanKindName[] = ['internal', 'server', 'client', 'producer', 'consumer'];
const STATUS: readonly WireSpan['status']['code'][] = ['unset', 'ok', 'error'];
const LIVE_SOURCE: SpanSource = { file: 'live' };
const NS_PER_S = 1_000_000_000n;

function nanos(time: HrTimeLike): bigint {
  return BigInt(Math.trunc(time[0])) * NS_PER_S + BigInt(Math.trunc(time[1]));
}

function attributeValue(value: unknown): AttributeValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return value;
    case 'object':
      if (Array.isArray(value)) {
        // The API allows null/undefined holes in homogeneous arrays; the model has none.
        return value.filter((item) => item !== null && item !== undefined) as string[] | number[] | boolean[];
      }
      return undefined;
    default:
      return undefined;
  }
}

function attributes(source: Readonly<Record<string, unknown>> | undefined): Attributes {
  const out: Attributes = {};
  if (!source) return out;
  for (const key of Object.keys(source)) {
    const value = attributeValue(source[key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** One ended SDK span (any object with the `ReadableSpan` shape) in the analyzer's model. */
export function wireSpanFromReadable(span: ReadableSpanLike, source: SpanSource = LIVE_SOURCE): WireSpan {
  const context = span.spanContext();
  const status = span.status ?? { code: 0 };
  const wire: WireSpan = {
    traceId: context.traceId.toLowerCase(),
    spanId: context.spanId.toLowerCase(),
    name: span.name,
    kind: KINDS[span.kind] ?? 'unspecified',
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
    attributes: attributes(span.attributes),
    events: (span.events ?? []).map((event) => ({
      name: event.name,
      timeUnixNano: nanos(event.time),
      attributes: attributes(event.attributes),
    })),
    status:
      typeof status.message === 'string' && status.message.length > 0
        ? { code: STATUS[status.code] ?? 'unset', message: status.message }
        : { code: STATUS[status.code] ?? 'unset' },
    resource: attributes(span.resource?.attributes),
    source,
  };
  const parent = span.parentSpanContext?.spanId ?? span.parentSpanId;
  if (parent) wire.parentSpanId = parent.toLowerCase();
  const scope = span.instrumentationScope?.name ?? span.instrumentationLibrary?.name;
  if (scope) wire.scope = scope;
  return wire;
}
