import type { SpanRecord } from '../../span-record/record.js';
import type { Attributes } from '../../types.js';
import { ShapeError } from '../internal-types.js';
import { otlpKind, statusCode } from '../values.js';
import {
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  Cursor,
  EMPTY,
  GIVE_UP,
  giveUp,
  isDigit,
  isNull,
  more,
  NO_RESOURCE,
  OPEN_OBJECT,
  openArray,
  openObject,
  QUOTE,
  scalar,
  skip,
  str,
  ws,
} from './cursor.js';
import { hexWord, isNanos19, setTimes } from './ids-times.js';
import { compactKeyValue, ENGINE_KEY_MATCH, keyValue } from './key-values.js';
import { Keys, memberKey } from './keys.js';
import { NO_POOL, type RecordPool } from './record-pool.js';

/**
 * The analysis fast path for one OTLP JSON Lines line, read straight from its bytes: no `JSON.parse`,
 * no strings for ids, no objects for what the engine does not read. It checks the JSON syntax of the
 * whole line and fills one {@link SpanRecord} per span, as `recordOfWire` would from the `WireSpan`.
 * Anything outside the shape exporters write (events, arrays or maps as attribute values, base64 ids,
 * times as numbers, escapes in keys, duplicate keys, `instrumentationLibrarySpans`, …) makes it give
 * the line up: it returns false, having added nothing, and the caller parses the line and reads it
 * the full way, so errors and rare forms are exactly the reader's. Tested against that path.
 *
 * `buf[stop]` must be the newline after the line. The records come from `records`, one pool per
 * reader: they are used again once `out` is a new, empty batch, so use a batch up before reading on.
 */
export function scanOtlpLine(
  buf: Buffer,
  start: number,
  stop: number,
  out: SpanRecord[],
  records: RecordPool,
): boolean {
  const cur = CURSOR;
  // The newline after the line stops every loop below without a bounds check per byte.
  if (buf[stop] !== 0x0a) return false;
  if (out.length === 0) records.used = 0;
  const before = out.length;
  const usedBefore = records.used;
  cur.b = buf;
  cur.p = start;
  cur.end = stop;
  cur.pool = records;
  try {
    if (ws(cur) !== OPEN_OBJECT) giveUp();
    request(cur, out);
    if (ws(cur) !== -1) giveUp();
    return true;
  } catch (error) {
    // ShapeError: a bad kind or status code, which the full path reports with its position.
    if (error !== GIVE_UP && !(error instanceof ShapeError)) throw error;
    out.length = before;
    records.used = usedBefore;
    return false;
  } finally {
    cur.b = EMPTY;
    cur.pool = NO_POOL;
  }
}

/** The cursor of every line: lines are read one at a time, synchronously. */
const CURSOR = new Cursor();

/** Where a document's span is copied to be scanned, with a newline after it (see below). */
let spanCopy = Buffer.allocUnsafeSlow(1 << 16);

/**
 * The fast path for one OTLP span of a whole JSON document (its bytes as the document scanner cut them
 * out): the record `span` fills, with the resource and scope the document gave it, or undefined,
 * having used no record, to have the span parsed and read the full way (the same rules as a line's).
 * The bytes are copied first: the scanner's loops stop at the newline put after them.
 */
export function scanOtlpSpan(
  bytes: Buffer,
  records: RecordPool,
  resource: Attributes,
  scope: string | undefined,
): SpanRecord | undefined {
  const length = bytes.length;
  if (spanCopy.length <= length) spanCopy = Buffer.allocUnsafeSlow(Math.max(length + 1, spanCopy.length * 2));
  bytes.copy(spanCopy, 0);
  spanCopy[length] = 0x0a;
  const cur = CURSOR;
  const usedBefore = records.used;
  cur.b = spanCopy;
  cur.p = 0;
  cur.end = length;
  cur.pool = records;
  try {
    const record = span(cur);
    if (ws(cur) !== -1) giveUp();
    record.resource = resource;
    record.scope = scope ?? '';
    return record;
  } catch (error) {
    if (error !== GIVE_UP && !(error instanceof ShapeError)) throw error;
    records.used = usedBefore;
    return undefined;
  } finally {
    cur.b = EMPTY;
    cur.pool = NO_POOL;
  }
}

