import { ENGINE_KEYS } from '../span-record/keys.js';
import { newRecord, type SpanRecord } from '../span-record/record.js';
import type { Attributes, AttributeValue } from '../types.js';
import { ShapeError } from './internal-types.js';
import { otlpKind, statusCode } from './values.js';

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
  // The newline after the line stops every loop below without a bounds check per byte.
  if (buf[stop] !== 0x0a) return false;
  if (out.length === 0) records.used = 0;
  const before = out.length;
  const usedBefore = records.used;
  b = buf;
  p = start;
  end = stop;
  pool = records;
  try {
    if (ws() !== OPEN_OBJECT) giveUp();
    request(out);
    if (ws() !== -1) giveUp();
    return true;
  } catch (error) {
    // ShapeError: a bad kind or status code, which the full path reports with its position.
    if (error !== GIVE_UP && !(error instanceof ShapeError)) throw error;
    out.length = before;
    records.used = usedBefore;
    return false;
  } finally {
    b = EMPTY;
    pool = NO_POOL;
  }
}

/**
 * The records one reader hands out, reused batch after batch. One per reader: two analyses reading at
 * once (their batches interleave at every await) must not share records.
 */
export class RecordPool {
  readonly records: SpanRecord[] = [];
  /** Records handed out since the batch began. */
  used = 0;
  /** A cleared record for the next span. */
  next(): SpanRecord {
    if (this.used === this.records.length) this.records.push(newRecord());
    return this.records[this.used++] as SpanRecord;
  }
}

const NO_POOL = new RecordPool();
/** The pool of the line being read. */
let pool: RecordPool = NO_POOL;

// ---- state of the line being read (one line at a time, synchronously) ----
const EMPTY = Buffer.alloc(0);
let b: Buffer = EMPTY;
let p = 0;
let end = 0;
/** Of the last string read: its bytes are `strStart`…`strEnd` (quotes excluded). */
let strStart = 0;
let strEnd = 0;
let strEscaped = false;

/** Thrown to give the line up; never leaves this module. */
const GIVE_UP = Symbol('give up');
function giveUp(): never {
  throw GIVE_UP;
}

const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const MAX_DEPTH = 64;

/** The next non-whitespace byte (not consumed), or -1 at the end of the line. */
function ws(): number {
  const buf = b;
  let q = p;
  let c = buf[q] as number;
  // Past the end the bytes are those of the next line, or undefined at the end of the buffer.
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = buf[++q] as number;
  p = q;
  return q < end ? c : -1;
}

/** After a member or element: true for a comma (consumed), false for `close` (consumed). */
function more(close: number): boolean {
  const c = ws();
  p++;
  if (c === COMMA) return true;
  if (c === close) return false;
  return giveUp();
}

function colon(): void {
  if (ws() !== COLON) giveUp();
  p++;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && (HEX_VALUE[c] as number) >= 0;
}

/** Reads a string (at its opening quote): sets `strStart`, `strEnd`, `strEscaped`. */
function str(): void {
  const buf = b;
  let q = p + 1;
  const s = q;
  let escaped = false;
  for (;;) {
    const c = buf[q++] as number; // the newline at the end is a control character: it ends the loop
    if (c === QUOTE) break;
    if (c < 0x20) giveUp();
    if (c === BACKSLASH) {
      escaped = true;
      const e = buf[q++] as number;
      if (e === 0x75) {
        if (!isHex(buf[q]!) || !isHex(buf[q + 1]!) || !isHex(buf[q + 2]!) || !isHex(buf[q + 3]!)) giveUp();
        q += 4;
      } else if (
        e !== QUOTE &&
        e !== BACKSLASH &&
        e !== 0x2f &&
        e !== 0x62 &&
        e !== 0x66 &&
        e !== 0x6e &&
        e !== 0x72 &&
        e !== 0x74
      ) {
        giveUp();
      }
    }
  }
  p = q;
  strStart = s;
  strEnd = q - 1;
  strEscaped = escaped;
}

