import { EVENT_REGION_REDIRECT } from '@wirescope/semconv';
import type Long from 'long';
import { ENGINE_KEYS, K } from '../span-record/keys.js';
import type { SpanRecord } from '../span-record/record.js';
import type { Attributes, AttributeValue } from '../types.js';
import type { RecordPool } from './otlp-lines/record-pool.js';
import { otlpKind, statusCode } from './values.js';

/**
 * The analysis fast path for OTLP protobuf: the span records of one decoded `ResourceSpans` message
 * (protobufjs's own objects: ids as bytes, times as `Long`), filled straight from it without the
 * OTLP/JSON objects, the normalizer and the `WireSpan` the full path goes through. Anything outside
 * the common shape (an id of another length, an attribute the engine reads given as an array, a map,
 * bytes or an int64 past 2^53, a time before 1970, an unknown kind or status code, …) makes it give
 * the message up: it returns false having added nothing, and the caller reads the message the full
 * way, so errors and rare forms are exactly the reader's. Tested against that path.
 */
export function protobufRecords(
  rs: ResourceSpansMessage,
  resource: Attributes,
  out: SpanRecord[],
  records: RecordPool,
): boolean {
  if (out.length === 0) records.used = 0;
  const before = out.length;
  const usedBefore = records.used;
  try {
    for (const ss of rs.scopeSpans) {
      const scope = ss.scope?.name ?? '';
      for (const span of ss.spans) {
        const r = records.next();
        if (!fill(r, span, scope, resource)) {
          out.length = before;
          records.used = usedBefore;
          return false;
        }
        out.push(r);
      }
    }
    return true;
  } catch {
    // A ShapeError of the kind or status code: the full path reports it with its position.
    out.length = before;
    records.used = usedBefore;
    return false;
  }
}

/** What protobufjs decodes a `ResourceSpans` to (the fields this path reads). */
export interface ResourceSpansMessage {
  scopeSpans: Array<{ scope?: { name?: string } | null; spans: SpanMessage[] }>;
}

interface SpanMessage {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  name: string;
  kind: number;
  startTimeUnixNano: Long | number;
  endTimeUnixNano: Long | number;
  attributes: KeyValueMessage[];
  events: Array<{ name: string; timeUnixNano: Long | number; attributes: KeyValueMessage[] }>;
  status?: { code?: number } | null;
}

interface KeyValueMessage {
  key: string;
  value?: AnyValueMessage | null;
}

type AnyValueMessage = Record<string, unknown>;

/**
 * Index of each attribute the engine reads, by key, in a table hashed on the key's length and two of
 * its characters. A `Map` hashes the whole of every key, and protobufjs makes a new string for each,
 * so nothing is cached: this lookup was a quarter of the path's time.
 */
const KEY_TABLE: Array<Array<string | number> | undefined> = new Array(1024);
for (const [index, key] of ENGINE_KEYS.entries()) {
  const bucket = KEY_TABLE[keyHash(key)] ?? [];
  bucket.push(key, index);
  KEY_TABLE[keyHash(key)] = bucket;
}

function keyHash(key: string): number {
  const length = key.length;
  if (length === 0) return 0;
  return ((length << 7) ^ key.charCodeAt(length - 1) ^ (key.charCodeAt(length >> 1) << 3)) & 1023;
}

/** The `K` index of an attribute the engine reads, or undefined. */
function engineKeyIndex(key: string): number | undefined {
  const bucket = KEY_TABLE[keyHash(key)];
  if (bucket === undefined) return undefined;
  for (let i = 0; i < bucket.length; i += 2) if (bucket[i] === key) return bucket[i + 1] as number;
  return undefined;
}
const has = (object: object, key: string): boolean => Object.hasOwn(object, key);

function fill(r: SpanRecord, span: SpanMessage, scope: string, resource: Attributes): boolean {
  r.traceText = undefined;
  r.spanText = undefined;
  r.parentText = undefined;
  r.values.fill(undefined);
  r.wirescope = false;
  r.redirectEvents = 0;
  const trace = span.traceId;
  const id = span.spanId;
  const parent = span.parentSpanId;
  if (trace.length !== 16 || id.length !== 8 || (parent.length !== 0 && parent.length !== 8)) return false;
  for (let w = 0; w < 4; w++) r.traceWords[w] = word(trace, w * 4);
  r.hi = word(id, 0);
  r.lo = word(id, 4);
  r.parHi = parent.length === 8 ? word(parent, 0) : 0;
  r.parLo = parent.length === 8 ? word(parent, 4) : 0;
  r.hasParent = r.parHi !== 0 || r.parLo !== 0; // none, or all zeros: a root
  r.name = span.name;
  r.kind = otlpKind(span.kind);
  r.scope = scope;
  r.error = statusCode(span.status?.code ?? 0) === 'error';
  if (!setTimes(r, span.startTimeUnixNano, span.endTimeUnixNano)) return false;
  const attributes = span.attributes;
  for (let i = 0; i < attributes.length; i++) {
    const kv = attributes[i] as KeyValueMessage;
    const key = kv.key;
    if (!r.wirescope && key.startsWith('wirescope.')) r.wirescope = true;
    const index = engineKeyIndex(key);
    if (index === undefined) {
      // A flat array or map on a key the engine does not read (OTel's dns.answers): nothing to keep and
      // nothing the full path could refuse. Nested deeper: the full path.
      if (nested(kv.value) && !flat(kv.value as AnyValueMessage)) return false;
      continue;
    }
    // An array or map on a key the engine reads: the full path.
    if (nested(kv.value)) return false;
    const value = scalar(kv.value);
    if (value === GIVE_UP) return false;
    // As the normalizer builds the attributes object: an empty value adds nothing, a later key wins.
    if (value !== undefined) r.values[index] = value;
  }
  for (const event of span.events) {
    // The normalizer reads every event attribute (and may refuse one nested too deep).
    for (const kv of event.attributes) if (nested(kv.value)) return false;
    if (!nanos(event.timeUnixNano)) return false; // absent (zero): the full path refuses the span
    if (event.name === EVENT_REGION_REDIRECT) r.redirectEvents++;
    else if (event.name === 'exception' && r.values[K.exceptionType] === undefined) {
      for (const kv of event.attributes) {
        if (kv.key !== 'exception.type') continue;
        const value = scalar(kv.value);
        if (value === GIVE_UP) return false;
        if (value !== undefined) r.values[K.exceptionType] = value;
      }
    }
  }
  r.resource = resource;
  return true;
}