// Keys, with both spellings of each field giving the same field number.
const REQUEST_KEYS = new Keys(['resourceSpans', 'resource_spans']);
const RESOURCE_SPANS_KEYS = new Keys([
  'resource',
  'scopeSpans',
  'scope_spans',
  'instrumentationLibrarySpans',
  'instrumentation_library_spans',
]);
const RS_FIELD = [0, 1, 1, 2, 2];
const RESOURCE_KEYS = new Keys(['attributes']);
const SCOPE_SPANS_KEYS = new Keys(['spans', 'scope', 'instrumentationLibrary', 'instrumentation_library']);
const SCOPE_KEYS = new Keys(['name']);
const SPAN_KEYS = new Keys([
  'traceId',
  'trace_id',
  'spanId',
  'span_id',
  'parentSpanId',
  'parent_span_id',
  'name',
  'kind',
  'startTimeUnixNano',
  'start_time_unix_nano',
  'endTimeUnixNano',
  'end_time_unix_nano',
  'attributes',
  'events',
  'status',
]);
const F_TRACE = 0;
const F_SPAN = 1;
const F_PARENT = 2;
const F_NAME = 3;
const F_KIND = 4;
const F_START = 5;
const F_END = 6;
const F_ATTRIBUTES = 7;
const F_EVENTS = 8;
const F_STATUS = 9;
const SPAN_FIELD = [0, 0, 1, 1, 2, 2, 3, 4, 5, 5, 6, 6, 7, 8, 9];
const STATUS_KEYS = new Keys(['code']);

function request(cur: Cursor, out: SpanRecord[]): void {
  cur.p++;
  let seen = false;
  if (ws(cur) !== CLOSE_OBJECT) {
    do {
      const k = memberKey(cur, REQUEST_KEYS);
      if (k < 0) skip(cur, 1);
      else {
        if (seen) giveUp();
        seen = true;
        if (isNull(cur)) giveUp();
        if (openArray(cur)) {
          do resourceSpans(cur, out);
          while (more(cur, CLOSE_ARRAY));
        }
      }
    } while (more(cur, CLOSE_OBJECT));
  } else cur.p++;
  if (!seen) giveUp();
}

function resourceSpans(cur: Cursor, out: SpanRecord[]): void {
  const first = out.length;
  let resource: Attributes = NO_RESOURCE;
  let seen = 0;
  if (!openObject(cur)) return;
  do {
    const k = memberKey(cur, RESOURCE_SPANS_KEYS);
    if (k < 0) {
      skip(cur, 1);
      continue;
    }
    const field = RS_FIELD[k] as number;
    if (field === 2 || (seen & (1 << field)) !== 0) giveUp();
    seen |= 1 << field;
    if (isNull(cur)) continue;
    if (field === 0) resource = resourceObject(cur);
    else if (openArray(cur)) {
      do scopeSpans(cur, out);
      while (more(cur, CLOSE_ARRAY));
    }
  } while (more(cur, CLOSE_OBJECT));
  // The resource may come before or after the spans.
  for (let i = first; i < out.length; i++) (out[i] as SpanRecord).resource = resource;
}

/** A `Resource` object's attributes (the same object as before when its bytes are the same). */
function resourceObject(cur: Cursor): Attributes {
  ws(cur);
  const s = cur.p;
  // The same bytes as a resource already read are that value: a JSON object ends where its bytes do.
  const length = cur.lastResourceBytes.length;
  if (
    length > 0 &&
    s + length <= cur.end &&
    cur.b.compare(cur.lastResourceBytes, 0, length, s, s + length) === 0
  ) {
    cur.p = s + length;
    return cur.lastResource;
  }
  skip(cur, 1);
  const e = cur.p;
  cur.p = s;
  const resource: Attributes = {};
  let seen = false;
  if (openObject(cur)) {
    do {
      const rk = memberKey(cur, RESOURCE_KEYS);
      if (rk < 0) skip(cur, 1);
      else {
        if (seen) giveUp();
        seen = true;
        if (!isNull(cur) && openArray(cur)) {
          do keyValue(cur, resource);
          while (more(cur, CLOSE_ARRAY));
        }
      }
    } while (more(cur, CLOSE_OBJECT));
  }
  cur.lastResource = resource;
  cur.lastResourceBytes = Buffer.from(cur.b.subarray(s, e));
  return resource;
}

