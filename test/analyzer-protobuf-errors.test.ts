// Issue 12: bad OTLP protobuf is refused (a request) or skipped (a file-exporter record) with the file,
// the byte offset and what was wrong; the record size limit holds. Fixtures: test/fixtures/formats.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { analyze, InputError, readSpans, type SkippedRecord, type WireSpan } from '@wirescope/analyzer';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REQUEST = readFileSync(`${ROOT}test/fixtures/formats/wirescope-connection-churn.otlp.pb`);
const FRAMED = readFileSync(`${ROOT}test/fixtures/formats/wirescope-connection-churn.file-exporter.pb`);

async function read(bytes: Buffer, options: { strict?: boolean; format?: 'otlp-protobuf' } = {}) {
  const skipped: SkippedRecord[] = [];
  const spans: WireSpan[] = [];
  const iterator = readSpans(
    { stream: Readable.from([bytes]), name: 'traces.pb' },
    { ...options, skipHook: (record) => skipped.push(record) },
  );
  for await (const span of iterator) spans.push(span);
  return { spans, skipped };
}

async function failure(bytes: Buffer, options: { strict?: boolean; format?: 'otlp-protobuf' } = {}) {
  const error = await read(bytes, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

/** Offsets of the file exporter's records (each after its 4-byte length). */
function frames(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let at = 0; at < bytes.length; at += 4 + bytes.readUInt32BE(at)) out.push(at);
  return out;
}

describe('an ExportTraceServiceRequest', () => {
  it('truncated: refused with the file, the offset of the cut record and how much of it came', async () => {
    const error = await failure(REQUEST.subarray(0, REQUEST.length - 10));
    expect(error.offset).toBe(0);
    expect(error.message).toMatch(
      /^traces\.pb, offset 0: truncated: the input ends after \d+ of the \d+ bytes of resourceSpans\[0\]$/,
    );
  });

  it('garbled: refused with the offset of the record and the decoder`s own words', async () => {
    const bytes = Buffer.from(REQUEST);
    // The first tag of resourceSpans[0], after the request's tag and 2-byte length, becomes field 15
    // of wire type 7 (there is none).
    expect(bytes[0]).toBe(0x0a);
    bytes[3] = 0x7f;
    const error = await failure(bytes);
    expect(error.message).toMatch(
      /^traces\.pb, offset 0: resourceSpans\[0\] \(ResourceSpans\) is not valid OTLP protobuf: invalid wire type 7 at offset \d+/,
    );
  });

  it('a resourceSpans over the record limit: refused before it is held', async () => {
    // Tag, then the varint of 65 MiB.
    const bytes = Buffer.from([0x0a, 0x80, 0x80, 0x80, 0x21, 0x0a, 0x00]);
    const error = await failure(bytes);
    expect(error.message).toBe(
      'traces.pb, offset 0: resourceSpans[0] of 69206016 bytes is larger than 64 MiB, the limit of one record',
    );
  });

  it('a bad span id: that span is skipped with the record`s offset, the rest read; strict refuses', async () => {
    const good = await read(REQUEST);
    const spanId = Buffer.from(good.spans[1]!.spanId, 'hex');
    const at = REQUEST.indexOf(Buffer.concat([Buffer.from([0x12, 0x08]), spanId]));
    const patched = Buffer.from(REQUEST);
    patched[at] = 0x1a; // span_id (field 2) becomes trace_state (field 3): the span has no id
    const lenient = await read(patched);
    expect(lenient.spans.length).toBe(good.spans.length - 1);
    expect(lenient.skipped).toEqual([
      expect.objectContaining({
        reason: 'bad-record',
        offset: 0,
        problem: expect.stringMatching(/spanId is missing/),
      }),
    ]);
    const error = await failure(patched, { strict: true });
    expect(error.message).toMatch(
      /^traces\.pb, offset 0: scopeSpans\[\d+\]\.spans\[\d+\]: spanId is missing/,
    );
  });

  it('JSON opening with a newline is still JSON', async () => {
    const json = Buffer.from(`\n{\n"resourceSpans":[]}\n`);
    expect((await read(json)).spans).toEqual([]);
  });
});

describe('the collector file exporter`s format: proto', () => {
  it('a garbled record is skipped with its offset, the others read; strict refuses', async () => {
    const good = await read(FRAMED);
    const at = frames(FRAMED)[1]!;
    const bytes = Buffer.from(FRAMED);
    bytes[at + 4] = 0x7f; // the record's first tag: field 15 of wire type 7 (there is none)
    const lenient = await read(bytes);
    expect(lenient.spans.length).toBe(good.spans.length - 7);
    expect(lenient.skipped).toEqual([
      expect.objectContaining({
        reason: 'bad-record',
        offset: at + 4,
        problem: expect.stringMatching(
          /^record 2 \(TracesData\) is not valid OTLP protobuf: invalid wire type 7/,
        ),
      }),
    ]);
    const error = await failure(bytes, { strict: true });
    expect(error.offset).toBe(at + 4);
  });

  it('a truncated last record is skipped with its offset; strict refuses', async () => {
    const last = frames(FRAMED).at(-1)!;
    const bytes = FRAMED.subarray(0, FRAMED.length - 3);
    const lenient = await read(bytes);
    expect(lenient.skipped).toEqual([
      expect.objectContaining({
        offset: last,
        problem: expect.stringMatching(/^truncated record \d+: the input ends after \d+ of its \d+ bytes$/),
      }),
    ]);
    const analysis = await analyze(readSpans({ stream: Readable.from([bytes]), name: 'traces.pb' }));
    expect(analysis.stats.skipped).toEqual({ badRecords: 1, notTraces: 0 });
    const error = await failure(bytes, { strict: true });
    expect(error.message).toMatch(new RegExp(`^traces\\.pb, offset ${last}: truncated record`));
  });

  it('a record length over the limit ends the read: the framing cannot be trusted past it', async () => {
    const bytes = Buffer.concat([Buffer.from([0x05, 0, 0, 0, 0x0a]), Buffer.alloc(16)]);
    const error = await failure(bytes, { format: 'otlp-protobuf' });
    expect(error.message).toBe(
      'traces.pb, offset 0: record 1 of 83886080 bytes is larger than 64 MiB, the limit of one record',
    );
  });
});

/** A protobuf varint. */
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}