const GIVE_UP = Symbol('give up');

/** An array or map value: the full path builds it (and refuses one nested too deep). */
function nested(value: AnyValueMessage | null | undefined): boolean {
  // A message field unset reads its prototype's default, null; set, it is an object.
  return value !== null && value !== undefined && (value.arrayValue != null || value.kvlistValue != null);
}

/** An array or map whose members are all scalars (no array or map inside). */
function flat(value: AnyValueMessage): boolean {
  if (has(value, 'arrayValue')) {
    const array = value.arrayValue as { values?: AnyValueMessage[] } | null;
    return (array?.values ?? []).every((v) => !nested(v));
  }
  const map = value.kvlistValue as { values?: KeyValueMessage[] } | null;
  return (map?.values ?? []).every((kv) => !nested(kv.value));
}

/** A string, bool, double or exact int64 value; `undefined` for an empty one; GIVE_UP for the rest. */
function scalar(value: AnyValueMessage | null | undefined): AttributeValue | undefined | typeof GIVE_UP {
  if (value === null || value === undefined) return undefined;
  // In the normalizer's order, should a malformed message set two of them. A decoded message reads
  // its prototype's default ('') for an unset string, so a non-empty one is set without asking.
  const text = value.stringValue;
  if (typeof text === 'string' && (text !== '' || has(value, 'stringValue'))) return text;
  if (has(value, 'intValue')) {
    const int = value.intValue as Long | number;
    if (typeof int === 'number') return Number.isSafeInteger(int) ? int : GIVE_UP;
    // A Long: surely exact while its high word keeps it within ±(2^53 - 2^32).
    const high = int.high;
    if (high > 0x1fffff || high < -0x1fffff) return GIVE_UP;
    return high * 0x1_0000_0000 + (int.low >>> 0);
  }
  if (has(value, 'boolValue')) return value.boolValue as boolean;
  if (has(value, 'doubleValue')) return value.doubleValue as number;
  return has(value, 'bytesValue') ? GIVE_UP : undefined;
}

/** 2^32 = 4,294,967 × 1000 + 296: how a Long's high word splits into whole microseconds. */
const HIGH_US = 4_294_967;
const HIGH_REST_NS = 296;

/**
 * `startMs` and `durationMs` of two fixed64 nanosecond times, the same doubles the bigint arithmetic
 * below gives (`Number(start / 1000n) / 1000`, `Number(end − start) / 1e6`) without a bigint per span:
 * whole microseconds from the high and low words apart, each part exact below 2^53. False for an
 * absent (zero) time, which the full path refuses.
 */
function setTimes(r: SpanRecord, startTime: Long | number, endTime: Long | number): boolean {
  if (typeof startTime === 'number' || typeof endTime === 'number') {
    const start = nanos(startTime);
    const end = nanos(endTime);
    if (start === undefined || end === undefined || start === 0n || end === 0n) return false;
    r.startMs = Number(start / 1000n) / 1000;
    r.durationMs = end > start ? Number(end - start) / 1e6 : 0;
    return true;
  }
  const sh = startTime.high >>> 0;
  const sl = startTime.low >>> 0;
  const eh = endTime.high >>> 0;
  const el = endTime.low >>> 0;
  if ((sh === 0 && sl === 0) || (eh === 0 && el === 0)) return false;
  // Past 2^53 µs (year 2255) or 2^53 ns apart (104 days): the bigints.
  if (sh >= 0x7d000000 || eh - sh > 0x1fffff || sh - eh > 0x1fffff) return bigTimes(r, startTime, endTime);
  r.startMs = (sh * HIGH_US + Math.floor((sh * HIGH_REST_NS + sl) / 1000)) / 1000;
  const diff = (eh - sh) * 0x1_0000_0000 + (el - sl);
  r.durationMs = diff > 0 ? diff / 1e6 : 0;
  return true;
}

/** {@link setTimes} with bigints, for times the split arithmetic does not cover exactly. */
function bigTimes(r: SpanRecord, startTime: Long, endTime: Long): boolean {
  const start = nanos(startTime) as bigint;
  const end = nanos(endTime) as bigint;
  r.startMs = Number(start / 1000n) / 1000;
  r.durationMs = end > start ? Number(end - start) / 1e6 : 0;
  return true;
}

/** Unsigned nanoseconds as a bigint (a fixed64 is a Long, or a number without long.js). */
function nanos(value: Long | number): bigint | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : undefined;
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}

/** The big-endian 32-bit word at `at`, as the hex text's 8 digits give it. */
function word(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] as number) << 24) |
      ((bytes[at + 1] as number) << 16) |
      ((bytes[at + 2] as number) << 8) |
      (bytes[at + 3] as number)) >>>
    0
  );
}
