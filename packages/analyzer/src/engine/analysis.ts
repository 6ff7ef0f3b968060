import { FINDING_CODES } from '@wirescope/semconv';
import { factBatchesOf } from '../readers/read-spans.js';
import { ALL_RULES } from '../rules/all-rules.js';
import type { Analysis, AnalysisResult, AnalyzeOptions, Finding, WireSpan } from '../types.js';
import { attachPhase, classify, factsOfWire, pendingPhase, writeAttempt, writeOperation } from './collect.js';
import { IdIndex } from './columns.js';
import type { RuleContext, SpanFacts } from './internal-types.js';
import { attemptRef, opRef, resolve } from './resolve.js';
import { AttemptStore, CHUNK_MASK, Interning, OperationStore, type PendingPhase } from './store.js';
import { WarningList } from './warnings.js';
import { buildWaterfalls } from './waterfall.js';

const PROGRESS_EVERY = 10_000;

/**
 * Starts an analysis. Memory stays bounded by what the rules need: one row of typed-array columns per
 * operation and attempt span (connection phases are folded into their attempt's row; ids are kept as
 * two 32-bit numbers, strings interned), a counter per span name and the trace ids; every other span
 * is counted and dropped. A phase span that arrives before its attempt waits in a small map. Duplicate
 * span ids are detected among operation and attempt spans, and among the phases of one attempt (the
 * second copy is dropped, not counted, and warned about); other spans are counted as they come.
 */
export function createAnalysis(options: AnalyzeOptions = {}): Analysis {
  const engine = createEngine(options);
  return { add: engine.add, finish: engine.finish };
}

/** An analysis that also takes spans as {@link SpanFacts} (the readers' fast path). */
interface Engine extends Analysis {
  addFacts(span: SpanFacts): void;
}

function createEngine(options: AnalyzeOptions): Engine {
  const maxWaterfallTraces = Math.max(0, options.maxWaterfallTraces ?? 50);
  const n = new Interning();
  const warnings = new WarningList();
  const waterfallTraces: string[] = [];
  const countsByName = new Map<string, number>();
  const ops = new OperationStore();
  const attempts = new AttemptStore();
  const byId = new IdIndex({
    keyHi: (ref) => (ref % 2 === 0 ? ops.keyHi(ref / 2) : attempts.keyHi((ref - 1) / 2)),
    keyLo: (ref) => (ref % 2 === 0 ? ops.keyLo(ref / 2) : attempts.keyLo((ref - 1) / 2)),
  });
  /** Phases whose attempt has not arrived yet, by the attempt's span id. */
  const pending = new Map<string, PendingPhase[]>();
  let spans = 0;
  let operationSpans = 0;
  let finished = false;

  function count(name: string, delta: number): void {
    spans += delta;
    countsByName.set(name, (countsByName.get(name) ?? 0) + delta);
  }

  function duplicate(span: { spanId: string; name: string }, traceId: string): void {
    warnings.add(`duplicate span id ${span.spanId} (${span.name}) in trace ${traceId}: kept the first`);
  }

  function attach(row: number, phase: PendingPhase): void {
    if (attempts.at(row).trace[row & CHUNK_MASK] !== phase.trace) return;
    if (!attachPhase(attempts, row, phase)) {
      duplicate({ spanId: n.ids.text(phase.hi, phase.lo), name: phase.name }, n.traces.text(phase.trace));
      count(phase.name, -1);
    }
  }

  function add(span: WireSpan): void {
    addFacts(factsOfWire(span));
  }

  function addFacts(span: SpanFacts): void {
    if (finished) throw new Error('createAnalysis: add() after finish()');
    const trace = n.traces.id(span.traceId);
    if (n.traces.added) {
      if (waterfallTraces.length < maxWaterfallTraces) waterfallTraces.push(span.traceId);
    }
    const kind = classify(span);
    if (kind === 'operation' || kind === 'attempt') {
      n.ids.split(span.spanId);
      if (byId.get(n.ids.hi, n.ids.lo) >= 0) {
        duplicate(span, span.traceId);
        return;
      }
    }
    count(span.name, 1);
    if (kind === 'operation') {
      operationSpans++;
      const row = writeOperation(span, trace, ops, n);
      byId.set(ops.keyHi(row), ops.keyLo(row), opRef(row));
    } else if (kind === 'attempt') {
      const row = writeAttempt(span, trace, attempts, n);
      byId.set(attempts.keyHi(row), attempts.keyLo(row), attemptRef(row));
      const waiting = pending.get(span.spanId);
      if (waiting) {
        pending.delete(span.spanId);
        for (const phase of waiting) attach(row, phase);
      }
    } else if (kind === 'phase' && span.parentSpanId !== undefined) {
      const phase = pendingPhase(span, trace, n);
      n.ids.split(span.parentSpanId);
      const ref = byId.get(n.ids.hi, n.ids.lo);
      if (ref >= 0 && ref % 2 === 1) attach((ref - 1) / 2, phase);
      else if (ref < 0) {
        const list = pending.get(span.parentSpanId);
        if (list) list.push(phase);
        else pending.set(span.parentSpanId, [phase]);
      }
    }
    if (options.progressHook && spans % PROGRESS_EVERY === 0) options.progressHook(spans);
  }

  function finish(): AnalysisResult {
    if (finished) throw new Error('createAnalysis: finish() called twice');
    finished = true;
    pending.clear();
    const resolved = resolve(ops, attempts, byId, n, warnings);
    const context: RuleContext = { ...resolved, callerRegion: options.callerRegion };
    const findings = runRules(context, warnings);
    const spanCountsByName: Record<string, number> = {};
    for (const name of [...countsByName.keys()].sort()) spanCountsByName[name] = countsByName.get(name) ?? 0;
    return {
      schemaVersion: 1,
      findings,
      stats: {
        spans,
        traces: n.traces.size,
        operations: operationSpans,
        attempts: resolved.attempts.length,
        reusedAttempts: reusedCount(resolved.attempts),
        spanCountsByName,
      },
      waterfalls: buildWaterfalls(waterfallTraces, resolved.operations),
      warnings: warnings.toArray(),
    };
  }

  return { add, addFacts, finish };
}

function reusedCount(attempts: RuleContext['attempts']): number {
  let reused = 0;
  for (const attempt of attempts) if (!attempt.isNew && attempt.reused === true) reused++;
  return reused;
}

function runRules(context: RuleContext, warnings: WarningList): Finding[] {
  const findings: Finding[] = [];
  for (const rule of ALL_RULES) {
    try {
      findings.push(...rule.run(context));
    } catch (error) {
      // A rule bug must not lose the other findings.
      warnings.add(`rule ${rule.code} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const order = (code: string) => (FINDING_CODES as readonly string[]).indexOf(code);
  return findings.sort((a, b) => b.costMs - a.costMs || order(a.code) - order(b.code));
}

/** Analyzes spans from any (async) iterable: `analyze(readSpans(file))`. */
export async function analyze(
  spans: Iterable<WireSpan> | AsyncIterable<WireSpan>,
  options: AnalyzeOptions = {},
): Promise<AnalysisResult> {
  const engine = createEngine(options);
  const batches = factBatchesOf(spans);
  if (batches) {
    for await (const batch of batches) for (let i = 0; i < batch.length; i++) engine.addFacts(batch[i]!);
  } else {
    for await (const span of spans) engine.add(span);
  }
  return engine.finish();
}
