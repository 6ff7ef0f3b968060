import type { RequestOptions } from 'node:http';
import { context, diag, type Span, type Tracer, trace } from '@opentelemetry/api';
import { type AttemptScope, currentAttemptScope, recordFact } from '@wirescope/semconv';
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
        if (!ignores(consumer, hookOptions)) return scopeTarget(scope);
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
      if (!ignores(consumer, hookOptions)) return spanTarget(span, consumer.tracer());
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

function scopeTarget(scope: AttemptScope): RecordTarget {
  return {
    span: scope.span,
    tracer: scope.tracer,
    record: (key: string, value: FactValue) => recordFact(scope, key, value),
  };
}

function spanTarget(span: Span, tracer: Tracer): RecordTarget {
  return {
    span,
    tracer,
    record: (key: string, value: FactValue) => {
      if (span.isRecording()) span.setAttribute(key, value);
    },
  };
}
