import type { RequestOptions } from 'node:http';
import { context, INVALID_SPAN_CONTEXT, type Span, type Tracer, trace } from '@opentelemetry/api';
import {
  type AttemptScope,
  currentAttemptScope,
  describeError,
  type FactValue,
  type MetricScope,
  recordFact,
} from '@wirescope/instrumentation';
import type { AttributeName } from '@wirescope/semconv';
import type { Consumer, RecordTarget } from './internal-types.js';
import { guard } from './version.js';

/**
 * Decides where a request's facts go. Inside an SDK attempt scope: the attempt, unless every consumer
 * ignores the request. Outside: the active recording span, for the first consumer in active-span mode
 * that does not ignore it. Otherwise nothing. Never throws.
 */
export function resolveTarget(
  consumers: ReadonlySet<Consumer>,
  options: RequestOptions | string,
): RecordTarget | undefined {
  return guard.value('deciding where to record', () => find(consumers, options), undefined);
}

function find(consumers: ReadonlySet<Consumer>, options: RequestOptions | string): RecordTarget | undefined {
  const scope = currentAttemptScope();
  if (scope) {
    const hookOptions = toHookOptions(options);
    for (const consumer of consumers) {
      if (!ignores(consumer, hookOptions)) return new ScopeTarget(scope);
    }
    return undefined;
  }
  let span: Span | undefined;
  let hookOptions: RequestOptions | undefined;
  for (const consumer of consumers) {
    if (!consumer.recordOnActiveSpan) continue;
    span ??= trace.getSpan(context.active());
    const recording = span?.isRecording() === true;
    // No recording span: only the connection metrics, when a MeterProvider is registered.
    const metrics = consumer.metrics?.();
    if (!recording && !metrics) return undefined;
    hookOptions ??= toHookOptions(options);
    if (!ignores(consumer, hookOptions))
      return new SpanTarget(recording && span ? span : NOT_RECORDING, consumer.tracer(), metrics);
  }
  return undefined;
}

// The parent of a request measured for its metrics only: records nothing, starts no child span.
const NOT_RECORDING: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

function toHookOptions(options: RequestOptions | string): RequestOptions {
  return typeof options === 'string' ? { host: options } : options;
}

function ignores(consumer: Consumer, options: RequestOptions): boolean {
  try {
    return consumer.ignores(options);
  } catch (error) {
    guard.log.warn('ignoreRequestHook threw; recording the request', describeError(error));
    return false;
  }
}

// Classes rather than object literals with closures: one of these per request, and a method costs
// nothing per instance.
class ScopeTarget implements RecordTarget {
  readonly span: Span;
  readonly tracer: Tracer;
  readonly metrics: MetricScope | undefined;
  readonly #scope: AttemptScope;
  constructor(scope: AttemptScope) {
    this.span = scope.span;
    this.tracer = scope.tracer;
    this.metrics = scope.metrics;
    this.#scope = scope;
  }
  record(key: AttributeName, value: FactValue): void {
    recordFact(this.#scope, key, value);
  }
}

class SpanTarget implements RecordTarget {
  constructor(
    readonly span: Span,
    readonly tracer: Tracer,
    readonly metrics: MetricScope | undefined,
  ) {}
  record(key: AttributeName, value: FactValue): void {
    if (this.span.isRecording()) this.span.setAttribute(key, value);
  }
}
