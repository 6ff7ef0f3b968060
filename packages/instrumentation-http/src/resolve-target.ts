import type { RequestOptions } from 'node:http';
import { context, diag, type Span, type Tracer, trace } from '@opentelemetry/api';
import { type AttemptScope, currentAttemptScope, recordFact } from '@wirescope/instrumentation';
import type { AttributeName } from '@wirescope/semconv';
import type { Consumer, FactValue, RecordTarget } from './internal-types.js';
import { checkpoint } from './test-seams.js';

/**
 * Decides where a request's facts go. Inside an SDK attempt scope: the attempt, unless every consumer
 * ignores the request. Outside: the active recording span, for the first consumer in active-span mode
 * that does not ignore it. Otherwise nothing. Never throws.
 */
export function resolveTarget(
  consumers: ReadonlySet<Consumer>,
  options: RequestOptions | string,
): RecordTarget | undefined {
  try {
    checkpoint('resolve');
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
      if (!span?.isRecording()) return undefined;
      hookOptions ??= toHookOptions(options);
      if (!ignores(consumer, hookOptions)) return new SpanTarget(span, consumer.tracer());
    }
    return undefined;
  } catch (error) {
    diag.warn('@wirescope/instrumentation-http: could not decide where to record', error);
    return undefined;
  }
}

function toHookOptions(options: RequestOptions | string): RequestOptions {
  return typeof options === 'string' ? { host: options } : options;
}

function ignores(consumer: Consumer, options: RequestOptions): boolean {
  try {
    return consumer.ignores(options);
  } catch (error) {
    diag.warn('@wirescope/instrumentation-http: ignoreRequestHook threw; recording the request', error);
    return false;
  }
}

// Classes rather than object literals with closures: one of these per request, and a method costs
// nothing per instance.
class ScopeTarget implements RecordTarget {
  readonly span: Span;
  readonly tracer: Tracer;
  readonly #scope: AttemptScope;
  constructor(scope: AttemptScope) {
    this.span = scope.span;
    this.tracer = scope.tracer;
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
  ) {}
  record(key: AttributeName, value: FactValue): void {
    if (this.span.isRecording()) this.span.setAttribute(key, value);
  }
}
