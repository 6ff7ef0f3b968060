// Planned public surface (filled in by the readers, rules and reports work):
//   readers:  readSpans, detectFormat, AnalyzerSpanProcessor, wireSpanFromReadable
//   engine:   analyze, createAnalysis, checkBudget, parseBudget
//   reports:  formatText, formatJson, formatMarkdown, formatHtml
export { InputError } from './input-error.js';
// readers: OTLP JSON, OTLP JSON Lines, Jaeger JSON (gzip, stdin), streaming; and the live span processor
export { detectFormat, readSpans } from './readers/read-spans.js';
export { wireSpanFromReadable } from './readers/readable-span.js';
export { AnalyzerSpanProcessor } from './readers/span-processor.js';
export type {
  AnalyzerSpanProcessorOptions,
  HrTimeLike,
  ReadableSpanLike,
  ReadSpansInput,
  ReadSpansOptions,
  SpanProcessorLike,
  TraceFormat,
} from './readers/types.js';
export type {
  AnalysisResult,
  AnalysisStats,
  AnalyzeOptions,
  Attributes,
  AttributeValue,
  Budget,
  BudgetResult,
  BudgetViolation,
  Finding,
  FindingEvidence,
  Severity,
  SpanCountLimit,
  SpanEventRecord,
  SpanKindName,
  SpanSource,
  SpanStatus,
  TraceWaterfall,
  WaterfallAttempt,
  WaterfallOperation,
  WaterfallSegment,
  WireSpan,
} from './types.js';
