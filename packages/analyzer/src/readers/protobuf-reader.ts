import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import type protobuf from 'protobufjs/light.js';
import { InputError } from '../input-error.js';
import { recordOfWire, type SpanRecord } from '../span-record/record.js';
import type { Attributes, SpanSource, WireSpan } from '../types.js';
import { isEngineLimitError, MAX_RECORD_BYTES, mebibytes } from './input-limits.js';
import { type JsonObject, ShapeError } from './internal-types.js';
import type { RecordPool } from './otlp-lines/record-pool.js';
import { isObject, list, otlpResource, otlpSpanToWire, scopeSpansOf } from './otlp-normalize.js';
import { OTLP_TRACE_DESCRIPTOR } from './otlp-proto-schema.js';
import { protobufRecords, type ResourceSpansMessage } from './protobuf-records.js';
import type { SkipRecord } from './skipped.js';

/**
 * How OTLP protobuf is laid out in a file: `request`, one `ExportTraceServiceRequest` (what the
 * OTLP/HTTP protobuf exporter sends; the same bytes as a `TracesData`); `framed`, the collector file
 * exporter's `format: proto`, each `TracesData` preceded by its length as a 4-byte big-endian unsigned
 * integer (contrib `exporter/fileexporter/file_writer.go`, `exportMessageAsBuffer`).
 */
export type ProtobufFraming = 'request' | 'framed';

interface Decoder {
  protobuf: typeof protobuf;
  tracesData: protobuf.Type;
  resourceSpans: protobuf.Type;
  resource: protobuf.Type;
}
let decoder: Decoder | undefined;

/**
 * protobufjs and the OTLP message types, loaded on the first protobuf input: a run on JSON never loads
 * them (some 9 MB of memory and 60 ms at start).
 */
function otlpDecoder(): Decoder {
  if (!decoder) {
    const pb = createRequire(import.meta.url)('protobufjs/light.js') as typeof protobuf;
    const root = pb.Root.fromJSON(OTLP_TRACE_DESCRIPTOR as unknown as protobuf.INamespace);
    decoder = {
      protobuf: pb,
      tracesData: root.lookupType('TracesData'),
      resourceSpans: root.lookupType('ResourceSpans'),
      resource: root.lookupType('Resource'),
    };
  }
  return decoder;
}
/** The decoded message as the OTLP/JSON normalizer reads it: camelCase keys, ids base64, int64 as text. */
const AS_JSON: protobuf.IConversionOptions = { longs: String, bytes: String, defaults: false };

/** Tag of `resource_spans` (field 1, length-delimited), the one field of a request. */
const RESOURCE_SPANS_TAG = 0x0a;

/**
 * The protobuf framing of an input from its first bytes (after gzip), or `undefined` when they are not
 * protobuf. JSON never starts with a 0x00–0x03 byte (a framed record's length up to 64 MiB), but may
 * start with 0x0a (a newline): a request is told from it by its bytes not being UTF-8 text that opens
 * with `{` or `[` (a trace id or a fixed64 time is not UTF-8 in all but a few billionths of traces).
 */
export function protobufFraming(head: Uint8Array): ProtobufFraming | undefined {
  if (head.length === 0) return undefined;
  if (head[0] === RESOURCE_SPANS_TAG) return looksLikeJson(head) ? undefined : 'request';
  if (head.length >= 5 && head[0]! <= 3 && head[4] === RESOURCE_SPANS_TAG) {
    const length = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
    return length > 0 && length <= MAX_RECORD_BYTES ? 'framed' : undefined;
  }
  return undefined;
}

function looksLikeJson(head: Uint8Array): boolean {
  let i = 0;
  while (i < head.length && (head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x20 || head[i] === 0x09))
    i++;
  if (i === head.length) return true; // blank: the JSON readers say it is empty
  if (head[i] !== 0x7b && head[i] !== 0x5b) return false;
  // Allow a multi-byte character cut at the end of the head.
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  for (let cut = 0; cut <= 3 && cut < text.length; cut++) {
    if (isUtf8(text.subarray(0, text.length - cut))) return true;
  }
  return false;
}

/** Bytes pulled from a chunk stream on demand, with the input offset of the first one held. */
class ByteQueue {
  private buf: Buffer = Buffer.alloc(0);
  /** Input offset of `bytes[0]`. */
  offset = 0;
  private ended = false;

  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  get bytes(): Buffer {
    return this.buf;
  }

  /** Pulls until `n` bytes are held or the input ends; true when they are. */
  async fill(n: number): Promise<boolean> {
    if (this.buf.length >= n) return true;
    const parts: Buffer[] = [this.buf];
    let total = this.buf.length;
    while (total < n && !this.ended) {
      const next = await this.chunks.next();
      if (next.done) this.ended = true;
      else {
        parts.push(Buffer.from(next.value)); // a copy: the chunk's buffer is used again
        total += next.value.length;
      }
    }
    this.buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
    return total >= n;
  }

  /** Drops the first `n` bytes. */
  consume(n: number): void {
    this.buf = this.buf.subarray(n);
    this.offset += n;
  }
}

