import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs/light.js';
import { describe, expect, it } from 'vitest';
import { K } from '../span-record/keys.js';
import { recordOfWire, type SpanRecord } from '../span-record/record.js';
import { plainRecord } from '../testing/plain-record.js';
import { syntheticResourceSpans } from '../testing/synthetic-otlp.js';
import type { WireSpan } from '../types.js';
import { RecordPool } from './otlp-lines/record-pool.js';
import { otlpResource } from './otlp-normalize.js';
import { OTLP_TRACE_DESCRIPTOR } from './otlp-proto-schema.js';
import { protobufToRecords, protobufToWire } from './protobuf-reader.js';
import { protobufRecords, type ResourceSpansMessage } from './protobuf-records.js';
import { readSpans, recordBatchesOf } from './read-spans.js';

const root = protobuf.Root.fromJSON(OTLP_TRACE_DESCRIPTOR as unknown as protobuf.INamespace);
const RESOURCE_SPANS = root.lookupType('ResourceSpans');
const RESOURCE = root.lookupType('Resource');

type Json = Record<string, unknown>;
const hexBytes = (hex: string): Buffer => Buffer.from(hex, 'hex');

/** A ResourceSpans message as protobufjs decodes it from the wire (encoded first, as a file holds it). */
function decoded(rs: Json): protobuf.Message {
  return RESOURCE_SPANS.decode(RESOURCE_SPANS.encode(RESOURCE_SPANS.fromObject(rs)).finish());
}

const SERVICE = { attributes: [{ key: 'service.name', value: { stringValue: 'orders-api' } }] };

function resourceSpans(spans: Json[], scope = '@wirescope/aws-sdk'): Json {
  return { resource: SERVICE, scopeSpans: [{ scope: { name: scope }, spans }] };
}

function span(overrides: Json = {}): Json {
  return {
    traceId: hexBytes('5b8efff798038103d269b633813fc60c'),
    spanId: hexBytes('eee19b7ec3c1b174'),
    parentSpanId: hexBytes('00f067aa0ba902b7'),
    name: 'S3.PutObject attempt',
    kind: 3,
    startTimeUnixNano: '1760000000123456789',
    endTimeUnixNano: '1760000000223456788',
    attributes: [
      { key: 'wirescope.attempt', value: { intValue: 1 } },
      { key: 'wirescope.connection.reused', value: { boolValue: true } },
      { key: 'server.address', value: { stringValue: 'bucket.s3.us-west-2.amazonaws.com' } },
      { key: 'wirescope.connection.idle_ms', value: { doubleValue: 4.25 } },
    ],
    ...overrides,
  };
}

/** The fast path's records, or false when it gives the message up (then it added nothing). */
function fast(rs: Json): ReturnType<typeof plainRecord>[] | false {
  const out: SpanRecord[] = [];
  const message = decoded(rs) as unknown as ResourceSpansMessage & { resource: protobuf.Message };
  const resource = otlpResource(RESOURCE.toObject(message.resource, { longs: String, bytes: String }));
  const taken = protobufRecords(message, resource, out, new RecordPool());
  if (!taken) expect(out).toHaveLength(0);
  return taken && out.map(plainRecord);
}

/** The records of the full path: the message as OTLP/JSON, normalized to WireSpans, then records. */
function full(rs: Json): ReturnType<typeof plainRecord>[] {
  const wire: WireSpan[] = [];
  protobufToWire(decoded(rs), 'in.pb', 0, undefined, wire);
  return wire.map((s) => plainRecord(recordOfWire(s)));
}

/** What the reader's converter gives (the fast path, or the full path when it gives up). */
function converted(rs: Json, skip?: (error: Error) => void): ReturnType<typeof plainRecord>[] {
  const out: SpanRecord[] = [];
  protobufToRecords(new RecordPool())(decoded(rs), 'in.pb', 0, skip, out);
  return out.map(plainRecord);
}

