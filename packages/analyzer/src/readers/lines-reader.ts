import { InputError } from '../input-error.js';
import type { SpanSource, WireSpan } from '../types.js';
import { locateShapeError } from './document-reader.js';
import { isEngineLimitError, MAX_RECORD_BYTES, mebibytes } from './input-limits.js';
import { ImpreciseNumberError, type JsonObject, ShapeError } from './internal-types.js';
import { jaegerDocumentToWire, jaegerTraceToWire } from './jaeger-normalize.js';
import { findJsonSyntaxError, positionIn, quoteBigIntegers } from './json-syntax.js';
import { otlpRequestToWire, resourceSpansOf } from './otlp-normalize.js';
import type { SkipRecord } from './skipped.js';
import { zipkinSpansToWire } from './zipkin-normalize.js';

const BLANK = /^\s*$/;
const NEWLINE = Buffer.from([0x0a]);

/**
 * Spans of JSON Lines, a batch per chunk: one `ExportTraceServiceRequest` per line, as the collector's file exporter
 * writes them (with `accept: 'any'`, the other formats' documents too). Memory is bounded by the longest line.
 * The first bad line ends the read with an InputError naming the line (and the column, for syntax
 * errors); with `skip` (the lenient reading) it is handed to `skip` instead and the next line read.
 */
export function readLines(
  chunks: AsyncIterable<Buffer>,
  file: string,
  accept: 'otlp' | 'any',
  startOffset: () => number,
  skip?: SkipRecord,
): AsyncGenerator<WireSpan[]> {
  return readConvertedLines(chunks, file, accept, startOffset, lineToWire, undefined, skip);
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
 * with `scan`, each line is offered to it first and parsed only when it declines. A line that fails
 * adds nothing to the batch: with `skip` it is skipped whole, as the collector drops a request it
 * cannot unmarshal.
 */
export async function* readConvertedLines<T>(
  chunks: AsyncIterable<Buffer>,
  file: string,
  accept: 'otlp' | 'any',
  startOffset: () => number,
  convert: LineConverter<T>,
  scan?: LineScanner<T>,
  skip?: SkipRecord,
): AsyncGenerator<T[]> {
  let carry: Buffer[] = [];
  let lineNumber = 0;
  let lineOffset = -1; // of the current line in the decompressed input
  let out: T[] = [];
  /** One line, `buf[s…e)` with its newline at `buf[e]`: scanned, or parsed when the scanner declines. */
  const read = (buf: Buffer, s: number, e: number, line: number): void => {
    const before = out.length;
    try {
      if (!scan?.(buf, s, e, out))
        parseLine(buf.toString('utf8', s, e), file, line, lineOffset, accept, convert, out);
    } catch (error) {
      const problem = isEngineLimitError(error)
        ? new InputError({ file, line, offset: lineOffset, problem: `cannot be read: ${error.message}` })
        : error;
      if (!skip || !(problem instanceof InputError)) throw problem;
      out.length = before;
      skip(problem);
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

/**
 * The WireSpans of one parsed line: an OTLP request (also in Tempo's `batches` or a `result`/`trace`
 * wrapper), or with `any` a Jaeger document or trace, or a Zipkin list of spans.
 */
export function lineToWire(doc: unknown, source: SpanSource, accept: 'otlp' | 'any', out: WireSpan[]): void {
  if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
    const request = otlpRequestOf(doc as JsonObject);
    if (request !== undefined) {
      otlpRequestToWire(request, source, out);
      return;
    }
    if (accept === 'any' && 'data' in doc) {
      jaegerDocumentToWire(doc, source, out);
      return;
    }
    if (accept === 'any' && 'spans' in doc) {
      jaegerTraceToWire(doc, source, out);
      return;
    }
  } else if (accept === 'any' && Array.isArray(doc)) {
    zipkinSpansToWire(doc, source, out);
    return;
  }
  // The scanner, run again on the line, gives the positioned error (the keys found, or another signal).
  throw new ShapeError(
    `expected an ExportTraceServiceRequest object with resourceSpans${accept === 'any' ? ' (or a Jaeger or Zipkin document)' : ''}`,
  );
}

/** The OTLP request of a line: itself, Tempo's `{ batches }`, or inside `{ result }` / `{ trace }`. */
function otlpRequestOf(doc: JsonObject): JsonObject | undefined {
  if (resourceSpansOf(doc) !== undefined) return doc;
  if (doc.batches !== undefined) return { resourceSpans: doc.batches };
  for (const key of ['result', 'trace']) {
    const inner = doc[key];
    if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) {
      if (resourceSpansOf(inner as JsonObject) !== undefined) return inner as JsonObject;
    }
  }
  return undefined;
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
