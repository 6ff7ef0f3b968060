import { context, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** Options for {@link createTestTracing}. */
export interface TestTracingOptions {
  /** Also set the global tracer provider and an AsyncLocalStorage context manager; default false. */
  register?: boolean;
}

/** An in-memory tracing pipeline for one test (file). */
export interface TestTracing {
  provider: BasicTracerProvider;
  exporter: InMemorySpanExporter;
  /** A tracer from `provider` named 'wirescope-test'. */
  tracer: Tracer;
  /** Spans ended so far, in end order. */
  spans(): ReadableSpan[];
  /** Forgets the spans ended so far. */
  reset(): void;
  /** Shuts the provider down and, if registered, removes the global provider and context manager. */
  shutdown(): Promise<void>;
}

/** Builds BasicTracerProvider + SimpleSpanProcessor + InMemorySpanExporter, optionally registered. */
export function createTestTracing(options: TestTracingOptions = {}): TestTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let registered = false;
  if (options.register) {
    // A previous test that forgot shutdown() would make the set* calls below no-ops: start clean.
    trace.disable();
    context.disable();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    registered = true;
  }
  return {
    provider,
    exporter,
    tracer: provider.getTracer('wirescope-test'),
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    async shutdown() {
      await provider.shutdown();
      if (registered) {
        trace.disable();
        context.disable();
        registered = false;
      }
    },
  };
}
