import type { AttemptRecord, OperationRecord } from '../records.js';
import type { TraceWaterfall, WaterfallAttempt, WaterfallOperation, WaterfallSegment } from '../types.js';
import { type TraceFacts, traceTitle } from './trace-titles.js';

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * Segments of one attempt, offsets from the operation start. Connection phases come from their spans;
 * `queue` starts with the attempt; the 100-continue wait follows the connection phases; `ttfb` ends
 * where the attempt ends (the attempt span ends when the response headers arrive).
 */
function segments(attempt: AttemptRecord, opStart: number): WaterfallSegment[] {
  const out: WaterfallSegment[] = [];
  const at = (ms: number) => round(ms - opStart);
  let cursor = attempt.startMs;
  if (attempt.queueMs !== undefined && attempt.queueMs > 0) {
    out.push({ kind: 'queue', startMs: at(cursor), durationMs: round(attempt.queueMs) });
    cursor += attempt.queueMs;
  }
  for (const kind of ['dns', 'tcp', 'tls'] as const) {
    const phase = attempt.phases[kind];
    if (!phase) continue;
    out.push({ kind, startMs: at(phase.startMs), durationMs: round(phase.durationMs) });
    cursor = Math.max(cursor, phase.startMs + phase.durationMs);
  }
  if (attempt.expectWaitMs !== undefined && attempt.expectWaitMs > 0) {
    out.push({ kind: 'continue', startMs: at(cursor), durationMs: round(attempt.expectWaitMs) });
  }
  if (attempt.ttfbMs !== undefined && attempt.ttfbMs > 0) {
    const end = attempt.startMs + attempt.durationMs;
    const ttfb = Math.min(attempt.ttfbMs, attempt.durationMs);
    out.push({ kind: 'ttfb', startMs: at(end - ttfb), durationMs: round(ttfb) });
  }
  return out;
}

function waterfallAttempt(attempt: AttemptRecord, opStart: number): WaterfallAttempt {
  const out: WaterfallAttempt = {
    spanId: attempt.spanId,
    attempt: attempt.attempt,
    reused: !attempt.isNew,
    startMs: round(attempt.startMs - opStart),
    durationMs: round(attempt.durationMs),
    segments: segments(attempt, opStart),
  };
  if (attempt.connectionId !== undefined) out.connectionId = attempt.connectionId;
  if (attempt.http2 !== undefined) out.http2 = true;
  if (attempt.errorType !== undefined) out.errorType = attempt.errorType;
  if (attempt.statusCode !== undefined) out.statusCode = attempt.statusCode;
  return out;
}

/** Default of `maxWaterfallOperations`: a waterfall shows this many operations of a trace, the first. */
export const MAX_WATERFALL_OPERATIONS = 200;

/**
 * Attempts shown per operation (the SDK's standard retry strategy makes 3; a file can claim a million):
 * the first ones, the rest counted in `attemptsOmitted`.
 */
export const MAX_WATERFALL_ATTEMPTS = 50;

function waterfallOperation(op: OperationRecord, traceStart: number): WaterfallOperation {
  const shown =
    op.attempts.length > MAX_WATERFALL_ATTEMPTS ? op.attempts.slice(0, MAX_WATERFALL_ATTEMPTS) : op.attempts;
  const out: WaterfallOperation = {
    traceId: op.traceId,
    spanId: op.spanId,
    name: op.name,
    startMs: round(op.startMs - traceStart),
    durationMs: round(op.durationMs),
    error: op.error,
    attempts: shown.map((attempt) => waterfallAttempt(attempt, op.startMs)),
  };
  if (shown.length < op.attempts.length) out.attemptsOmitted = op.attempts.length - shown.length;
  return out;
}

/**
 * Waterfalls of the given traces (the first ones seen), in trace start order, operations in start
 * order. `operations`: those of these traces (others are left out). A trace shows its first
 * `maxOperations` operations and counts the rest in `operationsOmitted` (issue 15: one trace of a
 * million calls made a 267 MB report). `facts`: what each trace is (its root span and service), for
 * the titles.
 */
export function buildWaterfalls(
  traceIds: string[],
  operations: OperationRecord[],
  maxOperations = MAX_WATERFALL_OPERATIONS,
  facts: ReadonlyMap<string, TraceFacts> = new Map(),
): TraceWaterfall[] {
  const byTrace = new Map<string, OperationRecord[]>(traceIds.map((id) => [id, []]));
  for (const op of operations) byTrace.get(op.traceId)?.push(op);
  const limit = Number.isFinite(maxOperations)
    ? Math.max(0, Math.floor(maxOperations))
    : MAX_WATERFALL_OPERATIONS;
  const out: Array<TraceWaterfall & { start: number }> = [];
  for (const [traceId, ops] of byTrace) {
    if (ops.length === 0) continue;
    const traceStart = ops.reduce((min, op) => Math.min(min, op.startMs), Number.POSITIVE_INFINITY);
    // Stable: operations that start together keep the order they were read in.
    const shown = ops.sort((a, b) => a.startMs - b.startMs).slice(0, limit);
    const operationsShown = shown.map((op) => waterfallOperation(op, traceStart));
    const omitted = ops.length - shown.length;
    const known = facts.get(traceId);
    const trace: TraceWaterfall & { start: number } = {
      start: traceStart,
      traceId,
      title: traceTitle(known, operationsShown, omitted),
      operations: operationsShown,
    };
    if (known?.rootName !== undefined) trace.rootSpanName = known.rootName;
    if (known?.service !== undefined) trace.serviceName = known.service;
    if (omitted > 0) trace.operationsOmitted = omitted;
    out.push(trace);
  }
  // Trace start order, so the report does not depend on the order spans arrived in.
  return out
    .sort((a, b) => a.start - b.start || (a.traceId < b.traceId ? -1 : 1))
    .map(({ start: _, ...trace }) => trace);
}