/**
 * Reads OTLP protobuf (`framing` from {@link protobufFraming}) into spans, a batch per record, decoded
 * with protobufjs from the OTLP protos (see `otlp-proto-schema.ts`) and normalized as OTLP/JSON is, so
 * the analysis is the same as of the JSON form. Memory is bounded by one record: a `TracesData` of the
 * file exporter, or one `ResourceSpans` of a request, at most MAX_RECORD_BYTES.
 *
 * Bad input: an InputError with the file and the byte offset of the record (and the decoder's offset
 * inside it). protobufjs decodes messages nested at most 100 deep (protoc's default): an attribute
 * value nested past about 45 `arrayValue`/`kvlistValue` levels makes its record undecodable, where the
 * JSON readers take 256 (exporters write one or two). Where the format has record boundaries, the lenient reading skips: a bad span, a framed
 * record that does not decode, a truncated last framed record. A request has no boundaries beyond its
 * own bytes, so an undecodable or truncated one ends the read.
 */
export async function* readProtobuf<T>(
  chunks: AsyncIterable<Buffer>,
  file: string,
  framing: ProtobufFraming,
  skip: SkipRecord | undefined,
  convert: ProtobufConverter<T>,
): AsyncGenerator<T[]> {
  const iterator = chunks[Symbol.asyncIterator]();
  const queue = new ByteQueue(iterator);
  try {
    if (framing === 'framed') yield* readFramed(queue, file, skip, convert);
    else yield* readRequest(queue, file, skip, convert);
  } finally {
    await iterator.return?.();
  }
}

async function* readFramed<T>(
  queue: ByteQueue,
  file: string,
  skip: SkipRecord | undefined,
  convert: ProtobufConverter<T>,
): AsyncGenerator<T[]> {
  for (let index = 0; ; index++) {
    const start = queue.offset;
    if (!(await queue.fill(4))) {
      if (queue.bytes.length === 0) return;
      report(skip, bad(file, start, `the input ends inside the 4-byte length of record ${index + 1}`));
      return;
    }
    const length = queue.bytes.readUInt32BE(0);
    if (length > MAX_RECORD_BYTES) throw tooLarge(file, start, `record ${index + 1}`, length);
    if (!(await queue.fill(4 + length))) {
      const held = queue.bytes.length - 4;
      report(
        skip,
        bad(
          file,
          start,
          `truncated record ${index + 1}: the input ends after ${held} of its ${length} bytes`,
        ),
      );
      return;
    }
    const body = queue.bytes.subarray(4, 4 + length);
    queue.consume(4 + length);
    let decoded: { resourceSpans: protobuf.Message[] };
    try {
      decoded = otlpDecoder().tracesData.decode(body) as unknown as { resourceSpans: protobuf.Message[] };
    } catch (error) {
      report(skip, undecodable(file, start + 4, `record ${index + 1} (TracesData)`, error));
      continue;
    }
    const out: T[] = [];
    for (const rs of decoded.resourceSpans) convert(rs, file, start, skip, out);
    yield out;
  }
}

async function* readRequest<T>(
  queue: ByteQueue,
  file: string,
  skip: SkipRecord | undefined,
  convert: ProtobufConverter<T>,
): AsyncGenerator<T[]> {
  for (let index = 0; ; index++) {
    const start = queue.offset;
    // A tag and a length are two varints of at most 10 bytes each.
    await queue.fill(20);
    if (queue.bytes.length === 0) return;
    const header = otlpDecoder().protobuf.Reader.create(queue.bytes.subarray(0, 20));
    let tag: number;
    let length: number;
    try {
      tag = header.uint32();
      if (tag !== RESOURCE_SPANS_TAG) {
        // An unknown field of the request: skipped, as protobuf decoders do.
        const wireType = tag & 7;
        if (tag >>> 3 === 0 || wireType === 3 || wireType === 4 || wireType > 5)
          throw new ShapeError(`invalid field tag 0x${tag.toString(16)}`);
        if (wireType !== 2) {
          header.skipType(wireType);
          queue.consume(header.pos);
          continue;
        }
      }
      length = header.uint32();
    } catch (error) {
      if (queue.bytes.length < 20)
        throw bad(
          file,
          start,
          `truncated: the input ends inside the tag or length of resourceSpans[${index}]`,
        );
      throw undecodable(file, start, 'the request', error);
    }
    const what = tag === RESOURCE_SPANS_TAG ? `resourceSpans[${index}]` : `field ${tag >>> 3}`;
    if (length > MAX_RECORD_BYTES) throw tooLarge(file, start, what, length);
    if (!(await queue.fill(header.pos + length))) {
      const held = queue.bytes.length - header.pos;
      throw bad(file, start, `truncated: the input ends after ${held} of the ${length} bytes of ${what}`);
    }
    const body = queue.bytes.subarray(header.pos, header.pos + length);
    queue.consume(header.pos + length);
    if (tag !== RESOURCE_SPANS_TAG) continue;
    let decoded: protobuf.Message;
    try {
      decoded = otlpDecoder().resourceSpans.decode(body);
    } catch (error) {
      throw undecodable(file, start, `${what} (ResourceSpans)`, error);
    }
    const out: T[] = [];
    convert(decoded, file, start, skip, out);
    yield out;
  }
}

