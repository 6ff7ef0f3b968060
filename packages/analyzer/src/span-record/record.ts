/**
 * The span record: the contract between the readers, which write one per span, and the engine, which
 * reads it. Neither imports the other; both import this.
 */
import { EVENT_REGION_REDIRECT } from '@wirescope/semconv';
import type { Attributes, AttributeValue, SpanKindName, WireSpan } from '../types.js';
import { durationMs, toMs } from './attribute-values.js';
import { ENGINE_KEYS, K } from './keys.js';

/**
 * What the engine reads of one span. The OTLP JSON Lines fast path of `analyze(readSpans(…))` fills one
 * straight from the bytes of a line (ids as numbers, never as text); every other span comes as a
 * `WireSpan` through `recordOfWire`.
 */
export interface SpanRecord {
  /** Trace id text; undefined when `traceWords` holds it. */
  traceText: string | undefined;
  /** A 32-hex-digit trace id as four 32-bit words (when `traceText` is undefined). */
  readonly traceWords: Uint32Array;
  /** Span id text; undefined when `hi`/`lo` hold it. */
  spanText: string | undefined;
  hi: number;
  lo: number;
  /** Parent span id text; undefined when `parHi`/`parLo` hold it, or when there is no parent. */
  parentText: string | undefined;
  hasParent: boolean;
  parHi: number;
  parLo: number;
  name: string;
  /** Span kind (`client` for the HTTP client spans of the standard instrumentations). */
  kind: SpanKindName;
  /** Instrumentation scope name ('' when unknown). */
  scope: string;
  error: boolean;
  /** Start, ms since the epoch (`toMs` of the nanoseconds). */
  startMs: number;
  /** `durationMs(start, end)`. */
  durationMs: number;
  /** Values of the attributes the engine reads, by `K` index (`ENGINE_KEYS`); undefined when absent. */
  readonly values: Array<AttributeValue | undefined>;
  /** True when some attribute key starts with `wirescope.`. */
  wirescope: boolean;
  /** How many `wirescope.region.redirect` events the span has. */
  redirectEvents: number;
  /** Resource attributes. */
  resource: Attributes;
}

/** A record with nothing in it, for the readers to fill. */
export function newRecord(): SpanRecord {
  return {
    traceText: undefined,
    traceWords: new Uint32Array(4),
    spanText: undefined,
    hi: 0,
    lo: 0,
    parentText: undefined,
    hasParent: false,
    parHi: 0,
    parLo: 0,
    name: '',
    kind: 'unspecified',
    scope: '',
    error: false,
    startMs: 0,
    durationMs: 0,
    values: new Array<AttributeValue | undefined>(ENGINE_KEYS.length).fill(undefined),
    wirescope: false,
    redirectEvents: 0,
    resource: {},
  };
}

/** A `WireSpan` as the engine reads it (ids as text, for the engine to split). */
export function recordOfWire(span: WireSpan): SpanRecord {
  const record = newRecord();
  record.traceText = span.traceId;
  record.spanText = span.spanId;
  record.parentText = span.parentSpanId;
  record.hasParent = span.parentSpanId !== undefined;
  record.name = span.name;
  record.kind = span.kind;
  record.scope = span.scope ?? '';
  record.error = span.status.code === 'error';
  record.startMs = toMs(span.startTimeUnixNano);
  record.durationMs = durationMs(span.startTimeUnixNano, span.endTimeUnixNano);
  const a = span.attributes;
  for (let k = 0; k < ENGINE_KEYS.length; k++) record.values[k] = a[ENGINE_KEYS[k] as string];
  for (const key in a) {
    if (key.startsWith('wirescope.')) {
      record.wirescope = true;
      break;
    }
  }
  for (const event of span.events) {
    if (event.name === EVENT_REGION_REDIRECT) record.redirectEvents++;
    else if (event.name === 'exception')
      record.values[K.exceptionType] ??= event.attributes['exception.type'];
  }
  record.resource = span.resource;
  return record;
}