/** Node's own slicing methods of Buffer (what `toString(encoding, start, end)` calls after its checks). */
interface Slices {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

/** The text of the last string read. */
function strText(): string {
  const slices = b as unknown as Slices;
  if (strEscaped) return JSON.parse(slices.utf8Slice(strStart - 1, strEnd + 1)) as string;
  return cachedText(strStart, strEnd);
}

/**
 * Texts of recent byte strings without escapes, in a direct-mapped cache: span names and attribute
 * values repeat line after line, and the same string object is cheaper to make (no copy) and to look
 * up (its hash is kept) than a new one each time.
 */
const TEXT_SLOTS = 256;
const textBytes: Array<Uint8Array | undefined> = new Array(TEXT_SLOTS).fill(undefined);
const texts: string[] = new Array(TEXT_SLOTS).fill('');

/** The text of the bytes `s`…`e` (valid UTF-8, no escapes). */
function cachedText(s: number, e: number): string {
  const length = e - s;
  if (length === 0) return '';
  const slot =
    (Math.imul(length, 31) +
      (b[s] as number) * 7 +
      (b[e - 1] as number) +
      (b[s + (length >> 1)] as number) * 3) &
    (TEXT_SLOTS - 1);
  const known = textBytes[slot];
  if (known !== undefined && known.length === length) {
    let i = 0;
    while (i < length && known[i] === b[s + i]) i++;
    if (i === length) return texts[slot] as string;
  }
  const text = (b as unknown as Slices).utf8Slice(s, e);
  textBytes[slot] = Uint8Array.prototype.slice.call(b, s, e);
  texts[slot] = text;
  return text;
}

/** The text of ASCII bytes (a number). */
function asciiText(start: number, stop: number): string {
  return (b as unknown as Slices).latin1Slice(start, stop);
}

/** Reads a number (at its first byte); true when it is a plain integer literal (no fraction or exponent). */
function num(): boolean {
  let integer = true;
  if (b[p] === 0x2d) p++;
  if (b[p] === 0x30) p++;
  else if (isDigit(b[p])) while (isDigit(b[p])) p++;
  else giveUp();
  if (b[p] === 0x2e) {
    integer = false;
    p++;
    if (!isDigit(b[p])) giveUp();
    while (isDigit(b[p])) p++;
  }
  if (b[p] === 0x65 || b[p] === 0x45) {
    integer = false;
    p++;
    if (b[p] === 0x2b || b[p] === 0x2d) p++;
    if (!isDigit(b[p])) giveUp();
    while (isDigit(b[p])) p++;
  }
  return integer;
}

function isDigit(c: number | undefined): boolean {
  return (c as number) >= 0x30 && (c as number) <= 0x39; // false for undefined
}

/** Reads `true`, `false` or `null` (at its first byte), returning its value. */
function literal(): boolean | null {
  const c = b[p];
  if (c === 0x74 && p + 4 <= end && b[p + 1] === 0x72 && b[p + 2] === 0x75 && b[p + 3] === 0x65) {
    p += 4;
    return true;
  }
  if (
    c === 0x66 &&
    p + 5 <= end &&
    b[p + 1] === 0x61 &&
    b[p + 2] === 0x6c &&
    b[p + 3] === 0x73 &&
    b[p + 4] === 0x65
  ) {
    p += 5;
    return false;
  }
  if (c === 0x6e && p + 4 <= end && b[p + 1] === 0x75 && b[p + 2] === 0x6c && b[p + 3] === 0x6c) {
    p += 4;
    return null;
  }
  return giveUp();
}

/** Skips any JSON value, checking its syntax. */
function skip(depth: number): void {
  const c = ws();
  if (c === QUOTE) str();
  else if (c === OPEN_OBJECT) {
    if (depth > MAX_DEPTH) giveUp();
    p++;
    if (ws() === CLOSE_OBJECT) {
      p++;
      return;
    }
    do {
      if (ws() !== QUOTE) giveUp();
      str();
      colon();
      skip(depth + 1);
    } while (more(CLOSE_OBJECT));
  } else if (c === OPEN_ARRAY) {
    if (depth > MAX_DEPTH) giveUp();
    p++;
    if (ws() === CLOSE_ARRAY) {
      p++;
      return;
    }
    do skip(depth + 1);
    while (more(CLOSE_ARRAY));
  } else if (c === 0x2d || isDigit(c)) num();
  else literal();
}

/** A string, number, `true`, `false` or `null` as `JSON.parse` gives it; gives up on objects and arrays. */
function scalar(): unknown {
  const c = ws();
  if (c === QUOTE) {
    str();
    return strText();
  }
  if (c === 0x2d || isDigit(c)) {
    const s = p;
    num();
    return Number(asciiText(s, p));
  }
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) giveUp();
  return literal();
}

