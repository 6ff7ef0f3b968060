import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { captureSpans } from './capture.js';
import { installWirescopeMatchers } from './matchers.js';
import { useSpanCapture } from './use-span-capture.js';

installWirescopeMatchers();

/** An S3.PutObject operation with `attempts` attempts, made with a real tracer through the API. */
function putObject(tracerName: string, attempts: number): void {
  const tracer = trace.getTracer(tracerName);
  tracer.startActiveSpan(
    'S3.PutObject',
    { attributes: { 'rpc.system': 'aws-api', 'wirescope.attempts': attempts } },
    (op) => {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        tracer.startActiveSpan(
          'S3.PutObject attempt',
          { attributes: { 'wirescope.attempt': attempt } },
          (span) => {
            tracer.startSpan('tls.handshake').end();
            span.end();
          },
        );
      }
      op.end();
    },
  );
}

describe('captureSpans (global)', () => {
  const captured = captureSpans();
  afterAll(() => captured.stop());

  it('registers a global provider and an AsyncLocalStorage context manager when none is', () => {
    captured.reset();
    expect(captured.global).toBe(true);
    putObject('capture-test', 3);
    const spans = captured.spans;
    expect(spans.map((span) => span.name).sort()).toEqual([
      'S3.PutObject',
      'S3.PutObject attempt',
      'S3.PutObject attempt',
      'S3.PutObject attempt',
      'tls.handshake',
      'tls.handshake',
      'tls.handshake',
    ]);
    // Parents come from the active context: the context manager works.
    const op = spans.find((span) => span.name === 'S3.PutObject')!;
    const attempts = spans.filter((span) => span.name === 'S3.PutObject attempt');
    expect(attempts.every((span) => span.parentSpanId === op.spanId && span.traceId === op.traceId)).toBe(
      true,
    );
    expect(spans.find((span) => span.name === 'tls.handshake')!.parentSpanId).toBe(attempts[0]!.spanId);
    expect(op.attributes['wirescope.attempts']).toBe(3);
    expect(captured).toHaveAttemptCount('S3.PutObject', 3);
    expect(captured).toHaveSpanCount('tls.handshake', 3);
  });

  it('forgets spans on reset, and every capture sees the spans', () => {
    putObject('capture-test', 1);
    const second = captureSpans();
    expect(second.tracerProvider).toBe(captured.tracerProvider);
    captured.reset();
    expect(captured.spans).toEqual([]);
    putObject('capture-test', 2);
    expect(captured).toHaveSpanCount('S3.PutObject attempt', 2);
    expect(second).toHaveSpanCount('S3.PutObject attempt', 2);
    return second.stop();
  });

  it('stops capturing after stop(), keeping what it had', async () => {
    const short = captureSpans();
    putObject('capture-test', 1);
    await short.stop();
    putObject('capture-test', 1);
    expect(short).toHaveSpanCount('S3.PutObject', 1);
  });

  it('analyzes what it captured', async () => {
    captured.reset();
    putObject('capture-test', 2);
    const result = await captured.analyze();
    expect(result.stats.spanCountsByName['S3.PutObject attempt']).toBe(2);
  });
});

describe('useSpanCapture', () => {
  const captured = useSpanCapture();

  it('captures the spans of a test', () => {
    putObject('use-capture-test', 2);
    expect(captured).toHaveOperationCount('S3.PutObject', 1);
  });

  it('starts each test empty', () => {
    expect(captured.spans).toHaveLength(0);
  });
});

describe('captureSpans with a provider of its own', () => {
  it('captures only what goes through captured.tracerProvider with global: false', async () => {
    const own = captureSpans({ global: false });
    expect(own.global).toBe(false);
    putObject('global-tracer', 1);
    own.tracer.startSpan('tls.handshake').end();
    expect(own).toHaveSpanCount('tls.handshake', 1);
    await own.stop();
  });

  it('falls back to a provider of its own when the application registered one, and says so', async () => {
    trace.disable();
    const foreign = new BasicTracerProvider();
    expect(trace.setGlobalTracerProvider(foreign)).toBe(true);
    try {
      const captured = captureSpans();
      expect(captured.global).toBe(false);
      expect(captured.tracerProvider).not.toBe(foreign);
      expect(() => expect(captured).toHaveSpanCount('tls.handshake', 1)).toThrowError(
        /Pass captured\.tracerProvider to the code under test/,
      );
      await captured.stop();
    } finally {
      trace.disable();
      context.disable();
    }
  });
});