function scopeSpans(cur: Cursor, out: SpanRecord[]): void {
  let seen = false;
  let scope = '';
  const first = out.length;
  if (!openObject(cur)) return;
  do {
    const k = memberKey(cur, SCOPE_SPANS_KEYS);
    if (k < 0) skip(cur, 1);
    else if (k > 0) {
      if (isNull(cur) || !openObject(cur)) continue;
      do {
        if (memberKey(cur, SCOPE_KEYS) < 0) skip(cur, 1);
        else {
          const name = scalar(cur);
          if (typeof name === 'string') scope = name;
        }
      } while (more(cur, CLOSE_OBJECT));
    } else {
      if (seen) giveUp();
      seen = true;
      if (!isNull(cur) && openArray(cur)) {
        do out.push(span(cur));
        while (more(cur, CLOSE_ARRAY));
      }
    }
  } while (more(cur, CLOSE_OBJECT));
  // The scope may come before or after its spans.
  for (let i = first; i < out.length; i++) (out[i] as SpanRecord).scope = scope;
}

function span(cur: Cursor): SpanRecord {
  const r = cur.pool.next();
  r.traceText = undefined;
  r.spanText = undefined;
  r.parentText = undefined;
  r.hasParent = false;
  r.name = '';
  r.kind = 'unspecified';
  r.error = false;
  r.values.fill(undefined);
  r.wirescope = false;
  r.redirectEvents = 0;
  let seen = 0;
  let startAt = -1;
  let endAt = -1;
  if (openObject(cur)) {
    do {
      const k = memberKey(cur, SPAN_KEYS);
      if (k < 0) {
        skip(cur, 1);
        continue;
      }
      const field = SPAN_FIELD[k] as number;
      if ((seen & (1 << field)) !== 0) giveUp();
      seen |= 1 << field;
      switch (field) {
        case F_TRACE:
          if (ws(cur) !== QUOTE) giveUp();
          str(cur);
          if (cur.strEnd - cur.strStart !== 32) giveUp();
          for (let w = 0; w < 4; w++) r.traceWords[w] = hexWord(cur, cur.strStart + w * 8);
          break;
        case F_SPAN:
          if (ws(cur) !== QUOTE) giveUp();
          str(cur);
          if (cur.strEnd - cur.strStart !== 16) giveUp();
          r.hi = hexWord(cur, cur.strStart);
          r.lo = hexWord(cur, cur.strStart + 8);
          break;
        case F_PARENT:
          if (isNull(cur)) break;
          if (ws(cur) !== QUOTE) giveUp();
          str(cur);
          if (cur.strEnd === cur.strStart) break;
          if (cur.strEnd - cur.strStart !== 16) giveUp();
          r.parHi = hexWord(cur, cur.strStart);
          r.parLo = hexWord(cur, cur.strStart + 8);
          r.hasParent = r.parHi !== 0 || r.parLo !== 0; // all zeros: a root
          break;
        case F_NAME: {
          const value = scalar(cur);
          r.name = typeof value === 'string' ? value : '';
          break;
        }
        case F_KIND: {
          // One digit, as exporters write it, without making its text; anything else as the full path reads it.
          const c = ws(cur);
          const next = cur.b[cur.p + 1] as number;
          if (isDigit(c) && !isDigit(next) && next !== 0x2e && next !== 0x65 && next !== 0x45) {
            cur.p++;
            r.kind = otlpKind(c - 0x30);
          } else r.kind = otlpKind(scalar(cur));
          break;
        }
        case F_START:
          if (ws(cur) !== QUOTE) giveUp();
          str(cur);
          startAt = cur.strStart;
          if (!isNanos19(cur)) giveUp();
          break;
        case F_END:
          if (ws(cur) !== QUOTE) giveUp();
          str(cur);
          endAt = cur.strStart;
          if (!isNanos19(cur)) giveUp();
          break;
        case F_ATTRIBUTES:
          if (!isNull(cur) && openArray(cur)) {
            do {
              const fast = compactKeyValue(cur, r.values);
              if (fast === 1 || (fast < 0 && keyValue(cur, r.values, ENGINE_KEY_MATCH))) r.wirescope = true;
            } while (more(cur, CLOSE_ARRAY));
          }
          break;
        case F_EVENTS:
          // Events are rare on wirescope spans (region redirects): the full path reads them.
          if (!isNull(cur) && openArray(cur)) giveUp();
          break;
        case F_STATUS:
          if (!isNull(cur) && openObject(cur)) {
            do {
              const sk = memberKey(cur, STATUS_KEYS);
              if (sk < 0) skip(cur, 1);
              else r.error = statusCode(scalar(cur)) === 'error';
            } while (more(cur, CLOSE_OBJECT));
          }
          break;
      }
    } while (more(cur, CLOSE_OBJECT));
  }
  if ((seen & REQUIRED) !== REQUIRED) giveUp();
  setTimes(cur, r, startAt, endAt);
  return r;
}

const REQUIRED = (1 << F_TRACE) | (1 << F_SPAN) | (1 << F_START) | (1 << F_END);
