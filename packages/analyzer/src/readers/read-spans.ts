import { recordOfWire, type SpanRecord } from '../span-record/record.js';
import type { SpanSource, WireSpan } from '../types.js';
import { type DocumentOutput, readDocument, WIRE_OUTPUT } from './document-reader.js';
import type { DocumentKind } from './json-scanner.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { type LineConverter, type LineScanner, lineToWire, readConvertedLines } from './lines-reader.js';
import { openInput } from './open-input.js';
import { RecordPool } from './otlp-lines/record-pool.js';
import { scanOtlpLine, scanOtlpSpan } from './otlp-lines/scan-line.js';
import {
  type ProtobufConverter,
  type ProtobufFraming,
  protobufFraming,
  protobufToRecords,
  protobufToWire,
  readProtobuf,
} from './protobuf-reader.js';
import { type SkipRecord, skippedRecordOf } from './skipped.js';
import type { ReadSpansInput, ReadSpansOptions, SkippedRecord, TraceFormat } from './types.js';
import { guardUtf8 } from './utf8-guard.js';

/** How much of the input auto-detection may hold while it looks for the end of the first line. */
const DETECT_LIMIT_BYTES = 4 << 20;

/**
 * Reads spans from OTLP protobuf (one `ExportTraceServiceRequest`, or the collector file exporter's
 * `format: proto`: see `protobuf-reader.ts`), OTLP JSON (also in the wrappers of Grafana Tempo's API, `{ batches }` and
 * `{ trace }`, and of Jaeger v2's api_v3, `{ result }`), OTLP JSON Lines, Jaeger JSON (`{ data: [...] }`,
 * `{ data: {...} }` or one trace object) or Zipkin v2 JSON (a list of spans), gzipped or not,
 * streaming: memory stays bounded by the largest record (a JSON Lines line, a span, or one resource's
 * pending spans), never by the file.
 *
 * Auto-detection, by content, never by file name: protobuf by its first bytes (see `protobufFraming`);
 * otherwise, when the first line is a complete JSON value on its
 * own, the input is read as JSON Lines (each line a document of any of the formats); otherwise as
 * whole JSON documents, the format told by the top-level key (or `[` for Zipkin). A one-line document
 * is valid as both and reads the same either way.
 *
 * Lenient by default, as the collector is: a metrics, logs or profiles record (a line or document
 * with `resourceMetrics`, `resourceLogs`, `resourceProfiles`) is skipped and counted, and a bad record
 * (a JSON Lines line that is not JSON or holds a bad span, id, time or kind, a truncated last line, a
 * bad span of a whole document) is skipped; each goes to `skipHook` (`analyze()` of this iterator
 * reports them in `stats.skipped` and `warnings`). With `strict`, the first such record ends the read
 * with its InputError.
 *
 * Bad input that cannot be skipped ends the iteration with an {@link InputError} (never a bare stack):
 * `WIRESCOPE_NO_FILE` for a missing file or a directory; `WIRESCOPE_BAD_INPUT` with the position for
 * invalid UTF-8 (byte offset), syntax errors and truncation of a whole document (line and column,
 * "unexpected end of input"), wrong shapes such as `resourceSpans` not an array (line and column of
 * the value), a top-level object of no known format (where it opens, naming its keys and the formats
 * accepted), and a corrupt gzip stream; strict readings also for the records above
 * (`WIRESCOPE_NOT_TRACES` for another signal). Columns count bytes from 1.
 *
 * Limits against hostile files (see `input-limits.ts`): a record (a JSON Lines line; a span, resource
 * or other value of a document) of more than 64 MiB, and an attribute value nested more than 256
 * `arrayValue`/`kvlistValue` levels, end the read with an InputError at the record. Array and map
 * values that are not a flat list of one scalar type become their JSON text, cut at 16 KiB. The file
 * is closed on every path: the end, bad input, or a `break` out of the loop.
 *
 * Tolerated as the collector tolerates them: a BOM, blank lines, `null` for lists, empty attribute
 * values (dropped), unknown keys (syntax-checked, ignored), links (ignored), an all-zero or empty
 * parent id (a root), a resource or `processes` written after the spans. Missing parents and duplicate
 * span ids are passed through untouched: the analysis reports them as warnings.
 */
export function readSpans(
  input: ReadSpansInput,
  options: ReadSpansOptions = {},
): AsyncIterableIterator<WireSpan> {
  return new SpanIterator(input, options);
}

/**
 * The analysis fast path: when `spans` is a `readSpans` iterator nobody has pulled from yet, its spans
 * as batches of {@link SpanRecord}s (OTLP JSON Lines are read from their bytes, see `scanOtlpLine`),
 * and the iterator is used up; otherwise undefined. Records may be reused from one batch to the next.
 */