/** True when the next value is `null` (consumed). */
function isNull(): boolean {
  if (ws() !== 0x6e) return false;
  literal();
  return true;
}

/** Starts an object's members: false for `{}` (consumed). */
function openObject(): boolean {
  if (ws() !== OPEN_OBJECT) giveUp();
  p++;
  if (ws() === CLOSE_OBJECT) {
    p++;
    return false;
  }
  return true;
}

/** Starts an array's elements: false for `[]` (consumed). */
function openArray(): boolean {
  if (ws() !== OPEN_ARRAY) giveUp();
  p++;
  if (ws() === CLOSE_ARRAY) {
    p++;
    return false;
  }
  return true;
}

/** Byte patterns of a list of keys, looked up by length then bytes. */
class Keys {
  /** Per byte length: the keys of that length, as bytes, and their indexes in `names`. */
  private readonly bytes: Uint8Array[][] = [];
  private readonly indexes: number[][] = [];
  constructor(readonly names: readonly string[]) {
    names.forEach((name, index) => {
      const bytes = Buffer.from(name, 'utf8');
      this.bytes[bytes.length] ??= [];
      this.indexes[bytes.length] ??= [];
      this.bytes[bytes.length]?.push(bytes);
      this.indexes[bytes.length]?.push(index);
    });
  }
  /** Index of the key just read by `str()` (a key with escapes gives up), or -1. */
  match(): number {
    if (strEscaped) giveUp();
    const length = strEnd - strStart;
    const candidates = this.bytes[length];
    if (candidates === undefined) return -1;
    // From the end: keys of one length often share a prefix (`wirescope.`).
    for (let k = 0; k < candidates.length; k++) {
      const key = candidates[k] as Uint8Array;
      let i = length - 1;
      while (i >= 0 && key[i] === b[strStart + i]) i--;
      if (i < 0) return (this.indexes[length] as number[])[k] as number;
    }
    return -1;
  }
}

/** `wirescope.` */
const WIRESCOPE_PREFIX = Buffer.from('wirescope.', 'utf8');

function startsWithWirescope(): boolean {
  if (strEnd - strStart < WIRESCOPE_PREFIX.length) return false;
  for (let i = 0; i < WIRESCOPE_PREFIX.length; i++) if (b[strStart + i] !== WIRESCOPE_PREFIX[i]) return false;
  return true;
}

