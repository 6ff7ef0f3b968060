import { context, type Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** True when the standard OTLP variables ask for an export (Jaeger, Honeycomb, a collector). */
export function otlpRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** One scenario run's tracing: its own provider, so its resource names the run. */
export interface RunTracing {
  provider: BasicTracerProvider;
  /** Runs `fn` inside a root span named `name` (all SDK calls of the run become its children). */
  inRootSpan<T>(name: string, fn: (span: Span) => Promise<T>): Promise<T>;
}

/** The demo's tracing: an in-memory copy of every span, plus OTLP export when asked for. */
export interface DemoTracing {
  /** A provider for one run; `instance` becomes `service.instance.id` (the analyzer's per-process key). */
  forRun(instance: string, attributes: Record<string, string>): RunTracing;
  /** Every span ended so far. */
  spans(): ReadableSpan[];
  /** Flushes and shuts every provider down (OTLP batches are sent here). */
  shutdown(): Promise<void>;
}

/** Installs an AsyncLocalStorage context manager (root spans parent the SDK spans) and returns the factory. */
export function createDemoTracing(serviceName: string): DemoTracing {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const memory = new InMemorySpanExporter();
  // One exporter for all runs: it reads OTEL_EXPORTER_OTLP_* (endpoint, headers, …) itself.
  const otlp = otlpRequested() ? new OTLPTraceExporter() : undefined;
  const providers: BasicTracerProvider[] = [];
  return {
    forRun(instance, attributes) {
      const processors: SpanProcessor[] = [new SimpleSpanProcessor(memory)];
      if (otlp) processors.push(new BatchSpanProcessor(otlp));
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({
          'service.name': serviceName,
          'service.instance.id': instance,
          ...attributes,
        }),
        spanProcessors: processors,
      });
      providers.push(provider);
      const tracer = provider.getTracer('wirescope-demo');
      return {
        provider,
        inRootSpan(name, fn) {
          return tracer.startActiveSpan(name, async (span) => {
            try {
              return await fn(span);
            } finally {
              span.end();
            }
          });
        },
      };
    },
    spans: () => memory.getFinishedSpans(),
    async shutdown() {
      await Promise.all(providers.map((p) => p.forceFlush()));
      // The shared exporter must outlive every provider's flush; shut them down one by one.
      for (const provider of providers) await provider.shutdown().catch(() => undefined);
      trace.disable();
    },
  };
}
