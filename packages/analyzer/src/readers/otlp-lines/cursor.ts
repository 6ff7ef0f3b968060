/**
 * The JSON lexer of the OTLP JSON Lines fast path: one {@link Cursor} holds the state of the line
 * being read, and every function takes it. Anything unexpected throws {@link GIVE_UP}.
 */
import type { Attributes } from '../../types.js';
import { HEX_VALUE } from './ids-times.js';
import { NO_POOL, type RecordPool } from './record-pool.js';

/** Bytes that are no line: what a cursor holds between lines. */
export const EMPTY = Buffer.alloc(0);
export const NO_RESOURCE: Attributes = Object.freeze({});

/**
 * The state of the line being read (one line at a time, synchronously), passed to every function of
 * the scanner: the bytes and position, the last string read, the records' pool, and the last resource
 * read with its bytes (exporters repeat one resource line after line).
 */
export class Cursor {
  b: Buffer = EMPTY;
  p = 0;
  end = 0;
  /** Of the last string read: its bytes are `strStart`…`strEnd` (quotes excluded). */
  strStart = 0;
  strEnd = 0;
  strEscaped = false;
  /** The pool of the line being read. */
  pool: RecordPool = NO_POOL;
  lastResource: Attributes = NO_RESOURCE;
  lastResourceBytes: Buffer = EMPTY;
}

/** Thrown to give the line up; never leaves `scanOtlpLine`. */
export const GIVE_UP = Symbol('give up');
export function giveUp(): never {
  throw GIVE_UP;
}

export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
export const QUOTE = 0x22;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const BACKSLASH = 0x5c;
export const MAX_DEPTH = 64;

/** The next non-whitespace byte (not consumed), or -1 at the end of the line. */
export function ws(cur: Cursor): number {
  const buf = cur.b;
  let q = cur.p;
  let c = buf[q] as number;
  // Past the end the bytes are those of the next line, or undefined at the end of the buffer.
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = buf[++q] as number;
  cur.p = q;
  return q < cur.end ? c : -1;
}

/** After a member or element: true for a comma (consumed), false for `close` (consumed). */
export function more(cur: Cursor, close: number): boolean {
  const c = ws(cur);
  cur.p++;
  if (c === COMMA) return true;
  if (c === close) return false;
  return giveUp();
}

export function colon(cur: Cursor): void {
  if (ws(cur) !== COLON) giveUp();
  cur.p++;
}

export function isHex(c: number | undefined): boolean {
  return c !== undefined && (HEX_VALUE[c] as number) >= 0;
}

/** Reads a string (at its opening quote): sets `strStart`, `strEnd`, `strEscaped`. */
export function str(cur: Cursor): void {
  const buf = cur.b;
  let q = cur.p + 1;
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
  cur.p = q;
  cur.strStart = s;
  cur.strEnd = q - 1;
  cur.strEscaped = escaped;
}

