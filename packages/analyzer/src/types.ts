import type { FindingCode } from '@wirescope/semconv';
import type { FleetSummary } from './fleet/types.js';
import type { SkippedRecord } from './readers/types.js';

/** An attribute value as OTLP and Jaeger carry it (arrays flattened to homogeneous arrays). */
export type AttributeValue = string | number | boolean | bigint | string[] | number[] | boolean[];

/** Attributes of a span, a resource or an event. */
export type Attributes = Record<string, AttributeValue>;

/** Span kind, normalized from OTLP numbers, OTLP enum names and Jaeger `span.kind` tags. */
export type SpanKindName = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** Status, normalized. */
export interface SpanStatus {
  /** `unset`, `ok` or `error`. */
  code: 'unset' | 'ok' | 'error';
  /** Status message, when the producer gave one. */
  message?: string;
}

/** A span event. */
export interface SpanEventRecord {
  /** Event name. */
  name: string;
  /** Event time in nanoseconds since the epoch, exact. */
  timeUnixNano: bigint;
  /** Event attributes. */
  attributes: Attributes;
}

/** Where a span came from, for error messages and report links. */
export interface SpanSource {
  /** File name as the user gave it (`-` for stdin, `live` for the span processor). */
  file: string;
  /** 1-based line of the span (JSON Lines) or of the start of its record, when known. */
  line?: number;
}

/** One span in the analyzer's normalized model, whatever format it was read from. */
export interface WireSpan {
  /** Trace id, 32 lowercase hex digits. */
  traceId: string;
  /** Span id, 16 lowercase hex digits. */
  spanId: string;
  /** Parent span id, 16 lowercase hex digits, absent for a root. */
  parentSpanId?: string;
  /** Span name. */
  name: string;
  /** Span kind. */
  kind: SpanKindName;
  /** Start time in nanoseconds since the epoch, exact (beyond 2^53). */
  startTimeUnixNano: bigint;
  /** End time in nanoseconds since the epoch, exact. */
  endTimeUnixNano: bigint;
  /** Span attributes. */
  attributes: Attributes;
  /** Span events. */
  events: SpanEventRecord[];
  /** Status. */
  status: SpanStatus;
  /** Resource attributes (`service.name`, …). */
  resource: Attributes;
  /** Name of the instrumentation scope that made the span (`@opentelemetry/instrumentation-net`), when known. */
  scope?: string;
  /** Where the span was read from. */
  source?: SpanSource;
}

/** How bad a finding is. */
export type Severity = 'info' | 'warning' | 'error';

/** Measured facts behind a finding. */
export interface FindingEvidence {
  /** Ids of the spans that show the problem (capped; `spanIdsTotal` says how many there were). */
  spanIds: string[];
  /** How many spans showed it in all. */
  spanIdsTotal: number;
  /** Trace ids involved (capped). */
  traceIds: string[];
  /** Counts (`calls`, `newConnections`, `resets`, …). */
  counts: Record<string, number>;
  /** Measured numbers with their unit in the key (`tcpConnectP50Ms`, `idleMsMin`, …). */
  measurements: Record<string, number>;
  /** Fleet findings: the Prometheus labels of the group (`job`, `server_address`, a region pair). */
  series?: Record<string, string>;
  /** Fleet findings: which diagnosis the code stands for (`pool-leak`, …; fleet/types.ts FleetDiagnosis). */
  diagnosis?: string;
}

/** One problem the analyzer found, with its cost and its fix. */
export interface Finding {
  /** Stable finding code (PRODUCT.md). */
  code: FindingCode;
  /** Severity. */
  severity: Severity;
  /** One line saying what happened, with numbers: "12 of 12 S3.PutObject calls opened a new TLS connection". */
  summary: string;
  /** Estimated milliseconds this problem cost in the analyzed spans, all calls together. */
  costMs: number;
  /** Estimated milliseconds per affected call. */
  costPerCallMs: number;
  /** How the cost was estimated, in one sentence ("+3 RTT ≈ 190 ms each"). */
  costBasis: string;
  /** The fix, in one or two sentences. */
  fix: string;
  /** The measured facts. */
  evidence: FindingEvidence;
}

/**
 * Counts over everything analyzed; `check` budgets are held against these. Each AWS call and each
 * connection phase counts once: where another instrumentation recorded a call or a phase the plugin
 * recorded too (an instrumentation-aws-sdk operation span, an instrumentation-http span under a
 * wirescope attempt, instrumentation-net / -dns phase spans), that second span is not counted
 * (`duplicateSpans` says how many there were).
 */
export interface AnalysisStats {
  /** Spans read, less the duplicates. */
  spans: number;
  /** Distinct traces. */
  traces: number;
  /** AWS SDK calls (operation spans `rpc.system=aws-api`, each call once). */
  operations: number;
  /** HTTP attempts of those calls (wirescope attempt spans, or inferred from HTTP client spans). */
  attempts: number;
  /** Attempts on a reused connection (on HTTP/2, a reused session). */
  reusedAttempts: number;
  /** Attempts that ran as streams of HTTP/2 sessions (NodeHttp2Handler), present only when there were some. */
  http2Attempts?: number;
  /** Spans of other instrumentations that recorded a call or phase a second time: not counted. */
  duplicateSpans: number;
  /** Spans by name (duplicates not counted). */
  spanCountsByName: Record<string, number>;
  /** Records the readers skipped (lenient reading), present only when there were some. */
  skipped?: SkippedStats;
}