/**
 * What becomes of each decoded `ResourceSpans` message (at input `offset`): its spans added to `out`,
 * bad ones given to `skip`.
 */
export type ProtobufConverter<T> = (
  rs: protobuf.Message,
  file: string,
  offset: number,
  skip: SkipRecord | undefined,
  out: T[],
) => void;

/** The spans of a `ResourceSpans` message as WireSpans, through the OTLP/JSON normalizer. */
export const protobufToWire: ProtobufConverter<WireSpan> = (rs, file, offset, skip, out) => {
  const json = otlpDecoder().resourceSpans.toObject(rs, AS_JSON) as JsonObject;
  const resource = resourceOf(json.resource, file, offset, skip);
  if (resource !== undefined) toWire(json, resource, file, offset, skip, out);
};

/**
 * The spans of a `ResourceSpans` message as span records: straight from the message when
 * {@link protobufRecords} can, else the full way (its WireSpans made records).
 */
export function protobufToRecords(records: RecordPool): ProtobufConverter<SpanRecord> {
  return (rs, file, offset, skip, out) => {
    const message = rs as unknown as ResourceSpansMessage & { resource?: protobuf.Message | null };
    const resourceJson = message.resource
      ? otlpDecoder().resource.toObject(message.resource, AS_JSON)
      : undefined;
    const resource = resourceOf(resourceJson, file, offset, skip);
    if (resource === undefined) return;
    if (protobufRecords(message, resource, out, records)) return;
    const wire: WireSpan[] = [];
    toWire(
      otlpDecoder().resourceSpans.toObject(rs, AS_JSON) as JsonObject,
      resource,
      file,
      offset,
      skip,
      wire,
    );
    for (const span of wire) out.push(recordOfWire(span));
  };
}

/** The resource's attributes, or undefined (reported) when they are malformed. */
function resourceOf(
  value: unknown,
  file: string,
  offset: number,
  skip: SkipRecord | undefined,
): Attributes | undefined {
  try {
    return otlpResource(value);
  } catch (error) {
    report(skip, shapeError(file, offset, 'resource', error));
    return undefined;
  }
}

/** The spans of one `ResourceSpans` (as OTLP/JSON), through the normalizer; bad spans go to `skip`. */
function toWire(
  rs: JsonObject,
  resource: Attributes,
  file: string,
  offset: number,
  skip: SkipRecord | undefined,
  out: WireSpan[],
): void {
  const source: SpanSource = { file };
  const scopes = list(scopeSpansOf(rs), 'scopeSpans');
  for (let s = 0; s < scopes.length; s++) {
    const scope = scopes[s] as JsonObject;
    const named = isObject(scope.scope) ? scope.scope.name : undefined;
    const name = typeof named === 'string' && named !== '' ? named : undefined;
    const spans = list(scope.spans, 'spans');
    for (let i = 0; i < spans.length; i++) {
      try {
        out.push(otlpSpanToWire(spans[i], resource, source, name));
      } catch (error) {
        report(skip, shapeError(file, offset, `scopeSpans[${s}].spans[${i}]`, error));
      }
    }
  }
}

function report(skip: SkipRecord | undefined, error: InputError): void {
  if (!skip) throw error;
  skip(error);
}

function bad(file: string, offset: number, problem: string): InputError {
  return new InputError({ file, offset, problem });
}

function tooLarge(file: string, offset: number, what: string, length: number): InputError {
  return bad(
    file,
    offset,
    `${what} of ${length} bytes is larger than ${mebibytes(MAX_RECORD_BYTES)}, the limit of one record`,
  );
}

/** A decoder failure in the record at `offset`: protobufjs says where inside it. */
function undecodable(file: string, offset: number, what: string, error: unknown): InputError {
  const message = error instanceof Error ? error.message : String(error);
  if (message === 'maximum nesting depth exceeded') {
    // protobufjs refuses messages nested deeper than protoc's default limit, before any stack trouble.
    return bad(
      file,
      offset,
      `${what} nests messages deeper than ${otlpDecoder().protobuf.Reader.recursionLimit} levels, the decoder's limit`,
    );
  }
  // protobufjs reports truncation as a RangeError too ("index out of range"); only the stack's is a limit.
  if (isEngineLimitError(error) && !/index out of range/.test(message))
    return bad(file, offset, `${what} is not valid OTLP protobuf: nested too deeply (${message})`);
  return bad(
    file,
    offset,
    `${what} is not valid OTLP protobuf: ${message} (offsets from the record's first byte)`,
  );
}

function shapeError(file: string, offset: number, path: string, error: unknown): InputError {
  if (!(error instanceof ShapeError)) throw error;
  return bad(file, offset, `${path}: ${error.message}`);
}