export function recordBatchesOf(spans: unknown): AsyncGenerator<SpanRecord[]> | undefined {
  return spans instanceof SpanIterator ? spans.takeRecords() : undefined;
}

/**
 * Has `hook` receive the records `spans` skips, when it is a `readSpans` iterator (what `analyze()`
 * reports); false when it is not.
 */
export function watchSkips(spans: unknown, hook: (record: SkippedRecord) => void): boolean {
  if (!(spans instanceof SpanIterator)) return false;
  spans.watchers.push(hook);
  return true;
}

/**
 * Hands out the spans of each batch one by one. Much cheaper per span than nested async generators:
 * the readers work a chunk at a time, and a 1M-span file should not pay a generator resumption per
 * span per level.
 */
class SpanIterator implements AsyncIterableIterator<WireSpan> {
  private batch: WireSpan[] = [];
  private index = 0;
  private started: AsyncGenerator<WireSpan[]> | undefined;
  /** Who hears of skipped records besides the options' `skipHook` (see {@link watchSkips}). */
  readonly watchers: Array<(record: SkippedRecord) => void> = [];
  private readonly skip: SkipRecord | undefined;

  constructor(
    private readonly input: ReadSpansInput,
    private readonly options: ReadSpansOptions,
  ) {
    this.skip = options.strict
      ? undefined
      : (error) => {
          const record = skippedRecordOf(error);
          options.skipHook?.(record);
          for (const watcher of this.watchers) watcher(record);
        };
  }

  private get batches(): AsyncGenerator<WireSpan[]> {
    this.started ??= readBatches(
      this.input,
      this.options.format,
      this.skip,
      lineToWire,
      WIRE_OUTPUT,
      protobufToWire,
    );
    return this.started;
  }

