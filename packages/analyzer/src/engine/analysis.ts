import { FINDING_CODES } from '@wirescope/semconv';
import { ALL_RULES } from '../rules/all-rules.js';
import type { Analysis, AnalysisResult, AnalyzeOptions, Finding, WireSpan } from '../types.js';
import { attemptRecord, classify, operationRecord, phaseRecord, StringPool } from './collect.js';
import type { AttemptRecord, OperationRecord, PhaseRecord, RuleContext } from './internal-types.js';
import { resolve } from './resolve.js';
import { WarningList } from './warnings.js';
import { buildWaterfalls } from './waterfall.js';

const PROGRESS_EVERY = 10_000;

/**
 * Starts an analysis. Memory stays bounded by what the rules need: a compact record per wirescope span
 * (operation, attempt, connection phase), a counter per span name and the set of trace ids; every other
 * span is counted and dropped. Duplicate span ids are detected among wirescope spans only (the second
 * copy is dropped, not counted, and warned about); other spans are counted as they come.
 */
export function createAnalysis(options: AnalyzeOptions = {}): Analysis {
  const maxWaterfallTraces = Math.max(0, options.maxWaterfallTraces ?? 50);
  const pool = new StringPool();
  const warnings = new WarningList();
  const traces = new Map<string, string>();
  const waterfallTraces: string[] = [];
  const countsByName = new Map<string, number>();
  const operationsById = new Map<string, OperationRecord>();
  const attemptsById = new Map<string, AttemptRecord>();
  const phaseIds = new Set<string>();
  const phases: PhaseRecord[] = [];
  let spans = 0;
  let operationSpans = 0;
  let finished = false;

  function isDuplicate(span: WireSpan): boolean {
    const seen =
      operationsById.has(span.spanId) || attemptsById.has(span.spanId) || phaseIds.has(span.spanId);
    if (seen)
      warnings.add(
        `duplicate span id ${span.spanId} (${span.name}) in trace ${span.traceId}: kept the first`,
      );
    return seen;
  }

  function add(span: WireSpan): void {
    if (finished) throw new Error('createAnalysis: add() after finish()');
    let traceId = traces.get(span.traceId);
    if (traceId === undefined) {
      traceId = span.traceId;
      traces.set(traceId, traceId);
      if (waterfallTraces.length < maxWaterfallTraces) waterfallTraces.push(traceId);
    }
    const kind = classify(span);
    if (kind !== undefined && isDuplicate(span)) return;
    spans++;
    const name = pool.intern(span.name) as string;
    countsByName.set(name, (countsByName.get(name) ?? 0) + 1);
    if (kind === 'operation') {
      operationSpans++;
      operationsById.set(span.spanId, operationRecord(span, traceId, pool));
    } else if (kind === 'attempt') {
      attemptsById.set(span.spanId, attemptRecord(span, traceId, pool));
    } else if (kind === 'phase') {
      phaseIds.add(span.spanId);
      phases.push(phaseRecord(span, traceId));
    }
    if (options.progressHook && spans % PROGRESS_EVERY === 0) options.progressHook(spans);
  }

  function finish(): AnalysisResult {
    if (finished) throw new Error('createAnalysis: finish() called twice');
    finished = true;
    const resolved = resolve(operationsById, attemptsById, phases, warnings);
    const context: RuleContext = { ...resolved, callerRegion: options.callerRegion };
    const findings = runRules(context, warnings);
    const spanCountsByName: Record<string, number> = {};
    for (const name of [...countsByName.keys()].sort()) spanCountsByName[name] = countsByName.get(name) ?? 0;
    return {
      schemaVersion: 1,
      findings,
      stats: {
        spans,
        traces: traces.size,
        operations: operationSpans,
        attempts: resolved.attempts.length,
        reusedAttempts: resolved.attempts.filter((attempt) => !attempt.isNew && attempt.reused === true)
          .length,
        spanCountsByName,
      },
      waterfalls: buildWaterfalls(waterfallTraces, resolved.operations),
      warnings: warnings.toArray(),
    };
  }

  return { add, finish };
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
  const analysis = createAnalysis(options);
  for await (const span of spans) analysis.add(span);
  return analysis.finish();
}