/** Node's own slicing methods of Buffer (what `toString(encoding, start, end)` calls after its checks). */
export interface Slices {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

/** The text of the last string read. */
export function strText(cur: Cursor): string {
  const slices = cur.b as unknown as Slices;
  if (cur.strEscaped) return JSON.parse(slices.utf8Slice(cur.strStart - 1, cur.strEnd + 1)) as string;
  return cachedText(cur, cur.strStart, cur.strEnd);
}

/**
 * Texts of recent byte strings without escapes, in a direct-mapped cache: span names and attribute
 * values repeat line after line, and the same string object is cheaper to make (no copy) and to look
 * up (its hash is kept) than a new one each time.
 */
export const TEXT_SLOTS = 256;
export const textBytes: Array<Uint8Array | undefined> = new Array(TEXT_SLOTS).fill(undefined);
export const texts: string[] = new Array(TEXT_SLOTS).fill('');

/** The text of the bytes `s`…`e` (valid UTF-8, no escapes). */
export function cachedText(cur: Cursor, s: number, e: number): string {
  const length = e - s;
  if (length === 0) return '';
  const slot =
    (Math.imul(length, 31) +
      (cur.b[s] as number) * 7 +
      (cur.b[e - 1] as number) +
      (cur.b[s + (length >> 1)] as number) * 3) &
    (TEXT_SLOTS - 1);
  const known = textBytes[slot];
  if (known !== undefined && known.length === length) {
    let i = 0;
    while (i < length && known[i] === cur.b[s + i]) i++;
    if (i === length) return texts[slot] as string;
  }
  const text = (cur.b as unknown as Slices).utf8Slice(s, e);
  textBytes[slot] = Uint8Array.prototype.slice.call(cur.b, s, e);
  texts[slot] = text;
  return text;
}

/** The text of ASCII bytes (a number). */
export function asciiText(cur: Cursor, start: number, stop: number): string {
  return (cur.b as unknown as Slices).latin1Slice(start, stop);
}

/** Reads a number (at its first byte); true when it is a plain integer literal (no fraction or exponent). */
export function num(cur: Cursor): boolean {
  let integer = true;
  if (cur.b[cur.p] === 0x2d) cur.p++;
  if (cur.b[cur.p] === 0x30) cur.p++;
  else if (isDigit(cur.b[cur.p])) while (isDigit(cur.b[cur.p])) cur.p++;
  else giveUp();
  if (cur.b[cur.p] === 0x2e) {
    integer = false;
    cur.p++;
    if (!isDigit(cur.b[cur.p])) giveUp();
    while (isDigit(cur.b[cur.p])) cur.p++;
  }
  if (cur.b[cur.p] === 0x65 || cur.b[cur.p] === 0x45) {
    integer = false;
    cur.p++;
    if (cur.b[cur.p] === 0x2b || cur.b[cur.p] === 0x2d) cur.p++;
    if (!isDigit(cur.b[cur.p])) giveUp();
    while (isDigit(cur.b[cur.p])) cur.p++;
  }
  return integer;
}

export function isDigit(c: number | undefined): boolean {
  return (c as number) >= 0x30 && (c as number) <= 0x39; // false for undefined
}

/** Reads `true`, `false` or `null` (at its first byte), returning its value. */
export function literal(cur: Cursor): boolean | null {
  const c = cur.b[cur.p];
  if (
    c === 0x74 &&
    cur.p + 4 <= cur.end &&
    cur.b[cur.p + 1] === 0x72 &&
    cur.b[cur.p + 2] === 0x75 &&
    cur.b[cur.p + 3] === 0x65
  ) {
    cur.p += 4;
    return true;
  }
  if (
    c === 0x66 &&
    cur.p + 5 <= cur.end &&
    cur.b[cur.p + 1] === 0x61 &&
    cur.b[cur.p + 2] === 0x6c &&
    cur.b[cur.p + 3] === 0x73 &&
    cur.b[cur.p + 4] === 0x65
  ) {
    cur.p += 5;
    return false;
  }
  if (
    c === 0x6e &&
    cur.p + 4 <= cur.end &&
    cur.b[cur.p + 1] === 0x75 &&
    cur.b[cur.p + 2] === 0x6c &&
    cur.b[cur.p + 3] === 0x6c
  ) {
    cur.p += 4;
    return null;
  }
  return giveUp();
}

/** Skips any JSON value, checking its syntax. */
export function skip(cur: Cursor, depth: number): void {
  const c = ws(cur);
  if (c === QUOTE) str(cur);
  else if (c === OPEN_OBJECT) {
    if (depth > MAX_DEPTH) giveUp();
    cur.p++;
    if (ws(cur) === CLOSE_OBJECT) {
      cur.p++;
      return;
    }
    do {
      if (ws(cur) !== QUOTE) giveUp();
      str(cur);
      colon(cur);
      skip(cur, depth + 1);
    } while (more(cur, CLOSE_OBJECT));
  } else if (c === OPEN_ARRAY) {
    if (depth > MAX_DEPTH) giveUp();
    cur.p++;
    if (ws(cur) === CLOSE_ARRAY) {
      cur.p++;
      return;
    }
    do skip(cur, depth + 1);
    while (more(cur, CLOSE_ARRAY));
  } else if (c === 0x2d || isDigit(c)) num(cur);
  else literal(cur);
}

/** A string, number, `true`, `false` or `null` as `JSON.parse` gives it; gives up on objects and arrays. */
export function scalar(cur: Cursor): unknown {
  const c = ws(cur);
  if (c === QUOTE) {
    str(cur);
    return strText(cur);
  }
  if (c === 0x2d || isDigit(c)) {
    const s = cur.p;
    num(cur);
    return Number(asciiText(cur, s, cur.p));
  }
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) giveUp();
  return literal(cur);
}

/** True when the next value is `null` (consumed). */
export function isNull(cur: Cursor): boolean {
  if (ws(cur) !== 0x6e) return false;
  literal(cur);
  return true;
}

/** Starts an object's members: false for `{}` (consumed). */
export function openObject(cur: Cursor): boolean {
  if (ws(cur) !== OPEN_OBJECT) giveUp();
  cur.p++;
  if (ws(cur) === CLOSE_OBJECT) {
    cur.p++;
    return false;
  }
  return true;
}

/** Starts an array's elements: false for `[]` (consumed). */
export function openArray(cur: Cursor): boolean {
  if (ws(cur) !== OPEN_ARRAY) giveUp();
  cur.p++;
  if (ws(cur) === CLOSE_ARRAY) {
    cur.p++;
    return false;
  }
  return true;
}
