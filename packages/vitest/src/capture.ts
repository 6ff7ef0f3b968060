import type { Tracer, TracerProvider } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { AnalysisResult, AnalyzeOptions, WireSpan } from '@wirescope/analyzer';
import { analyze, wireSpanFromReadable } from '@wirescope/analyzer';
import type { SharedProvider } from './global-provider.js';
import { privateProvider, sharedGlobalProvider } from './global-provider.js';
import type { CapturedSpans, CaptureOptions } from './types.js';

/** Tracer name for spans made by hand through `captured.tracer`. */
const TRACER_NAME = '@wirescope/vitest';

class SpanCapture implements CapturedSpans {
  readonly tracerProvider: TracerProvider;
  readonly tracer: Tracer;
  readonly global: boolean;
  private readonly shared: SharedProvider;
  private readonly exporter = new InMemorySpanExporter();
  private readonly processor = new SimpleSpanProcessor(this.exporter);
  private cache: { from: readonly ReadableSpan[]; length: number; spans: WireSpan[] } | undefined;
  private stopped = false;

  constructor(shared: SharedProvider, global: boolean) {
    this.shared = shared;
    this.global = global;
    this.tracerProvider = shared.provider;
    this.tracer = shared.provider.getTracer(TRACER_NAME);
    shared.router.attach(this.processor);
  }

  get readableSpans(): readonly ReadableSpan[] {
    return this.exporter.getFinishedSpans();
  }

  get spans(): WireSpan[] {
    const finished = this.exporter.getFinishedSpans();
    if (this.cache?.from === finished && this.cache.length === finished.length) return this.cache.spans;
    const spans = finished.map((span) => wireSpanFromReadable(span));
    this.cache = { from: finished, length: finished.length, spans };
    return spans;
  }

  analyze(options?: AnalyzeOptions): Promise<AnalysisResult> {
    return analyze(this.spans, options);
  }

  reset(): void {
    this.exporter.reset();
    this.cache = undefined;
  }

  async flush(): Promise<void> {
    await this.processor.forceFlush();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.processor.forceFlush();
    this.shared.router.detach(this.processor);
    if (!this.global) await this.shared.provider.shutdown();
  }
}

/**
 * Starts capturing spans in memory. By default it captures from the global tracer provider,
 * registering one (and an AsyncLocalStorage context manager) when the process has none; see
 * {@link CaptureOptions.global} for code that takes its own `tracerProvider`.
 */
export function captureSpans(options: CaptureOptions = {}): CapturedSpans {
  const shared = options.global === false ? undefined : sharedGlobalProvider();
  return shared ? new SpanCapture(shared, true) : new SpanCapture(privateProvider(), false);
}
