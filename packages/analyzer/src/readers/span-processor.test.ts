import { type DiagLogger, DiagLogLevel, diag, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import type { WireSpan } from '../types.js';
import { AnalyzerSpanProcessor } from './span-processor.js';

describe('AnalyzerSpanProcessor', () => {
  it('hands ended spans to onSpan in the analyzer model and forwards everything to next', async () => {
    const exporter = new InMemorySpanExporter();
    const seen: WireSpan[] = [];
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new AnalyzerSpanProcessor({ next: new SimpleSpanProcessor(exporter), onSpan: (s) => seen.push(s) }),
      ],
    });
    const tracer = provider.getTracer('t');
    const parent = tracer.startSpan('S3.GetObject', { kind: SpanKind.CLIENT, startTime: [1760000000, 1] });
    parent.setAttribute('wirescope.attempts', 1);
    parent.setAttribute('list', ['a', 'b']);
    parent.setStatus({ code: SpanStatusCode.ERROR, message: 'NoSuchKey' });
    parent.end([1760000000, 999_999_999]);
    await provider.forceFlush();
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    expect(seen).toEqual([
      {
        traceId: parent.spanContext().traceId,
        spanId: parent.spanContext().spanId,
        name: 'S3.GetObject',
        kind: 'client',
        startTimeUnixNano: 1760000000000000001n,
        endTimeUnixNano: 1760000000999999999n,
        attributes: { 'wirescope.attempts': 1, list: ['a', 'b'] },
        events: [],
        status: { code: 'error', message: 'NoSuchKey' },
        resource: expect.objectContaining({ 'telemetry.sdk.language': 'nodejs' }),
        scope: 't',
        source: { file: 'live' },
      },
    ]);
    await provider.shutdown();
    expect(exporter.getFinishedSpans()).toHaveLength(0); // the exporter was shut down through next
  });

  it('never throws into the SDK when onSpan fails, and still exports', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [
        new AnalyzerSpanProcessor({
          next: new SimpleSpanProcessor(exporter),
          onSpan: () => {
            throw new Error('analysis bug');
          },
        }),
      ],
    });
    // The failure reaches the application's diag logger (the processor loads the API only then, and
    // finds the logger this test set through the API's ESM build).
    const errors: unknown[][] = [];
    const logger: DiagLogger = {
      error: (...args: unknown[]) => errors.push(args),
      warn: () => {},
      info: () => {},
      debug: () => {},
      verbose: () => {},
    };
    diag.setLogger(logger, DiagLogLevel.ERROR);
    try {
      expect(() => provider.getTracer('t').startSpan('x').end()).not.toThrow();
    } finally {
      diag.disable();
    }
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    expect(errors).toEqual([
      ['wirescope: analyzing an ended span failed', expect.objectContaining({ message: 'analysis bug' })],
    ]);
  });

  it('works without next', async () => {
    const seen: string[] = [];
    const processor = new AnalyzerSpanProcessor({ onSpan: (s) => seen.push(s.name) });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    provider.getTracer('t').startSpan('alone').end();
    await expect(provider.forceFlush()).resolves.toBeUndefined();
    await provider.shutdown();
    provider.getTracer('t').startSpan('after shutdown').end();
    expect(seen).toEqual(['alone']);
  });
});