/** Records the lenient reading left out of an analysis. */
export interface SkippedStats {
  /** Records of another signal (OTLP metrics, logs, profiles). */
  notTraces: number;
  /** Records that could not be read (each also a warning with its file, line and column). */
  badRecords: number;
}

/** What one rule could judge. */
export interface RuleCoverage {
  /** The rule's finding code. */
  code: FindingCode;
  /** Calls the rule could judge. */
  judged: number;
  /** Calls the rule applies to (every AWS call; the S3 calls for `hot-prefix`). */
  of: number;
  /** Of the judged calls, those judged from facts inferred from other instrumentations' spans. */
  inferred: number;
  /** The facts the rule needs and where they come from, in a few words. */
  needs: string;
  /** Why the other calls could not be judged and what would let them be; absent when all were judged. */
  reason?: string;
}

/** What an analysis saw and what it could judge. */
export interface AnalysisCoverage {
  /** AWS SDK calls (each once, whichever instrumentations recorded it). */
  calls: number;
  /** Calls recorded by the wirescope plugin, and by other instrumentations only (instrumentation-aws-sdk). */
  callsBy: { wirescope: number; other: number };
  /** Attempts inferred from other instrumentations' HTTP client spans. */
  inferredAttempts: number;
  /** Spans by instrumentation scope name (`(unknown)` when the input does not say), most first. */
  scopes: Record<string, number>;
  /** Calls whose caller region is known, and of those, from the resource's `cloud.region`. */
  callerRegion: { known: number; fromResource: number; fromOption: boolean };
  /** One entry per rule, in finding-code order. */
  rules: RuleCoverage[];
}

/** A connection phase or wait inside one attempt, for the waterfall. */
export interface WaterfallSegment {
  /** `queue`, `dns`, `tcp`, `tls`, `continue` (100-continue wait) or `ttfb`. */
  kind: 'queue' | 'dns' | 'tcp' | 'tls' | 'continue' | 'ttfb';
  /** Offset from the operation start, ms. */
  startMs: number;
  /** Length, ms. */
  durationMs: number;
}

/** One attempt in the waterfall. */
export interface WaterfallAttempt {
  spanId: string;
  attempt: number;
  /** The connection (on HTTP/2, the session) the attempt ran on. */
  connectionId?: string;
  /** True when the attempt ran as a stream of an HTTP/2 session (present only then). */
  http2?: boolean;
  reused?: boolean;
  errorType?: string;
  statusCode?: number;
  /** Offset from the operation start, ms. */
  startMs: number;
  durationMs: number;
  segments: WaterfallSegment[];
}

/** One operation (SDK call) in the waterfall. */
export interface WaterfallOperation {
  traceId: string;
  spanId: string;
  name: string;
  /** Offset from the first operation of the trace, ms. */
  startMs: number;
  durationMs: number;
  error: boolean;
  /** The first attempts, at most 50. */
  attempts: WaterfallAttempt[];
  /** Attempts of this operation left out of `attempts` (present only when some were). */
  attemptsOmitted?: number;
}

/** The waterfall of one trace (the first traces only: reports stay small). */
export interface TraceWaterfall {
  traceId: string;
  /**
   * What the trace is, for a person: the root span's name, the calls, the service
   * (`S3.PutObject · checkout-service`, `POST /checkout → S3.PutObject ×2 · checkout-service`).
   */
  title: string;
  /** Name of the trace's root span, when the input held it. */
  rootSpanName?: string;
  /** `service.name` of the root span's resource (else of the trace's first span that had one), when known. */
  serviceName?: string;
  /** The trace's first operations in start order, at most `maxWaterfallOperations` (default 200). */
  operations: WaterfallOperation[];
  /** Operations of this trace left out of `operations` (present only when some were). */
  operationsOmitted?: number;
}

/** Attempt latencies of one series (new or reused connections) to one host. */
export interface LatencySeries {
  /** Attempts in the series. */
  count: number;
  /** Attempts per bin of the host's `binEdgesMs` (empty when `count` is 0). */
  histogram: number[];
  /** Shortest, median, 90th percentile (nearest rank) and longest attempt, ms; absent when `count` is 0. */
  minMs?: number;
  medianMs?: number;
  p90Ms?: number;
  maxMs?: number;
}

/** Per host, attempt latency on new against reused connections, for the report's charts. */
export interface HostAttemptLatency {
  /** `server.address:server.port` (`(unknown host)` when the spans do not say). */
  host: string;
  /** Log-spaced bin edges, ms, five per decade, whole decades; bin i is [edge i, edge i+1). Empty when no series has an attempt. */
  binEdgesMs: number[];
  /** Attempts that opened a new connection. */
  new: LatencySeries;
  /** Attempts on a reused connection. */
  reused: LatencySeries;
  /** Attempts whose connection reuse is unknown (other instrumentations' HTTP spans without instrumentation-net): in neither series. */
  unknown: number;
}

