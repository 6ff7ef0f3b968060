import { Readable } from 'node:stream';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { AnalyzerSpanProcessor, readSpans, type WireSpan, wireSpanFromReadable } from '@wirescope/analyzer';
import { describe, expect, it } from 'vitest';
import { toJaegerJson, toOtlpJson, toOtlpJsonLines } from './support/trace-formats.js';

/** Jaeger keeps microseconds, so the recorded times are whole microseconds (ns part a multiple of 1000). */
const T0: [number, number] = [1_760_000_000, 123_456_000];
function at(ms: number): [number, number] {
  const ns = T0[1] + ms * 1_000_000;
  return [T0[0] + Math.floor(ns / 1e9), ns % 1e9];
}

/** Records one S3.PutObject with a reset first attempt and a retry on a new TLS connection, plus a second trace. */
function recordSpans(): { spans: ReadableSpan[]; live: WireSpan[] } {
  const exporter = new InMemorySpanExporter();
  const live: WireSpan[] = [];
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'orders', 'deployment.environment': 'test' }),
    spanProcessors: [
      new AnalyzerSpanProcessor({ next: new SimpleSpanProcessor(exporter), onSpan: (s) => live.push(s) }),
    ],
  });
  const tracer = provider.getTracer('@wirescope/aws-sdk', '0.1.0');
  const op = tracer.startSpan('S3.PutObject', {
    kind: SpanKind.CLIENT,
    startTime: at(0),
    attributes: {
      'rpc.system': 'aws-api',
      'rpc.service': 'S3',
      'rpc.method': 'PutObject',
      'cloud.region': 'us-west-2',
    },
  });
  const opContext = trace.setSpan(context.active(), op);
  const first = tracer.startSpan(
    'S3.PutObject attempt',
    {
      startTime: at(1),
      attributes: {
        'wirescope.attempt': 1,
        'wirescope.connection.reused': true,
        'wirescope.connection.id': 'c42-1',
        'wirescope.connection.idle_ms': 4812.5,
        'error.type': 'ECONNRESET',
        'wirescope.socket.reset': true,
      },
    },
    opContext,
  );
  first.setStatus({ code: SpanStatusCode.ERROR, message: 'read ECONNRESET' });
  first.addEvent(
    'exception',
    { 'exception.type': 'ECONNRESET', 'exception.message': 'read ECONNRESET' },
    at(3),
  );
  first.end(at(4));
  const second = tracer.startSpan(
    'S3.PutObject attempt',
    {
      startTime: at(5),
      attributes: {
        'wirescope.attempt': 2,
        'wirescope.connection.reused': false,
        'server.address': 'bucket.s3.us-west-2.amazonaws.com',
        'server.port': 443,
        'http.response.status_code': 200,
        'tls.protocol.version': '1.3',
      },
    },
    opContext,
  );
  const secondContext = trace.setSpan(opContext, second);
  tracer.startSpan('tcp.connect', { startTime: at(5.5) }, secondContext).end(at(70));
  tracer.startSpan('tls.handshake', { startTime: at(70) }, secondContext).end(at(140.25));
  second.setStatus({ code: SpanStatusCode.OK });
  second.end(at(190));
  op.setAttribute('wirescope.attempts', 2);
  op.addEvent('wirescope.region.redirect', { from: 'us-east-1', to: 'us-west-2' }, at(0.5));
  op.end(at(191));
  const other = tracer.startSpan('DynamoDB.GetItem', { kind: SpanKind.CLIENT, startTime: at(300) });
  other.end(at(310));
  return { spans: exporter.getFinishedSpans(), live };
}

async function collect(iterable: AsyncIterable<WireSpan>): Promise<WireSpan[]> {
  const out: WireSpan[] = [];
  for await (const span of iterable) out.push(span);
  return out;
}

function comparable(spans: WireSpan[]): WireSpan[] {
  return spans.map(({ source: _source, ...rest }) => rest).sort((a, b) => a.spanId.localeCompare(b.spanId));
}

function streamOf(text: string): Readable {
  return Readable.from([Buffer.from(text)]);
}

describe('round trips of SDK spans', () => {
  it('read the same WireSpans from OTLP JSON, OTLP JSON Lines, Jaeger JSON and the live processor', async () => {
    const { spans, live } = recordSpans();
    expect(spans).toHaveLength(6);
    const expected = comparable(spans.map((span) => wireSpanFromReadable(span)));
    expect(comparable(live)).toEqual(expected);

    const otlp = await collect(readSpans({ stream: streamOf(toOtlpJson(spans)), name: 'a.json' }));
    const lines = await collect(readSpans({ stream: streamOf(toOtlpJsonLines(spans)), name: 'a.jsonl' }));
    const jaeger = await collect(readSpans({ stream: streamOf(toJaegerJson(spans)), name: 'a-jaeger.json' }));
    expect(comparable(otlp)).toEqual(expected);
    expect(comparable(lines)).toEqual(expected);
    expect(comparable(jaeger)).toEqual(expected);

    const attempt = expected.find((s) => s.attributes['wirescope.attempt'] === 1)!;
    expect(attempt.status).toEqual({ code: 'error', message: 'read ECONNRESET' });
    expect(attempt.resource['service.name']).toBe('orders');
    expect(attempt.parentSpanId).toBe(expected.find((s) => s.name === 'S3.PutObject')!.spanId);
    expect(typeof attempt.startTimeUnixNano).toBe('bigint');
    expect(
      lines.every((s) => s.source?.file === 'a.jsonl' && (s.source.line === 1 || s.source.line === 2)),
    ).toBe(true);
    expect(jaeger.every((s) => s.source?.file === 'a-jaeger.json' && (s.source.line ?? 0) > 1)).toBe(true);
  });

  it('forces each format explicitly', async () => {
    const { spans } = recordSpans();
    const expected = comparable(spans.map((span) => wireSpanFromReadable(span)));
    const pretty = JSON.stringify(JSON.parse(toOtlpJson(spans)), null, 2);
    for (const [text, format] of [
      [pretty, 'otlp-json'],
      [toOtlpJsonLines(spans), 'otlp-jsonl'],
      [toJaegerJson(spans), 'jaeger-json'],
    ] as const) {
      expect(comparable(await collect(readSpans({ stream: streamOf(text), name: 'x' }, { format })))).toEqual(
        expected,
      );
    }
  });
});
