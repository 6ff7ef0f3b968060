// The `otel-floor` configuration's middleware: the least any span-recording SDK instrumentation pays.
// Per call it starts one empty operation span (initialize step) and one empty child span per attempt
// (finalizeRequest step, after retries), runs the rest of the call with that span active (as any
// tracing instrumentation does so that what the call does nests under it), and ends both: no
// attributes, no socket hooks. Entering a context is what switches the context manager's
// AsyncLocalStorage, and with it Node's promise hooks, on: without a `context.with` somewhere in the
// process, a registered AsyncLocalStorageContextManager costs nothing.
// What wirescope costs above this is the plugin; what this costs above `bare` is the OpenTelemetry SDK
// (span objects, ids, the batch processor) and the context manager.
import { context, type Span, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import type {
  FinalizeHandler,
  FinalizeHandlerArguments,
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerArguments,
  MetadataBearer,
  Pluggable,
} from '@smithy/types';

let cachedTracer: Tracer | undefined;
// Fetched once, as wirescope does (from the global provider, a proxy that follows a later registration).
const tracer = (): Tracer => {
  cachedTracer ??= trace.getTracer('wirescope-bench-otel-floor');
  return cachedTracer;
};
const operations = new WeakMap<HandlerExecutionContext, Span>();

/** Ends `span` when `result` settles; hands the outcome on unchanged. */
function endWhenSettled<T>(span: Span, result: Promise<T>): Promise<T> {
  return result.then(
    (output) => {
      span.end();
      return output;
    },
    (error: unknown) => {
      span.end();
      throw error;
    },
  );
}

/** Two empty spans per call, each active while the call runs; nothing else. */
export function otelFloorPlugin(): Pluggable<object, MetadataBearer> {
  return {
    applyToStack(stack) {
      stack.add(
        (next: InitializeHandler<object, MetadataBearer>, handlerContext: HandlerExecutionContext) =>
          (args: InitializeHandlerArguments<object>) => {
            const span = tracer().startSpan('operation', { kind: SpanKind.CLIENT });
            operations.set(handlerContext, span);
            return endWhenSettled(
              span,
              context.with(trace.setSpan(context.active(), span), () => next(args)),
            );
          },
        { step: 'initialize', priority: 'high', name: 'otelFloorOperation', override: true },
      );
      stack.add(
        (next: FinalizeHandler<object, MetadataBearer>, handlerContext: HandlerExecutionContext) =>
          (args: FinalizeHandlerArguments<object>) => {
            const operation = operations.get(handlerContext);
            const parent = operation ? trace.setSpan(context.active(), operation) : context.active();
            const span = tracer().startSpan('attempt', {}, parent);
            return endWhenSettled(
              span,
              context.with(trace.setSpan(parent, span), () => next(args)),
            );
          },
        { step: 'finalizeRequest', priority: 'low', name: 'otelFloorAttempt', override: true },
      );
    },
  };
}
