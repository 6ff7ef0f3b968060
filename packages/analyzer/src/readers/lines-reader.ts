import { InputError } from '../input-error.js';
import type { SpanSource, WireSpan } from '../types.js';
import { locateShapeError } from './document-reader.js';
import { isEngineLimitError, MAX_RECORD_BYTES, mebibytes } from './input-limits.js';
import { ImpreciseNumberError, type JsonObject, ShapeError } from './internal-types.js';
import { jaegerDocumentToWire } from './jaeger-normalize.js';
import { findJsonSyntaxError, positionIn, quoteBigIntegers } from './json-syntax.js';
import { otlpRequestToWire, resourceSpansOf } from './otlp-normalize.js';

const BLANK = /^\s*$/;
const NEWLINE = Buffer.from([0x0a]);

/**
 * Spans of JSON Lines, a batch per chunk: one `ExportTraceServiceRequest` per line, as the collector's file exporter
 * writes them (with `accept: 'any'`, Jaeger documents too). Memory is bounded by the longest line.
 * The first bad line ends the read with an InputError naming the line (and the column, for syntax
 * errors): a half-read file would give a silently wrong analysis.
 */
export function readLines(
  chunks: AsyncIterable<Buffer>,
  file: string,
  accept: 'otlp' | 'any',
  startOffset: () => number,
): AsyncGenerator<WireSpan[]> {
  return readConvertedLines(chunks, file, accept, startOffset, lineToWire);
}

/** Puts the spans of one parsed line into `out`; throws a ShapeError for a wrong shape. */
export type LineConverter<T> = (doc: unknown, source: SpanSource, accept: 'otlp' | 'any', out: T[]) => void;

/**
 * Reads the spans of one line straight from its bytes (`buf[start…end)`; `buf[end]` is the newline
 * after it, also for the last line) into `out`, or returns false, having added nothing, to have the
 * line parsed and converted instead.
 */
export type LineScanner<T> = (buf: Buffer, start: number, end: number, out: T[]) => boolean;

/**
 * {@link readLines} with each parsed line given to `convert` (the analysis fast path's own shape);
 * with `scan`, each line is offered to it first and parsed only when it declines.
 */
export async function* readConvertedLines<T>(
  chunks: AsyncIterable<Buffer>,
  file: string,
  accept: 'otlp' | 'any',
  startOffset: () => number,
  convert: LineConverter<T>,
  scan?: LineScanner<T>,
): AsyncGenerator<T[]> {
  let carry: Buffer[] = [];
  let lineNumber = 0;
  let lineOffset = -1; // of the current line in the decompressed input
  let out: T[] = [];
  /** One line, `buf[s…e)` with its newline at `buf[e]`: scanned, or parsed when the scanner declines. */
  const read = (buf: Buffer, s: number, e: number, line: number): void => {
    try {
      if (!scan?.(buf, s, e, out))
        parseLine(buf.toString('utf8', s, e), file, line, lineOffset, accept, convert, out);
    } catch (error) {
      if (!isEngineLimitError(error)) throw error;
      throw new InputError({ file, line, offset: lineOffset, problem: `cannot be read: ${error.message}` });
    }
  };
  /** The error for a line longer than a record may be, before any of it becomes a string. */
  const tooLong = (): InputError =>
    new InputError({
      file,
      line: lineNumber + 1,
      offset: lineOffset,
      problem: `the line is longer than ${mebibytes(MAX_RECORD_BYTES)}, the limit of one record (a single-line document too large for JSON Lines? read it with --format otlp-json)`,
    });
  let carryBytes = 0;
  for await (const chunk of chunks) {
    let start = 0;
    if (lineOffset < 0) lineOffset = startOffset();
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline === -1) break;
      if (carryBytes + newline - start > MAX_RECORD_BYTES) throw tooLong();
      lineNumber++;
      let lineBytes = newline - start;
      if (carry.length > 0) {
        carry.push(chunk.subarray(start, newline + 1)); // with its newline, which the scanner wants
        const bytes = Buffer.concat(carry);
        lineBytes = bytes.length - 1;
        carry = [];
        carryBytes = 0;
        read(bytes, 0, lineBytes, lineNumber);
      } else {
        read(chunk, start, newline, lineNumber);
      }
      lineOffset += lineBytes + 1;
      start = newline + 1;
    }
    // A copy: the chunk's buffer may be used again for the next chunk.
    if (start < chunk.length) {
      carryBytes += chunk.length - start;
      if (carryBytes > MAX_RECORD_BYTES) throw tooLong();
      carry.push(Buffer.from(chunk.subarray(start)));
    }
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  if (carry.length > 0) {
    const bytes = Buffer.concat([...carry, NEWLINE]);
    read(bytes, 0, bytes.length - 1, lineNumber + 1);
    if (out.length > 0) yield out;
  }
}

function parseLine<T>(
  text: string,
  file: string,
  line: number,
  offset: number,
  accept: 'otlp' | 'any',
  convert: LineConverter<T>,
  out: T[],
): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    if (BLANK.test(text)) return;
    const bytes = Buffer.from(text, 'utf8');
    const found = findJsonSyntaxError(bytes);
    if (!found)
      throw new InputError({ file, line, problem: error instanceof Error ? error.message : String(error) });
    const position = positionIn(bytes, found.index, line, 1);
    throw new InputError({
      file,
      line,
      column: position.column,
      offset: offset + found.index,
      problem: found.problem,
    });
  }
  const before = out.length;
  try {
    convert(doc, { file, line }, accept, out);
  } catch (error) {
    if (!(error instanceof ImpreciseNumberError)) throw positioned(error, text, file, line, offset, accept);
    // An integer beyond 2^53 written as a JSON number: parse again keeping such literals exact.
    out.length = before;
    try {
      convert(JSON.parse(quoteBigIntegers(text)), { file, line }, accept, out);
    } catch (again) {
      throw positioned(again, text, file, line, offset, accept);
    }
  }
}

/** The WireSpans of one parsed line (an OTLP request, or with `any` a Jaeger document). */
export function lineToWire(doc: unknown, source: SpanSource, accept: 'otlp' | 'any', out: WireSpan[]): void {
  if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
    if (resourceSpansOf(doc as JsonObject) !== undefined) {
      otlpRequestToWire(doc, source, out);
      return;
    }
    if (accept === 'any' && 'data' in doc) {
      jaegerDocumentToWire(doc, source, out);
      return;
    }
  }
  throw new ShapeError(
    `expected an ExportTraceServiceRequest object with resourceSpans${accept === 'any' ? ' (or a Jaeger { data } object)' : ''}`,
  );
}

function positioned(
  error: unknown,
  text: string,
  file: string,
  line: number,
  offset: number,
  accept: 'otlp' | 'any',
): unknown {
  if (!(error instanceof ShapeError)) return error;
  return (
    locateShapeError(text, file, accept, line, offset) ??
    new InputError({ file, line, problem: error.message })
  );
}