describe('OTLP protobuf on the analysis fast path (protobufRecords)', () => {
  it('gives the records of the full path for the spans exporters write', () => {
    const batches = [...syntheticResourceSpans(400, 64)] as Array<{
      scopeSpans: Array<{ spans: Json[] }>;
    }>;
    expect(batches.length).toBeGreaterThan(5);
    for (const rs of batches) {
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans) {
          s.traceId = hexBytes(s.traceId as string);
          s.spanId = hexBytes(s.spanId as string);
          if (typeof s.parentSpanId === 'string') s.parentSpanId = hexBytes(s.parentSpanId);
        }
      const records = fast(rs as unknown as Json);
      expect(records).not.toBe(false);
      expect(records).toEqual(full(rs as unknown as Json));
    }
  });

  it('reads ids, kind, scope, status and times exactly', () => {
    const records = fast(resourceSpans([span({ status: { code: 2 } })]));
    expect(records).toEqual(full(resourceSpans([span({ status: { code: 2 } })])));
    const [r] = records as ReturnType<typeof plainRecord>[];
    expect(r).toMatchObject({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: '00f067aa0ba902b7',
      kind: 'client',
      scope: '@wirescope/aws-sdk',
      error: true,
      // 1760000000123456789 ns: 1760000000123.456 ms (microseconds kept); 99999999 ns long.
      startMs: 1760000000123.456,
      durationMs: 99.999999,
    });
    expect(r?.values[K.attempt]).toBe(1);
    expect(r?.values[K.idle]).toBe(4.25);
    expect(r?.wirescope).toBe(true);
  });

  it("gives the full path's times for starts and durations across word boundaries, sub-µs digits and 104 days", () => {
    const starts = [
      1_760_000_000_123_456_789n,
      4_294_967_295n, // low word full, high word 0
      4_294_967_296n, // high word 1, low word 0
      (1n << 53n) - 1n,
      1n << 53n,
      (1n << 63n) - 1n, // past 2^53 µs (year 2255): the bigints
      0x7cffffffn << 32n, // the last high word the split arithmetic takes
      999n,
      1n,
    ];
    const durations = [
      0n,
      1n,
      999n,
      1_000n,
      4_294_967_296n,
      (1n << 53n) - 1n,
      1n << 53n,
      9_000_000_000_000_000n,
    ];
    const spans: Json[] = [];
    let n = 0;
    for (const start of starts)
      for (const duration of durations) {
        const end = start + duration;
        if (end >= 1n << 64n) continue;
        const id = (++n).toString(16).padStart(16, '0');
        spans.push(
          span({
            spanId: hexBytes(id),
            startTimeUnixNano: start.toString(),
            endTimeUnixNano: end.toString(),
          }),
        );
      }
    // An end before the start: no duration, as the full path reads it.
    spans.push(span({ spanId: hexBytes('00000000000000ff'), endTimeUnixNano: '1760000000000000000' }));
    const records = fast(resourceSpans(spans));
    expect(records).not.toBe(false);
    expect((records as unknown[]).length).toBe(spans.length);
    expect(records).toEqual(full(resourceSpans(spans)));
  });

  it('takes an absent or all-zero parent as a root, an absent kind as unspecified, no status as not an error', () => {
    for (const parentSpanId of [Buffer.alloc(0), Buffer.alloc(8)]) {
      const rs = resourceSpans([span({ parentSpanId, kind: 0, status: undefined })], '');
      const records = fast(rs);
      expect(records).toEqual(full(rs));
      expect((records || [])[0]).toMatchObject({
        parentSpanId: undefined,
        kind: 'unspecified',
        scope: '',
        error: false,
      });
    }
  });

  it('counts region-redirect events and takes exception.type from the first exception event', () => {
    const rs = resourceSpans([
      span({
        events: [
          { name: 'wirescope.region.redirect', timeUnixNano: '1760000000150000000', attributes: [] },
          {
            name: 'exception',
            timeUnixNano: '1760000000160000000',
            attributes: [{ key: 'exception.type', value: { stringValue: 'ECONNRESET' } }],
          },
          { name: 'wirescope.region.redirect', timeUnixNano: '1760000000150000000', attributes: [] },
          {
            name: 'exception',
            timeUnixNano: '1760000000160000000',
            attributes: [{ key: 'exception.type', value: { stringValue: 'EPIPE' } }],
          },
        ],
      }),
    ]);
    const records = fast(rs);
    expect(records).toEqual(full(rs));
    expect((records || [])[0]?.redirectEvents).toBe(2);
    expect((records || [])[0]?.values[K.exceptionType]).toBe('ECONNRESET');
  });

  it('keeps int64 values exactly up to 2^53 - 1 and negative ones; a later duplicate key wins, an empty value adds nothing', () => {
    const attributes = [
      { key: 'wirescope.connection.idle_ms', value: { intValue: '9007199254740991' } },
      { key: 'wirescope.attempt', value: { intValue: -5 } },
      { key: 'server.address', value: { stringValue: 'first' } },
      { key: 'server.address', value: { stringValue: 'second' } },
      { key: 'wirescope.connection.id', value: { stringValue: 'c1' } },
      { key: 'wirescope.connection.id', value: {} },
    ];
    const rs = resourceSpans([span({ attributes })]);
    const records = fast(rs);
    expect(records).toEqual(full(rs));
    const values = records ? records[0]?.values : undefined;
    expect(values?.[K.idle]).toBe(9007199254740991);
    expect(values?.[K.attempt]).toBe(-5);
    expect(values?.[K.serverAddress]).toBe('second');
    expect(values?.[K.connectionId]).toBe('c1');
  });

  it('gives the message up where the full path does more (and the reader then gives the full path records)', () => {
    const cases: Array<[string, Json]> = [
      ['an int64 past 2^53', { key: 'wirescope.attempt', value: { intValue: '18014398509481984' } }],
      [
        'an array value',
        { key: 'server.address', value: { arrayValue: { values: [{ stringValue: 'a' }] } } },
      ],
      [
        'a map value on a key the engine reads',
        { key: 'server.address', value: { kvlistValue: { values: [] } } },
      ],
      [
        'an array nested in an array, on any key',
        { key: 'app.detail', value: { arrayValue: { values: [{ arrayValue: { values: [] } }] } } },
      ],
      ['a bytes value', { key: 'server.address', value: { bytesValue: Buffer.from('host') } }],
    ];
    for (const [what, attribute] of cases) {
      const rs = resourceSpans([span({ attributes: [attribute] })]);
      expect(fast(rs), what).toBe(false);
      expect(converted(rs), what).toEqual(full(rs));
    }
    // 2^54 is an exact double but no safe integer: the full path keeps it as a bigint.
    const big = resourceSpans([
      span({ attributes: [{ key: 'wirescope.attempt', value: { intValue: '18014398509481984' } }] }),
    ]);
    expect(converted(big)[0]?.values[K.attempt]).toBe(18014398509481984n);
  });

  it('takes a flat array or map on a key the engine does not read (OTel dns.answers), as the full path reads it', () => {
    const attributes: Json[] = [
      {
        key: 'dns.answers',
        value: { arrayValue: { values: [{ stringValue: '10.0.0.1' }, { stringValue: '::1' }] } },
      },
      { key: 'app.detail', value: { kvlistValue: { values: [{ key: 'a', value: { intValue: 1 } }] } } },
      { key: 'wirescope.connection.id', value: { stringValue: 'c1-2' } },
    ];
    const rs = resourceSpans([span({ attributes })]);
    const records = fast(rs);
    expect(records).not.toBe(false);
    expect(records).toEqual(full(rs));
    expect(records ? records[0]?.values[K.connectionId] : undefined).toBe('c1-2');
  });

  it('gives a span with a bad id or kind to the full path, which skips it with the reason', () => {
    const bad = resourceSpans([
      span(),
      span({ traceId: hexBytes('5b8efff798038103'), spanId: hexBytes('0102030405060708') }),
    ]);
    expect(fast(bad)).toBe(false);
    const skipped: Error[] = [];
    const records = converted(bad, (error) => skipped.push(error));
    expect(records.map((r) => r.spanId)).toEqual(['eee19b7ec3c1b174']);
    expect(skipped.map((error) => error.message)).toEqual([
      expect.stringContaining('scopeSpans[0].spans[1]: traceId'),
    ]);
    const badKind = resourceSpans([span({ kind: 9 })]);
    expect(fast(badKind)).toBe(false);
  });

  it('is the path analyze() takes for a protobuf file: its records carry ids as numbers, not text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirescope-pb-'));
    const file = join(dir, 'spans.pb');
    const body = RESOURCE_SPANS.encode(RESOURCE_SPANS.fromObject(resourceSpans([span()]))).finish();
    writeFileSync(
      file,
      Buffer.concat([protobuf.Writer.create().uint32(0x0a).uint32(body.length).finish(), body]),
    );
    const batches = recordBatchesOf(readSpans({ path: file }));
    const records: SpanRecord[] = [];
    for await (const batch of batches ?? []) records.push(...batch);
    expect(records).toHaveLength(1);
    // The full path sets the id texts (recordOfWire); the fast path leaves them undefined.
    expect(records[0]?.traceText).toBeUndefined();
    expect(records[0]?.spanText).toBeUndefined();
    expect(plainRecord(records[0] as SpanRecord).spanId).toBe('eee19b7ec3c1b174');
  });
});