/** Field `tag` (length-delimited) holding `body`. */
const field = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), varint(body.length), body]);

/** A request of one span whose one attribute is an array nested `depth` levels. */
function deepRequest(depth: number): Buffer {
  // arrayValue { values: [value] } around an empty AnyValue, `depth` times: the heads from the inside out.
  const heads: Buffer[] = [];
  let size = 0;
  for (let i = 0; i < depth; i++) {
    const inner = Buffer.concat([Buffer.from([0x0a]), varint(size)]);
    const outer = Buffer.concat([Buffer.from([0x2a]), varint(inner.length + size)]);
    heads.push(Buffer.concat([outer, inner]));
    size += outer.length + inner.length;
  }
  const value = Buffer.concat(heads.reverse());
  const fixed64 = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return b;
  };
  const span = Buffer.concat([
    field(0x0a, Buffer.alloc(16, 1)),
    field(0x12, Buffer.alloc(8, 2)),
    field(0x2a, Buffer.from('deep')),
    Buffer.from([0x39]),
    fixed64(1_000_000_000n),
    Buffer.from([0x41]),
    fixed64(2_000_000_000n),
    field(0x4a, Buffer.concat([field(0x0a, Buffer.from('k')), field(0x12, value)])),
  ]);
  return field(0x0a, field(0x12, field(0x12, span)));
}

describe('nesting', () => {
  it('an array value nested 40 levels is read, as its JSON text', async () => {
    const { spans, skipped } = await read(deepRequest(40));
    expect(skipped).toEqual([]);
    expect(spans[0]!.attributes.k).toBe(`${'['.repeat(40)}${']'.repeat(40)}`);
  });

  it('past the decoder`s limit of 100 nested messages: refused with the record`s offset, never the stack', async () => {
    for (const depth of [60, 100_000]) {
      const error = await failure(deepRequest(depth));
      expect(error.message).toBe(
        "traces.pb, offset 0: resourceSpans[0] (ResourceSpans) nests messages deeper than 100 levels, the decoder's limit",
      );
    }
  });
});