/** Reads an object member's key (at its quote) and the colon: the key's index in `keys`, or -1. */
function memberKey(keys: Keys): number {
  if (ws() !== QUOTE) giveUp();
  str();
  const k = keys.match();
  colon();
  return k;
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
const KEY_VALUE_KEYS = new Keys(['key', 'value']);
const ANY_VALUE_KEYS = new Keys(['stringValue', 'intValue', 'boolValue', 'doubleValue']);
const ENGINE_KEY_MATCH = new Keys(ENGINE_KEYS);
const ENGINE_KEY_PREFIXED = ENGINE_KEYS.map((key) => key.startsWith('wirescope.'));

function request(out: SpanRecord[]): void {
  p++;
  let seen = false;
  if (ws() !== CLOSE_OBJECT) {
    do {
      const k = memberKey(REQUEST_KEYS);
      if (k < 0) skip(1);
      else {
        if (seen) giveUp();
        seen = true;
        if (isNull()) giveUp();
        if (openArray()) {
          do resourceSpans(out);
          while (more(CLOSE_ARRAY));
        }
      }
    } while (more(CLOSE_OBJECT));
  } else p++;
  if (!seen) giveUp();
}

function resourceSpans(out: SpanRecord[]): void {
  const first = out.length;
  let resource: Attributes = NO_RESOURCE;
  let seen = 0;
  if (!openObject()) return;
  do {
    const k = memberKey(RESOURCE_SPANS_KEYS);
    if (k < 0) {
      skip(1);
      continue;
    }
    const field = RS_FIELD[k] as number;
    if (field === 2 || (seen & (1 << field)) !== 0) giveUp();
    seen |= 1 << field;
    if (isNull()) continue;
    if (field === 0) resource = resourceObject();
    else if (openArray()) {
      do scopeSpans(out);
      while (more(CLOSE_ARRAY));
    }
  } while (more(CLOSE_OBJECT));
  // The resource may come before or after the spans.
  for (let i = first; i < out.length; i++) (out[i] as SpanRecord).resource = resource;
}

const NO_RESOURCE: Attributes = Object.freeze({});
/** The last resource read, and its bytes: exporters repeat one resource line after line. */
let lastResource: Attributes = NO_RESOURCE;
let lastResourceBytes: Buffer = EMPTY;

/** A `Resource` object's attributes (the same object as before when its bytes are the same). */
function resourceObject(): Attributes {
  ws();
  const s = p;
  // The same bytes as a resource already read are that value: a JSON object ends where its bytes do.
  const length = lastResourceBytes.length;
  if (length > 0 && s + length <= end && b.compare(lastResourceBytes, 0, length, s, s + length) === 0) {
    p = s + length;
    return lastResource;
  }
  skip(1);
  const e = p;
  p = s;
  const resource: Attributes = {};
  let seen = false;
  if (openObject()) {
    do {
      const rk = memberKey(RESOURCE_KEYS);
      if (rk < 0) skip(1);
      else {
        if (seen) giveUp();
        seen = true;
        if (!isNull() && openArray()) {
          do keyValue(resource);
          while (more(CLOSE_ARRAY));
        }
      }
    } while (more(CLOSE_OBJECT));
  }
  lastResource = resource;
  lastResourceBytes = Buffer.from(b.subarray(s, e));
  return resource;
}

function scopeSpans(out: SpanRecord[]): void {
  let seen = false;
  let scope = '';
  const first = out.length;
  if (!openObject()) return;
  do {
    const k = memberKey(SCOPE_SPANS_KEYS);
    if (k < 0) skip(1);
    else if (k > 0) {
      if (isNull() || !openObject()) continue;
      do {
        if (memberKey(SCOPE_KEYS) < 0) skip(1);
        else {
          const name = scalar();
          if (typeof name === 'string') scope = name;
        }
      } while (more(CLOSE_OBJECT));
    } else {
      if (seen) giveUp();
      seen = true;
      if (!isNull() && openArray()) {
        do out.push(span());
        while (more(CLOSE_ARRAY));
      }
    }
  } while (more(CLOSE_OBJECT));
  // The scope may come before or after its spans.
  for (let i = first; i < out.length; i++) (out[i] as SpanRecord).scope = scope;
}

function span(): SpanRecord {
  const r = pool.next();
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
  if (openObject()) {
    do {
      const k = memberKey(SPAN_KEYS);
      if (k < 0) {
        skip(1);
        continue;
      }
      const field = SPAN_FIELD[k] as number;
      if ((seen & (1 << field)) !== 0) giveUp();
      seen |= 1 << field;
      switch (field) {
        case F_TRACE:
          if (ws() !== QUOTE) giveUp();
          str();
          if (strEnd - strStart !== 32) giveUp();
          for (let w = 0; w < 4; w++) r.traceWords[w] = hexWord(strStart + w * 8);
          break;
        case F_SPAN:
          if (ws() !== QUOTE) giveUp();
          str();
          if (strEnd - strStart !== 16) giveUp();
          r.hi = hexWord(strStart);
          r.lo = hexWord(strStart + 8);
          break;
        case F_PARENT:
          if (isNull()) break;
          if (ws() !== QUOTE) giveUp();
          str();
          if (strEnd === strStart) break;
          if (strEnd - strStart !== 16) giveUp();
          r.parHi = hexWord(strStart);
          r.parLo = hexWord(strStart + 8);
          r.hasParent = r.parHi !== 0 || r.parLo !== 0; // all zeros: a root
          break;
        case F_NAME: {
          const value = scalar();
          r.name = typeof value === 'string' ? value : '';
          break;
        }
        case F_KIND:
          r.kind = otlpKind(scalar());
          break;
        case F_START:
          if (ws() !== QUOTE) giveUp();
          str();
          startAt = strStart;
          if (!isNanos19()) giveUp();
          break;
        case F_END:
          if (ws() !== QUOTE) giveUp();
          str();
          endAt = strStart;
          if (!isNanos19()) giveUp();
          break;
        case F_ATTRIBUTES:
          if (!isNull() && openArray()) {
            do {
              const fast = compactKeyValue(r.values);
              if (fast === 1 || (fast < 0 && keyValue(r.values, ENGINE_KEY_MATCH))) r.wirescope = true;
            } while (more(CLOSE_ARRAY));
          }
          break;
        case F_EVENTS:
          // Events are rare on wirescope spans (region redirects): the full path reads them.
          if (!isNull() && openArray()) giveUp();
          break;
        case F_STATUS:
          if (!isNull() && openObject()) {
            do {
              const sk = memberKey(STATUS_KEYS);
              if (sk < 0) skip(1);
              else r.error = statusCode(scalar()) === 'error';
            } while (more(CLOSE_OBJECT));
          }
          break;
      }
    } while (more(CLOSE_OBJECT));
  }
  if ((seen & REQUIRED) !== REQUIRED) giveUp();
  setTimes(r, startAt, endAt);
  return r;
}

const REQUIRED = (1 << F_TRACE) | (1 << F_SPAN) | (1 << F_START) | (1 << F_END);

/** Value of a hex digit (either case) by byte, else -1. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let c = 0; c < 256; c++) {
  if (c >= 0x30 && c <= 0x39) HEX_VALUE[c] = c - 0x30;
  else if (c >= 0x61 && c <= 0x66) HEX_VALUE[c] = c - 0x57;
  else if (c >= 0x41 && c <= 0x46) HEX_VALUE[c] = c - 0x37;
}

/** Value of 8 hex digits (either case) at `at`; gives up on anything else. */
function hexWord(at: number): number {
  let word = 0;
  let bad = 0;
  for (let i = at; i < at + 8; i++) {
    const d = HEX_VALUE[b[i] as number] as number;
    bad |= d;
    word = word * 16 + d;
  }
  return bad < 0 ? giveUp() : word;
}

/** True when the last string read is 19 decimal digits (nanoseconds since 2001 until 2286). */
function isNanos19(): boolean {
  if (strEnd - strStart !== 19) return false;
  for (let i = strStart; i < strEnd; i++) if (!isDigit(b[i])) return false;
  return true;
}

/** Value of the decimal digits `at`…`at + count` (count ≤ 15: exact); `signed`: after a minus sign. */
function digits(at: number, count: number, signed = false): number {
  let value = 0;
  for (let i = signed ? at + 1 : at; i < at + count; i++) value = value * 10 + ((b[i] as number) - 0x30);
  return signed ? -value : value;
}

/** Largest difference of the 10 leading digits whose ns difference is surely below 2^53. */
const MAX_HIGH_DIFF = 9_000_000;

/**
 * `toMs(start)` and `durationMs(start, end)` of two 19-digit nanosecond times at `startAt`/`endAt`,
 * without bigints: the same doubles (the 16 leading digits are exact below 2^53, and so is the
 * difference); anything else gives the line up.
 */
function setTimes(r: SpanRecord, startAt: number, endAt: number): void {
  const high = digits(endAt, 10) - digits(startAt, 10);
  const first16 = digits(startAt, 10) * 1e6 + digits(startAt + 10, 6);
  if (high < 0 || high >= MAX_HIGH_DIFF || first16 > Number.MAX_SAFE_INTEGER) giveUp();
  r.startMs = first16 / 1000;
  const diff = high * 1e9 + (digits(endAt + 10, 9) - digits(startAt + 10, 9));
  r.durationMs = diff > 0 ? diff / 1e6 : 0;
}

const bytesOf = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const STRING_VALUE = bytesOf('stringValue":');
const INT_VALUE = bytesOf('intValue":');
const BOOL_VALUE = bytesOf('boolValue":');
const DOUBLE_VALUE = bytesOf('doubleValue":');

/** True when the bytes at `at` are `pattern`. */
function bytesAt(at: number, pattern: Uint8Array): boolean {
  for (let i = 0; i < pattern.length; i++) if (b[at + i] !== pattern[i]) return false;
  return true;
}

/**
 * {@link keyValue} for one attribute written the way exporters write it, compact and in this order:
 * `{"key":"…","value":{"stringValue":"…"}}` (or `intValue`, `boolValue`, `doubleValue`), without
 * escapes. Returns 1 or 0 (the key does or does not start with `wirescope.`), or -1, having read
 * nothing, for anything else (then `keyValue` reads it).
 */
function compactKeyValue(values: Array<AttributeValue | undefined>): number {
  const buf = b;
  const at = p;
  // {"key":"
  if (
    buf[at] !== 0x7b ||
    buf[at + 1] !== 0x22 ||
    buf[at + 2] !== 0x6b ||
    buf[at + 3] !== 0x65 ||
    buf[at + 4] !== 0x79 ||
    buf[at + 5] !== 0x22 ||
    buf[at + 6] !== 0x3a ||
    buf[at + 7] !== 0x22
  )
    return -1;
  let q = at + 8;
  const keyStart = q;
  for (let c = buf[q] as number; c !== QUOTE; c = buf[++q] as number)
    if (c < 0x20 || c === BACKSLASH) return -1;
  strStart = keyStart;
  strEnd = q;
  strEscaped = false;
  const index = ENGINE_KEY_MATCH.match();
  const prefixed = (index >= 0 ? ENGINE_KEY_PREFIXED[index] : startsWithWirescope()) ? 1 : 0;
  // ","value":{"
  if (
    buf[q] !== 0x22 ||
    buf[q + 1] !== 0x2c ||
    buf[q + 2] !== 0x22 ||
    buf[q + 3] !== 0x76 ||
    buf[q + 4] !== 0x61 ||
    buf[q + 5] !== 0x6c ||
    buf[q + 6] !== 0x75 ||
    buf[q + 7] !== 0x65 ||
    buf[q + 8] !== 0x22 ||
    buf[q + 9] !== 0x3a ||
    buf[q + 10] !== 0x7b ||
    buf[q + 11] !== 0x22
  )
    return -1;
  q += 12;
  let value: AttributeValue | undefined;
  const kind = buf[q];
  if (kind === 0x73 && bytesAt(q, STRING_VALUE)) {
    q += STRING_VALUE.length;
    if (buf[q] !== QUOTE) return -1;
    const s = ++q;
    for (let c = buf[q] as number; c !== QUOTE; c = buf[++q] as number)
      if (c < 0x20 || c === BACKSLASH) return -1;
    if (index >= 0) value = cachedText(s, q);
    q++;
  } else if (kind === 0x69 && bytesAt(q, INT_VALUE)) {
    q += INT_VALUE.length;
    const s = q;
    if (buf[q] === 0x2d) q++;
    if (buf[q] === 0x30) q++;
    else while (isDigit(buf[q])) q++;
    if (q === s || buf[q - 1] === 0x2d || q - s > 15) return -1;
    if (index >= 0) value = digits(s, q - s, buf[s] === 0x2d);
  } else if (kind === 0x62 && bytesAt(q, BOOL_VALUE)) {
    q += BOOL_VALUE.length;
    if (buf[q] === 0x74 && buf[q + 1] === 0x72 && buf[q + 2] === 0x75 && buf[q + 3] === 0x65) {
      value = true;
      q += 4;
    } else if (
      buf[q] === 0x66 &&
      buf[q + 1] === 0x61 &&
      buf[q + 2] === 0x6c &&
      buf[q + 3] === 0x73 &&
      buf[q + 4] === 0x65
    ) {
      value = false;
      q += 5;
    } else return -1;
  } else if (kind === 0x64 && bytesAt(q, DOUBLE_VALUE)) {
    q += DOUBLE_VALUE.length;
    const s = q;
    if (buf[q] !== 0x2d && !isDigit(buf[q])) return -1;
    p = q;
    num();
    q = p;
    if (index >= 0) value = Number(asciiText(s, q));
  } else return -1;
  if (buf[q] !== CLOSE_OBJECT || buf[q + 1] !== CLOSE_OBJECT) {
    p = at;
    return -1;
  }
  p = q + 2;
  if (index >= 0) values[index] = value;
  return prefixed;
}

/**
 * Reads one `KeyValue`: with `keys`, into `values` at the key's index when it is one of them, and the
 * return value says whether the key starts with `wirescope.`; without, into `kept` under its key. Gives
 * up on anything but `{ "key": "…", "value": { "<one scalar kind>": … } }` with a value `anyValue` keeps.
 */
function keyValue(kept: Attributes | Array<AttributeValue | undefined>, keys?: Keys): boolean {
  let key: string | undefined;
  let index = -1;
  let prefixed = false;
  let value: AttributeValue | undefined;
  let sawKey = false;
  let sawValue = false;
  if (!openObject()) giveUp();
  do {
    const k = memberKey(KEY_VALUE_KEYS);
    if (k === 0) {
      if (sawKey || ws() !== QUOTE) giveUp();
      sawKey = true;
      str();
      if (keys) {
        index = keys.match();
        prefixed = startsWithWirescope();
      } else {
        key = strText();
      }
    } else if (k === 1) {
      if (sawValue) giveUp();
      sawValue = true;
      // Decoded unless the key came first and is not one that is kept.
      value = anyValue(keys !== undefined && sawKey && index < 0);
    } else giveUp();
  } while (more(CLOSE_OBJECT));
  if (!sawKey || !sawValue) giveUp();
  if (keys === undefined) (kept as Attributes)[key as string] = value as AttributeValue;
  else if (index >= 0) (kept as Array<AttributeValue | undefined>)[index] = value;
  return prefixed;
}

/**
 * An `AnyValue` object with one scalar member, as `anyValue` converts it; `checkOnly`: checked, not
 * decoded (returns undefined). Gives up where `anyValue` would drop the value or needs care.
 */
function anyValue(checkOnly: boolean): AttributeValue | undefined {
  if (!openObject()) giveUp();
  const k = memberKey(ANY_VALUE_KEYS);
  let value: AttributeValue | undefined;
  const c = ws();
  switch (k) {
    case 0: // stringValue
      if (c !== QUOTE) giveUp();
      str();
      if (!checkOnly) value = strText();
      break;
    case 1: {
      // intValue: a safe integer as a number or a decimal string
      let s: number;
      let e: number;
      if (c === QUOTE) {
        str();
        s = strStart;
        e = strEnd;
        if (strEscaped) giveUp();
        let i = s;
        if (b[i] === 0x2d) i++;
        if (i === e) giveUp();
        for (; i < e; i++) if (!isDigit(b[i])) giveUp();
      } else if (c === 0x2d || isDigit(c)) {
        s = p;
        if (!num()) giveUp();
        e = p;
      } else return giveUp();
      if (e - s > 15) giveUp();
      if (!checkOnly) value = Number(asciiText(s, e));
      break;
    }
    case 2: // boolValue
      if (c !== 0x74 && c !== 0x66) giveUp();
      value = literal() as boolean;
      break;
    case 3: {
      // doubleValue: a JSON number
      if (c !== 0x2d && !isDigit(c)) giveUp();
      const s = p;
      num();
      if (!checkOnly) value = Number(asciiText(s, p));
      break;
    }
    default:
      giveUp();
  }
  if (ws() !== CLOSE_OBJECT) giveUp();
  p++;
  return checkOnly ? undefined : value;
}
