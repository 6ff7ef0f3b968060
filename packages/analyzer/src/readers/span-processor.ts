import { createRequire } from 'node:module';
import type { DiagAPI } from '@opentelemetry/api';
import type { WireSpan } from '../types.js';
import { wireSpanFromReadable } from './readable-span.js';
import type { AnalyzerSpanProcessorOptions, ReadableSpanLike, SpanProcessorLike } from './types.js';

/**
 * A span processor that hands every ended span, in the analyzer's model, to `onSpan`, and forwards
 * every call to `next` (so it wraps the processor of whatever exporter the application uses). Its
 * own work is guarded: a failure is logged through `diag`, never thrown into the SDK; what `next`
 * does (and throws) passes through unchanged.
 */
export class AnalyzerSpanProcessor implements SpanProcessorLike {
  private readonly next: SpanProcessorLike | undefined;
  private readonly spanHook: ((span: WireSpan) => void) | undefined;
  private stopped = false;

  constructor(options: AnalyzerSpanProcessorOptions = {}) {
    this.next = options.next;
    this.spanHook = options.onSpan;
  }

  /** Forwards to `next`. */
  onStart(span: unknown, parentContext: unknown): void {
    this.next?.onStart(span as never, parentContext as never);
  }

  /** Forwards to `next` (the SDK's experimental hook), when it has one. */
  onEnding(span: unknown): void {
    const next = this.next as { onEnding?: (span: unknown) => void } | undefined;
    next?.onEnding?.(span);
  }

  /** Converts the span for `onSpan`, then forwards it to `next`. */
  onEnd(span: ReadableSpanLike): void {
    if (!this.stopped && this.spanHook) {
      try {
        this.spanHook(wireSpanFromReadable(span));
      } catch (error) {
        logFailure(error);
      }
    }
    this.next?.onEnd(span as never);
  }

  /** Flushes `next`. */
  forceFlush(): Promise<void> {
    return this.next ? this.next.forceFlush() : Promise.resolve();
  }

  /** Stops analyzing and shuts `next` down. */
  shutdown(): Promise<void> {
    this.stopped = true;
    return this.next ? this.next.shutdown() : Promise.resolve();
  }
}

/**
 * OpenTelemetry's `diag`, loaded on first use: only a live processor logs through it, and the
 * analyzer's other users (the CLI reading files) need not load the API (some 7 MB and 50 ms at start).
 * Either build of the API finds the same logger: it lives in the API's global registry.
 */
let diagApi: DiagAPI | undefined;

function logFailure(error: unknown): void {
  try {
    diagApi ??= (createRequire(import.meta.url)('@opentelemetry/api') as { diag: DiagAPI }).diag;
    diagApi.error('wirescope: analyzing an ended span failed', error);
  } catch {
    // No API to log through: never thrown into the SDK.
  }
}
