import { Readable } from 'node:stream';
import {
  ATTR_EVENT_STREAM,
  ATTR_HTTP2_GOAWAY_CODE,
  ATTR_HTTP2_MAX_CONCURRENT_STREAMS,
  ATTR_HTTP2_PREVIOUS_GOAWAY_CODE,
  ATTR_HTTP2_RST_STREAM_CODE,
  ATTR_HTTP2_STREAMS_IN_FLIGHT,
  ATTR_NETWORK_PROTOCOL_VERSION,
} from '@wirescope/semconv';
import protobuf from 'protobufjs/light.js';
import { describe, expect, it } from 'vitest';
import { K } from '../span-record/keys.js';
import { recordOfWire, type SpanRecord } from '../span-record/record.js';
import { plainRecord } from '../testing/plain-record.js';
import type { WireSpan } from '../types.js';
import { RecordPool } from './otlp-lines/record-pool.js';
import { otlpResource } from './otlp-normalize.js';
import { OTLP_TRACE_DESCRIPTOR } from './otlp-proto-schema.js';
import { protobufToWire } from './protobuf-reader.js';
import { protobufRecords, type ResourceSpansMessage } from './protobuf-records.js';
import { readSpans, recordBatchesOf } from './read-spans.js';

const root = protobuf.Root.fromJSON(OTLP_TRACE_DESCRIPTOR as unknown as protobuf.INamespace);
const RESOURCE_SPANS = root.lookupType('ResourceSpans');
const RESOURCE = root.lookupType('Resource');

/** An HTTP/2 attempt as the producer writes it: a stream refused after the peer's GOAWAY (code 2). */
const ATTRIBUTES = [
  { key: 'wirescope.attempt', value: { intValue: 1 } },
  { key: 'wirescope.http.handler', value: { stringValue: 'node-http2' } },
  { key: ATTR_NETWORK_PROTOCOL_VERSION, value: { stringValue: '2' } },
  { key: 'wirescope.connection.reused', value: { boolValue: true } },
  { key: ATTR_HTTP2_STREAMS_IN_FLIGHT, value: { intValue: 3 } },
  { key: ATTR_HTTP2_MAX_CONCURRENT_STREAMS, value: { intValue: 4 } },
  { key: ATTR_HTTP2_GOAWAY_CODE, value: { intValue: 2 } },
  { key: ATTR_HTTP2_RST_STREAM_CODE, value: { intValue: 7 } },
  // Not on one span in practice (an opener's, an operation's): here to cross every reader path.
  { key: ATTR_HTTP2_PREVIOUS_GOAWAY_CODE, value: { intValue: 0 } },
  { key: ATTR_EVENT_STREAM, value: { boolValue: true } },
];

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

function otlpJson(ids: (hex: string) => unknown) {
  return {
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders-api' } }] },
    scopeSpans: [
      {
        scope: { name: '@wirescope/aws-sdk' },
        spans: [
          {
            traceId: ids(TRACE),
            spanId: ids(SPAN),
            name: 'S3.GetObject attempt',
            kind: 3,
            startTimeUnixNano: '1760000000000000000',
            endTimeUnixNano: '1760000000020000000',
            attributes: ATTRIBUTES,
          },
        ],
      },
    ],
  };
}

/** The values the engine keeps of the HTTP/2 keys, in a record. */
const http2Values = (r: ReturnType<typeof plainRecord>) => ({
  protocolVersion: r.values[K.protocolVersion],
  streamsInFlight: r.values[K.streamsInFlight],
  maxConcurrentStreams: r.values[K.maxConcurrentStreams],
  goawayCode: r.values[K.goawayCode],
  rstStreamCode: r.values[K.rstStreamCode],
  previousGoawayCode: r.values[K.previousGoawayCode],
  eventStream: r.values[K.eventStream],
});

const EXPECTED = {
  protocolVersion: '2',
  streamsInFlight: 3,
  maxConcurrentStreams: 4,
  goawayCode: 2,
  rstStreamCode: 7,
  previousGoawayCode: 0,
  eventStream: true,
};

describe('the HTTP/2 keys on every reader path', () => {
  it('OTLP JSON Lines fast path (records from the bytes) and the WireSpan path keep them', async () => {
    const line = JSON.stringify({ resourceSpans: [otlpJson((hex) => hex)] });
    const stream = () => Readable.from([Buffer.from(`${line}\n`)], { objectMode: false });
    const batches = recordBatchesOf(readSpans({ stream: stream(), name: 'in.jsonl' }));
    expect(batches).toBeDefined();
    const fast: ReturnType<typeof plainRecord>[] = [];
    for await (const batch of batches as AsyncGenerator<SpanRecord[]>) fast.push(...batch.map(plainRecord));
    const wire: WireSpan[] = [];
    for await (const s of readSpans({ stream: stream(), name: 'in.jsonl' })) wire.push(s);
    expect(fast.map(http2Values)).toEqual([EXPECTED]);
    expect(wire.map((s) => http2Values(plainRecord(recordOfWire(s))))).toEqual([EXPECTED]);
  });

  it('OTLP protobuf fast path keeps them, as the full path does', () => {
    const message = RESOURCE_SPANS.decode(
      RESOURCE_SPANS.encode(RESOURCE_SPANS.fromObject(otlpJson((hex) => Buffer.from(hex, 'hex')))).finish(),
    );
    const typed = message as unknown as ResourceSpansMessage & { resource: protobuf.Message };
    const resource = otlpResource(RESOURCE.toObject(typed.resource, { longs: String, bytes: String }));
    const out: SpanRecord[] = [];
    expect(protobufRecords(typed, resource, out, new RecordPool())).toBe(true);
    expect(out.map((r) => http2Values(plainRecord(r)))).toEqual([EXPECTED]);
    const wire: WireSpan[] = [];
    protobufToWire(message, 'in.pb', 0, undefined, wire);
    expect(wire.map((s) => http2Values(plainRecord(recordOfWire(s))))).toEqual([EXPECTED]);
  });
});
