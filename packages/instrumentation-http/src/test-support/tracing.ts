import type { Tracer } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { type AttemptScope, runInAttemptScope } from '@wirescope/instrumentation';

/** A real tracer provider with an in-memory exporter. */
export interface TestTracing {
  provider: BasicTracerProvider;
  exporter: InMemorySpanExporter;
  tracer: Tracer;
  spans(): ReadableSpan[];
  named(name: string): ReadableSpan[];
}

/** Creates a provider, exporter and tracer for one test. */
export function createTracing(): TestTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('wirescope-test');
  return {
    provider,
    exporter,
    tracer,
    spans: () => exporter.getFinishedSpans(),
    named: (name) => exporter.getFinishedSpans().filter((span) => span.name === name),
  };
}

/** Name of the attempt span {@link inAttempt} starts. */
export const ATTEMPT_SPAN = 'S3.PutObject attempt';

/** Runs `fn` in an attempt scope whose span is ended when `fn` settles; returns the scope too. */
export async function inAttempt<T>(
  tracer: Tracer,
  fn: () => Promise<T>,
  attempt = 1,
): Promise<{ scope: AttemptScope; result: T | undefined; error: unknown }> {
  const span = tracer.startSpan(ATTEMPT_SPAN);
  const scope: AttemptScope = { attempt, span, tracer, facts: new Map() };
  try {
    const result = await runInAttemptScope(scope, fn);
    return { scope, result, error: undefined };
  } catch (error) {
    return { scope, result: undefined, error };
  } finally {
    span.end();
  }
}

/** The span id of a span, for parent checks. */
export function spanIdOf(span: { spanContext(): { spanId: string } }): string {
  return span.spanContext().spanId;
}

/** The parent span id of a finished span. */
export function parentIdOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}
