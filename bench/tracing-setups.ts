// The tracing side of each benchmark configuration, set up before the SDK loads.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import type { MetadataBearer, Pluggable } from '@smithy/types';
import type { BenchConfig, BenchHandler } from './run-args.js';

/** What a worker needs from its configuration's tracing. */
export interface BenchTracing {
  /** The SDK plugin factory: wirescope, or the otel-floor middleware. */
  plugin?: () => Pluggable<object, MetadataBearer>;
  /** Exports what the batch processor holds. */
  flush(): Promise<void>;
  /** Spans exported since the last reset. */
  count(): number;
  resetCount(): void;
  shutdown(): Promise<void>;
}

/** An exporter that drops spans, counting them: the cost of export itself is not what we measure. */
class CountingNoopExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.exported += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}

/** A provider with a BatchSpanProcessor and a no-op exporter, registered globally (as NodeSDK does). */
export function registerProvider(sampled = true): {
  provider: BasicTracerProvider;
  exporter: CountingNoopExporter;
} {
  const exporter = new CountingNoopExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(exporter)],
    // Unsampled: what a parent-based sampler does to a call whose root it drops.
    ...(sampled ? {} : { sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) }),
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return { provider, exporter };
}

const untraced: BenchTracing = {
  flush: async () => {},
  count: () => 0,
  resetCount: () => {},
  shutdown: async () => {},
};

/** Sets up tracing for `config` (instrumentations before the SDK is required). */
export async function setUpTracing(config: BenchConfig, handler: BenchHandler): Promise<BenchTracing> {
  if (config === 'bare') return untraced;
  if (config === 'wirescope-no-provider') {
    const { wirescope } = await import('@wirescope/aws-sdk');
    return { ...untraced, plugin: () => wirescope() };
  }
  const { provider, exporter } = registerProvider(config !== 'wirescope-unsampled');
  const traced: BenchTracing = {
    flush: () => provider.forceFlush(),
    count: () => exporter.exported,
    resetCount: () => {
      exporter.exported = 0;
    },
    shutdown: () => provider.shutdown(),
  };
  if (config === 'wirescope-metrics') {
    const { wirescope } = await import('@wirescope/aws-sdk');
    const { benchMeterProvider } = await import('./metrics-setup.js');
    const metrics = benchMeterProvider();
    return {
      ...traced,
      plugin: () => wirescope({ meterProvider: metrics.provider }),
      shutdown: async () => {
        await metrics.provider.shutdown();
        await provider.shutdown();
      },
    };
  }
  if (config === 'wirescope' || config === 'wirescope-unsampled') {
    const { wirescope } = await import('@wirescope/aws-sdk');
    return { ...traced, plugin: () => wirescope() };
  }
  if (config === 'otel-provider') return traced;
  if (config === 'otel-floor') {
    const { otelFloorPlugin } = await import('./otel-floor-plugin.js');
    return { ...traced, plugin: otelFloorPlugin };
  }
  const { registerInstrumentations } = await import('@opentelemetry/instrumentation');
  const { AwsInstrumentation } = await import('@opentelemetry/instrumentation-aws-sdk');
  const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
  const instrumentations: Instrumentation[] = [new AwsInstrumentation(), new HttpInstrumentation()];
  if (handler === 'fetch') {
    const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici');
    instrumentations.push(new UndiciInstrumentation());
  }
  registerInstrumentations({ instrumentations, tracerProvider: provider });
  return traced;
}
