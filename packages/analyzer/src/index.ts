// Layers point one way: analyze.ts (the one pipeline, library and CLI) → readers, engine, rules.
// Readers write span records (span-record/), the engine reads them; rules read records.ts; budget/ and
// reports/ read the result. Neither readers nor rules import the engine. testing/ is not built.
/** The region round-trip table cross-region costs come from: regionRttMs(from, to), sameRegionRttMs(region). */

/** analyze(spans) and createAnalysis(): spans in, findings with a cost and a fix out. */
export { analyze, createAnalysis } from './analyze.js';
/** checkBudget(result, budget): span-count limits and forbidden finding codes, for `wirescope check`. */
export { budgetSpanCount, checkBudget } from './budget/budget-check.js';
/** parseBudget(bytes or text, file): a validated Budget, or an InputError naming the file and JSON path. */
export { parseBudget } from './budget/budget-parse.js';
export { regionRttMs, sameRegionRttMs } from './data/rtt-table.js';
/** analyzePrometheus({ url, since, service }): fleet findings from the metric contract in Prometheus (PromQL aggregates). */
export { analyzePrometheus, type PrometheusAnalysisOptions } from './fleet/analyze-prometheus.js';
/** PrometheusError: the server could not be asked, or held nothing to judge (one line, URL redacted). */
export { PrometheusError, redactUrl } from './fleet/prometheus-client.js';
export type { FleetDiagnosis, FleetSummary } from './fleet/types.js';
export { InputError } from './input-error.js';
/** readSpans(input) streams WireSpans from OTLP JSON / JSON Lines / protobuf, Tempo, Jaeger (api_v3 too) and Zipkin JSON (gzip, stdin), leniently; detectFormat(head). */
export { detectFormat, readSpans } from './readers/read-spans.js';
/** wireSpanFromReadable(span): an SDK ReadableSpan in the analyzer's model. */
export { wireSpanFromReadable } from './readers/readable-span.js';
/** AnalyzerSpanProcessor: analyzes spans live as they end, wrapping any exporter's processor. */
export { AnalyzerSpanProcessor } from './readers/span-processor.js';
/** Reader and live-processor types. */
export type {
  AnalyzerSpanProcessorOptions,
  HrTimeLike,
  ReadableSpanLike,
  ReadSpansInput,
  ReadSpansOptions,
  SkippedRecord,
  SpanProcessorLike,
  TraceFormat,
} from './readers/types.js';
/** Reports: text (terminal), JSON (REPORT-SCHEMA.md), Markdown (PR comment), HTML (self-contained). */
export { formatHtml } from './reports/format-html.js';
export { formatJson } from './reports/format-json.js';
export { formatMarkdown } from './reports/format-markdown.js';
export { formatText } from './reports/format-text.js';
export type {
  Analysis,
  AnalysisResult,
  AnalysisStats,
  AnalyzeOptions,
  AttemptLatency,
  Attributes,
  AttributeValue,
  Budget,
  BudgetResult,
  BudgetViolation,
  Finding,
  FindingEvidence,
  HostAttemptLatency,
  HtmlReportOptions,
  LatencySeries,
  Severity,
  SkippedStats,
  SpanCountLimit,
  SpanEventRecord,
  SpanKindName,
  SpanSource,
  SpanStatus,
  TextReportOptions,
  TraceWaterfall,
  WaterfallAttempt,
  WaterfallOperation,
  WaterfallSegment,
  WireSpan,
} from './types.js';
