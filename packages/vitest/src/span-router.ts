import type { Context } from '@opentelemetry/api';
import { diag } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * The one processor of a capture provider: hands every span to the captures attached right now, so
 * one global provider (registered once per process) serves every test and every `captureSpans()`.
 */
export class SpanRouter implements SpanProcessor {
  private readonly targets = new Set<SpanProcessor>();

  /** Starts handing spans to `processor`. */
  attach(processor: SpanProcessor): void {
    this.targets.add(processor);
  }

  /** Stops handing spans to `processor`. */
  detach(processor: SpanProcessor): void {
    this.targets.delete(processor);
  }

  onStart(span: Span, parentContext: Context): void {
    for (const target of this.targets) {
      try {
        target.onStart(span, parentContext);
      } catch (error) {
        diag.error('wirescope/vitest: span capture failed on start', error);
      }
    }
  }

  onEnd(span: ReadableSpan): void {
    for (const target of this.targets) {
      try {
        target.onEnd(span);
      } catch (error) {
        diag.error('wirescope/vitest: span capture failed on end', error);
      }
    }
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.targets].map((target) => target.forceFlush()));
  }

  async shutdown(): Promise<void> {
    this.targets.clear();
  }
}
