import type { WireSpan } from '../types.js';

/**
 * A trace file format the readers understand. `otlp-json` includes OTLP in the wrappers of Grafana
 * Tempo's HTTP API (`{ batches }`, `{ trace }`) and Jaeger v2's api_v3 (`{ result }`); `jaeger-json` the
 * UI download and query API (`{ data: [...] }` or `{ data: {...} }`) and one trace object on its own;
 * `otlp-protobuf` one binary `ExportTraceServiceRequest` (the OTLP/HTTP protobuf exporter's body) or the
 * collector file exporter's `format: proto` (each `TracesData` after its 4-byte big-endian length).
 */
export type TraceFormat = 'otlp-json' | 'otlp-jsonl' | 'otlp-protobuf' | 'jaeger-json' | 'zipkin-json';

/** What {@link readSpans} reads: a file path (`-` for stdin) or an open stream with a display name. */
export type ReadSpansInput = { path: string } | { stream: NodeJS.ReadableStream; name: string };

/** Options of `readSpans`. */
export interface ReadSpansOptions {
  /** Input format; `auto` (the default) detects it from the first bytes (after gzip and BOM). */
  format?: 'auto' | TraceFormat;
  /**
   * Refuse any record the lenient reading would skip: the read ends with its InputError. Default
   * false: as the collector does, a metrics or logs record is skipped and counted, and a bad record (a
   * JSON Lines line that is not JSON or holds a bad span, a truncated last line, a bad span of a
   * document) is skipped with its file, line and column.
   */
  strict?: boolean;
  /** Called with each record the lenient reading skips (`analyze(readSpans(…))` reports them itself). */
  skipHook?: (record: SkippedRecord) => void;
}

/** A record the lenient reading left out. */
export interface SkippedRecord {
  /** `not-traces`: an OTLP metrics, logs or profiles record; `bad-record`: one that could not be read. */
  reason: 'not-traces' | 'bad-record';
  /** File as the user named it (`-` for stdin). */
  file: string;
  /** 1-based line of the record (or of the problem in it), when known. */
  line?: number;
  /** 1-based column (bytes), when known. */
  column?: number;
  /** Byte offset in the decompressed input, when known. */
  offset?: number;
  /** What was wrong, without the position. */
  problem: string;
  /** `file, line L, column C: problem`, as a strict reading's error says it. */
  message: string;
}

/** High-resolution time as the OpenTelemetry API carries it: `[seconds, nanoseconds]`. */
export type HrTimeLike = [number, number];

/** The parts of an SDK `ReadableSpan` the analyzer reads (structural, so no SDK dependency). */
export interface ReadableSpanLike {
  /** Span name. */
  readonly name: string;
  /** `SpanKind` of the API: 0 internal, 1 server, 2 client, 3 producer, 4 consumer. */
  readonly kind: number;
  /** Trace and span ids. */
  spanContext(): { traceId: string; spanId: string };
  /** Parent context (SDK 2.x). */
  readonly parentSpanContext?: { spanId: string } | undefined;
  /** Parent span id (SDK 1.x). */
  readonly parentSpanId?: string | undefined;
  /** Instrumentation scope (SDK 2.x). */
  readonly instrumentationScope?: { name: string } | undefined;
  /** Instrumentation library (SDK 1.x). */
  readonly instrumentationLibrary?: { name: string } | undefined;
  /** Start time. */
  readonly startTime: HrTimeLike;
  /** End time. */
  readonly endTime: HrTimeLike;
  /** Span attributes. */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Span events. */
  readonly events: ReadonlyArray<{
    name: string;
    time: HrTimeLike;
    attributes?: Readonly<Record<string, unknown>> | undefined;
  }>;
  /** `SpanStatusCode` of the API: 0 unset, 1 ok, 2 error. */
  readonly status: { code: number; message?: string | undefined };
  /** Resource of the tracer provider. */
  readonly resource: { readonly attributes: Readonly<Record<string, unknown>> };
}

/** The SDK `SpanProcessor` shape, structurally (so any SDK version's processors fit). */
export interface SpanProcessorLike {
  /** Called when a span starts. */
  onStart(span: never, parentContext: never): void;
  /** Called when a span ends. */
  onEnd(span: never): void;
  /** Flushes what the processor holds. */
  forceFlush(): Promise<void>;
  /** Shuts the processor down. */
  shutdown(): Promise<void>;
}

/** Options of {@link AnalyzerSpanProcessor}. */
export interface AnalyzerSpanProcessorOptions {
  /** Processor to forward every call to (e.g. a `BatchSpanProcessor` around the user's exporter). */
  next?: SpanProcessorLike;
  /** Receives each ended span in the analyzer's model (e.g. `(span) => analysis.add(span)`); guarded. */
  onSpan?(span: WireSpan): void;
}
