// Planned public surface (filled in by the readers, rules and reports work):
//   readers:  readSpans, detectFormat, AnalyzerSpanProcessor, wireSpanFromReadable
//   engine:   analyze, createAnalysis, checkBudget, parseBudget
//   reports:  formatText, formatJson, formatMarkdown, formatHtml
export { InputError } from './input-error.js';
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
