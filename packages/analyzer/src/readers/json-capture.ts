import { isLiteralByte } from './json-syntax.js';

/**
 * Where the scanner stands in the input: the absolute offset of the current chunk, the line and the
 * offset where that line began. Shared by the scanner and the capture, which counts the newlines
 * inside the values it captures.
 */
export interface LineTracker {
  base: number;
  line: number;
  lineStart: number;
}

const KIND_CONTAINER = 0;
const KIND_STRING = 1;
const KIND_LITERAL = 2;

/**
 * The lexical half of the document scanner: captures the text of one JSON value (an object or array
 * by nesting depth, a string up to its closing quote, a literal up to its last byte), across as many
 * chunks as it spans, without validating its inside (`JSON.parse` does that on the finished text).
 * One capture is active at a time; the scanner uses it for records and for object keys.
 */
export class ValueCapture {
  /** True when the last `begin`/`resume` reached the end of the value. */
  done = false;
  private kind = KIND_CONTAINER;
  private depth = 0;
  private inString = false;
  /** A backslash ended the previous chunk inside a string. */
  private escape = false;
  private parts: Buffer[] = [];
  /** Where the value (or its part in the current chunk) starts in the current chunk. */
  private start = 0;
  /** Bytes held in `parts` (earlier chunks). */
  private held = 0;

  constructor(private readonly lines: LineTracker) {}

  /** Starts a value at `buf[i]`; returns the index after it, or `buf.length` if it goes on. */
  begin(buf: Buffer, i: number): number {
    const b = buf[i]!;
    this.parts = [];
    this.held = 0;
    this.start = i;
    this.depth = 0;
    this.inString = false;
    this.escape = false;
    if (b === 0x22) {
      this.kind = KIND_STRING;
      this.inString = true;
      return this.scan(buf, i + 1);
    }
    this.kind = b === 0x7b || b === 0x5b ? KIND_CONTAINER : KIND_LITERAL;
    return this.scan(buf, i);
  }

  /** Goes on with the value in a new chunk; returns the index after it, or `buf.length`. */
  resume(buf: Buffer): number {
    this.start = 0;
    return this.scan(buf, 0);
  }

  /** A literal at the very end of the input is complete (no byte follows to end it). */
  get endsAtInputEnd(): boolean {
    return this.kind === KIND_LITERAL;
  }

  /** Bytes of the value if it ends at `end` in `buf`. */
  size(end: number): number {
    return this.held + end - this.start;
  }

  /** Copies the rest of the chunk (the chunk's buffer may be reused); returns the bytes now held. */
  hold(buf: Buffer): number {
    if (this.start < buf.length) {
      this.held += buf.length - this.start;
      this.parts.push(Buffer.from(buf.subarray(this.start)));
    }
    return this.held;
  }

  /** The bytes of the finished value, ending at `end` in `buf`. */
  bytes(buf: Buffer, end: number): Buffer {
    if (this.parts.length === 0) return buf.subarray(this.start, end);
    this.parts.push(buf.subarray(0, end));
    const whole = Buffer.concat(this.parts);
    this.parts = [];
    return whole;
  }

  /** The text of the finished value, ending at `end` in `buf`. */
  text(buf: Buffer, end: number): string {
    if (this.parts.length === 0) return buf.toString('utf8', this.start, end);
    return this.bytes(buf, end).toString('utf8');
  }

  private scan(buf: Buffer, i: number): number {
    const n = buf.length;
    this.done = false;
    if (this.inString) {
      const j = this.closeQuote(buf, i);
      if (j === -1) return n;
      this.inString = false;
      i = j + 1;
      if (this.kind === KIND_STRING) {
        this.done = true;
        return i;
      }
    }
    if (this.kind === KIND_LITERAL) {
      while (i < n && isLiteralByte(buf[i]!)) i++;
      this.done = i < n;
      return i;
    }
    let depth = this.depth;
    const lines = this.lines;
    while (i < n) {
      const b = buf[i]!;
      if (b === 0x22) {
        const j = this.closeQuote(buf, i + 1);
        if (j === -1) {
          this.inString = true;
          this.depth = depth;
          return n;
        }
        i = j + 1;
        continue;
      }
      if (b === 0x7b || b === 0x5b) {
        depth++;
      } else if (b === 0x7d || b === 0x5d) {
        depth--;
        if (depth === 0) {
          this.done = true;
          return i + 1;
        }
      } else if (b === 0x0a) {
        lines.line++;
        lines.lineStart = lines.base + i + 1;
      }
      i++;
    }
    this.depth = depth;
    return n;
  }

  /** Index of the closing quote of a string whose content continues at `from`, or -1. */
  private closeQuote(buf: Buffer, from: number): number {
    let k = from;
    if (this.escape) {
      this.escape = false;
      k++;
    }
    for (;;) {
      const j = buf.indexOf(0x22, k);
      const stop = j === -1 ? buf.length : j;
      let backslashes = 0;
      for (let m = stop - 1; m >= k && buf[m] === 0x5c; m--) backslashes++;
      if (j === -1) {
        this.escape = (backslashes & 1) === 1;
        return -1;
      }
      if ((backslashes & 1) === 0) return j;
      k = j + 1;
    }
  }
}