/** Attempt latency by host, the hosts with the most attempts first. */
export interface AttemptLatency {
  /** At most 20 hosts. */
  hosts: HostAttemptLatency[];
  /** Hosts left out of `hosts` (present only when some were). */
  hostsOmitted?: number;
}

/** What an analysis returns. */
export interface AnalysisResult {
  /** Version of this shape (the JSON report's `schemaVersion`; 2 added `coverage` and `stats.duplicateSpans`). */
  schemaVersion: 2;
  /** Findings, worst cost first. */
  findings: Finding[];
  /** What was seen and what each rule could judge. */
  coverage: AnalysisCoverage;
  /** Counts. */
  stats: AnalysisStats;
  /** Waterfalls of the first traces, for the HTML report. */
  waterfalls: TraceWaterfall[];
  /** Attempt latency by host, new against reused connections (every analysis sets it; absent in results made before). */
  attemptLatency?: AttemptLatency;
  /** Non-fatal input problems (missing parents, duplicate ids, …), capped. */
  warnings: string[];
  /** Present when the result came from metrics in Prometheus (`analyzePrometheus`), not from spans. */
  fleet?: FleetSummary;
}

/** Options of an analysis. */
export interface AnalyzeOptions {
  /** Region the caller runs in when the spans do not say (`wirescope.caller.region`). */
  callerRegion?: string;
  /** Most traces kept for waterfalls. Default 50. */
  maxWaterfallTraces?: number;
  /** Most operations a trace's waterfall shows (the first in start order; the rest are counted). Default 200. */
  maxWaterfallOperations?: number;
  /** Called every so often with the number of spans seen so far. */
  progressHook?: (spansSeen: number) => void;
}

/** A budget for `wirescope check` and the vitest matchers. */
export interface Budget {
  /** Limits on span counts by span name. */
  spans?: Record<string, SpanCountLimit>;
  /** Finding codes that fail the check. */
  forbid?: FindingCode[];
  /** Finding codes that are reported but do not fail the check. */
  warn?: FindingCode[];
  /**
   * A forbidden code whose rule could judge no call fails the check (nothing was checked); `true` lets
   * every such code pass with a warning instead, a list lets those codes pass.
   */
  allowUnjudged?: boolean | FindingCode[];
  /**
   * Least share (0–1) of the calls each forbidden code's rule must have judged: one number for every
   * forbidden code, or a number per code (also for codes not forbidden).
   */
  minCoverage?: number | Partial<Record<FindingCode, number>>;
}

/** Limits for one span name. */
export interface SpanCountLimit {
  min?: number;
  max?: number;
  /** Exact count. */
  exact?: number;
  /** Only warn, never fail. */
  warnOnly?: boolean;
}

/** One budget line that was not met. */
export interface BudgetViolation {
  /** `spans`, `forbid`, or `coverage` (a rule that could not judge enough calls to check the budget). */
  kind: 'spans' | 'forbid' | 'coverage';
  /** Span name or finding code. */
  subject: string;
  /** What was expected, e.g. `max 2`. */
  expected: string;
  /** What was found, e.g. `5`. */
  actual: string;
  /** True when it only warns. */
  warnOnly: boolean;
  /** For `coverage`: why the rule could not judge the calls, and what would let it. */
  reason?: string;
}

/** Result of holding an analysis against a budget. */
export interface BudgetResult {
  /** True when no failing violation. */
  ok: boolean;
  violations: BudgetViolation[];
}

/** An analysis fed span by span (`createAnalysis`): what `analyze`, the readers and the span processor drive. */
export interface Analysis {
  /** Adds one span; spans may arrive in any order (children before parents). */
  add(span: WireSpan): void;
  /**
   * Adds every span of one input and resolves to how many were read. A `readSpans` iterator nobody has
   * pulled from takes the readers' fast path (no WireSpan is made) and the records it skips are noted
   * as by `addSkipped` (so do not also pass it `skipHook: analysis.addSkipped`); any other iterable is
   * added span by span. Await each input before the next, and all of them before `finish()`.
   */
  addInput(spans: Iterable<WireSpan> | AsyncIterable<WireSpan>): Promise<number>;
  /** Notes a record the reader skipped (a `readSpans` `skipHook`), for `stats.skipped` and `warnings`. */
  addSkipped(record: SkippedRecord): void;
  /** Resolves parentage, runs the rules and returns the result. Call once. */
  finish(): AnalysisResult;
}

/** Options of the text report. */
export interface TextReportOptions {
  /** ANSI colour (the CLI turns it on for a TTY). Default false. */
  color?: boolean;
  /** Line width to wrap and truncate to (at least 60). Default 100. */
  width?: number;
}

/** Options of the HTML report. */
export interface HtmlReportOptions {
  /** Page title. Default `wirescope report`. */
  title?: string;
}