  /** The spans as record batches, when no span was taken yet (then this iterator is done). */
  takeRecords(): AsyncGenerator<SpanRecord[]> | undefined {
    if (this.started) return undefined;
    this.started = (async function* () {})();
    const records = new RecordPool();
    return readBatches(
      this.input,
      this.options.format,
      this.skip,
      lineToRecords,
      documentRecords(new RecordPool()),
      protobufToRecords(records),
      (buf, start, end, out) => scanOtlpLine(buf, start, end, out, records),
    );
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<WireSpan>> {
    if (this.index < this.batch.length)
      return Promise.resolve({ done: false, value: this.batch[this.index++]! });
    return this.refill();
  }

  async return(): Promise<IteratorResult<WireSpan>> {
    this.batch = [];
    await this.started?.return(undefined);
    return { done: true, value: undefined };
  }

  private async refill(): Promise<IteratorResult<WireSpan>> {
    for (;;) {
      const next = await this.batches.next();
      if (next.done) {
        this.batch = [];
        this.index = 0;
        return { done: true, value: undefined };
      }
      if (next.value.length > 0) {
        this.batch = next.value;
        this.index = 1;
        return { done: false, value: next.value[0]! };
      }
    }
  }
}

/** A document's spans as records: OTLP spans scanned from their bytes where they can be, as lines are. */
function documentRecords(pool: RecordPool): DocumentOutput<SpanRecord> {
  return {
    convert: recordOfWire,
    scan: (bytes, resource, scope) => scanOtlpSpan(bytes, pool, resource, scope),
    batchUsed: () => {
      pool.used = 0;
    },
  };
}

/** The records of a line the scanner gave up on, the full way. */
function lineToRecords(doc: unknown, source: SpanSource, accept: 'otlp' | 'any', out: SpanRecord[]): void {
  const wire: WireSpan[] = [];
  lineToWire(doc, source, accept, wire);
  for (const span of wire) out.push(recordOfWire(span));
}

const DOCUMENT_KINDS: Record<string, DocumentKind> = {
  'otlp-json': 'otlp',
  'jaeger-json': 'jaeger',
  'zipkin-json': 'zipkin',
};

async function* readBatches<T>(
  input: ReadSpansInput,
  format: ReadSpansOptions['format'],
  skip: SkipRecord | undefined,
  convert: LineConverter<T>,
  document: DocumentOutput<T>,
  fromProtobuf: ProtobufConverter<T>,
  scan?: LineScanner<T>,
): AsyncGenerator<T[]> {
  const opened = openInput(input);
  const name = opened.name;
  let chunks: AsyncIterable<Buffer> = opened.chunks;
  if (format === undefined || format === 'auto' || format === 'otlp-protobuf') {
    // Protobuf is told by its first bytes, before they are checked as the UTF-8 of the JSON formats.
    const { head, rest } = await peekBytes(opened.chunks, PROTOBUF_DETECT_BYTES);
    const first = head.length === 1 ? head[0]! : Buffer.concat(head);
    let framing: ProtobufFraming | undefined = protobufFraming(first);
    if (format === 'otlp-protobuf') framing ??= first[0] === 0x0a ? 'request' : 'framed';
    chunks = replayed(head, rest);
    if (framing !== undefined) {
      yield* readProtobuf(chunks, name, framing, skip, fromProtobuf);
      return;
    }
  }
  const guarded = guardUtf8(chunks, name);
  const kind = format === undefined || format === 'auto' ? undefined : DOCUMENT_KINDS[format];
  if (format === 'otlp-jsonl') {
    yield* readConvertedLines(guarded.chunks, name, 'otlp', guarded.bomLength, convert, scan, skip);
  } else if (kind !== undefined) {
    yield* readDocument(guarded.chunks, name, kind, guarded.bomLength, document, skip);
  } else {
    const { head, rest } = await peekFirstLine(guarded.chunks);
    const replay = replayed(head, rest);
    if (firstLineIsComplete(head))
      yield* readConvertedLines(replay, name, 'any', guarded.bomLength, convert, scan, skip);
    else yield* readDocument(replay, name, 'any', guarded.bomLength, document, skip);
  }
}

/**
 * The format of an input from its first bytes (after gzip and BOM), or `undefined` when it is none of
 * them. Tempo's and Jaeger api_v3's wrappers of OTLP are `otlp-json`; both protobuf framings
 * `otlp-protobuf`. Reads only what it is given: pass
 * at least the first line for JSON Lines to be told apart.
 */
export function detectFormat(head: Uint8Array | string): TraceFormat | undefined {
  let bytes =
    typeof head === 'string'
      ? Buffer.from(head, 'utf8')
      : Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (protobufFraming(bytes) !== undefined) return 'otlp-protobuf';
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  const text = bytes.toString('utf8', 0, Math.min(bytes.length, 1 << 16));
  if (/^\s*\[/.test(text)) {
    // Zipkin v2: a list of spans, each with traceId and id (or an empty list).
    return /^\s*\[\s*(?:\]|\{[\s\S]*"traceId"\s*:)/.test(text) ? 'zipkin-json' : undefined;
  }
  if (!/^\s*\{/.test(text)) return undefined;
  const key = /"(resourceSpans|resource_spans|batches|result|trace|data|traceID|spans)"\s*:/.exec(text)?.[1];
  if (key === undefined) return undefined;
  if (key === 'data' || key === 'traceID' || key === 'spans') return 'jaeger-json';
  return key === 'resourceSpans' || key === 'resource_spans'
    ? firstLineIsComplete([bytes])
      ? 'otlp-jsonl'
      : 'otlp-json'
    : 'otlp-json';
}

/** How much of the input protobuf detection looks at (UTF-8 text or not). */
const PROTOBUF_DETECT_BYTES = 4096;

/** The first `bytes` of the input (or all of a shorter one), copied, and the rest to replay after. */
async function peekBytes(
  chunks: AsyncIterable<Buffer>,
  bytes: number,
): Promise<{ head: Buffer[]; rest: AsyncIterator<Buffer> }> {
  const rest = chunks[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  while (size < bytes) {
    const next = await rest.next();
    if (next.done) break;
    head.push(Buffer.from(next.value)); // a copy: the chunk's buffer may be used again
    size += next.value.length;
  }
  return { head, rest };
}

async function peekFirstLine(
  chunks: AsyncGenerator<Buffer>,
): Promise<{ head: Buffer[]; rest: AsyncGenerator<Buffer> }> {
  const head: Buffer[] = [];
  let size = 0;
  let sawContent = false;
  while (size < DETECT_LIMIT_BYTES) {
    const next = await chunks.next();
    if (next.done) break;
    const chunk = next.value;
    head.push(Buffer.from(chunk)); // a copy: the chunk's buffer may be used again
    size += chunk.length;
    let from = 0;
    if (!sawContent) {
      from = firstNonWhitespace(chunk);
      if (from === -1) continue;
      sawContent = true;
    }
    if (chunk.indexOf(0x0a, from) !== -1) break;
  }
  return { head, rest: chunks };
}

function firstNonWhitespace(buf: Buffer, from = 0): number {
  for (let i = from; i < buf.length; i++) {
    const b = buf[i];
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return i;
  }
  return -1;
}

function firstLineIsComplete(head: Buffer[]): boolean {
  const all = head.length === 1 ? head[0]! : Buffer.concat(head);
  const start = firstNonWhitespace(all);
  if (start === -1) return false;
  const newline = all.indexOf(0x0a, start);
  return findJsonSyntaxError(all, start, newline === -1 ? all.length : newline) === undefined;
}

async function* replayed(head: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  try {
    yield* head;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // A reader that stops inside `head` (bad input, a `break`) must still close the file behind `rest`.
    await rest.return?.(undefined);
  }
}
