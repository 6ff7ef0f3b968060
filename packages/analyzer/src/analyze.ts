import { FINDING_CODES, SPAN_DNS_LOOKUP } from '@wirescope/semconv';
import { attemptLatency } from './engine/attempt-latency.js';
import {
  type Attached,
  attachBody,
  attachPhase,
  classify,
  originOf,
  type PendingBody,
  pendingBody,
  pendingPhase,
  writeAttempt,
  writeOperation,
} from './engine/collect.js';
import { IdIndex } from './engine/columns.js';
import { adoptTlsVersion, OTHER_PHASE_NAMES } from './engine/other-instrumentations.js';
import { attemptRef, eachCall, keptOperations, operationViews, opRef, resolve } from './engine/resolve.js';
import { AttemptStore, CHUNK_MASK, Interning, OperationStore, type PendingPhase } from './engine/store.js';
import { attachStrayPhases } from './engine/stray-phases.js';
import { TraceTitles } from './engine/trace-titles.js';
import { WarningList } from './engine/warnings.js';
import { buildWaterfalls } from './engine/waterfall.js';
import { recordBatchesOf, watchSkips } from './readers/read-spans.js';
import type { SkippedRecord } from './readers/types.js';
import type { RuleContext } from './records.js';
import { ALL_RULES } from './rules/all-rules.js';
import { computeCoverage } from './rules/coverage.js';
import { releaseScratch } from './rules/rule-helpers.js';
import { newRecord, recordOfWire, type SpanRecord } from './span-record/record.js';
import type { Analysis, AnalysisResult, AnalyzeOptions, Finding, WireSpan } from './types.js';

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
  return createEngine(options);
}

/** Key of the pending phases of an attempt, a small integer (attempts may share one: the phases say whose they are). */
const pendingKey = (hi: number, lo: number) => ((hi ^ Math.imul(lo, 0x9e3779b1)) >>> 2) | 0;

function createEngine(options: AnalyzeOptions): Analysis {
  const maxWaterfallTraces = Math.max(0, options.maxWaterfallTraces ?? 50);
  const n = new Interning();
  const warnings = new WarningList();
  const waterfallTraces: string[] = [];
  /** Trace numbers of `waterfallTraces`. */
  const waterfallTraceNumbers = new Set<number>();
  /** What each waterfall trace is (root span, service), for its title. */
  const titles = new TraceTitles();
  const countsByName = new Map<string, number>();
  const ops = new OperationStore();
  const attempts = new AttemptStore();
  // The index asks the low half of an id of the row's column (operation rows are even refs).
  const byId = new IdIndex((ref) =>
    ref % 2 === 0 ? (ops.at(ref / 2).lo[(ref / 2) & CHUNK_MASK] as number) : attemptLo((ref - 1) / 2),
  );
  const attemptLo = (row: number) => attempts.at(row).lo[row & CHUNK_MASK] as number;
  /**
   * Phases whose attempt has not arrived yet (OpenTelemetry exports children first), by `pendingKey` of
   * the attempt's span id: lists linked through `next`, in arrival order; attached ones are used again.
   */
  const pending = new Map<number, PendingPhase>();
  /** By attempt row and phase kind: another instrumentation's phase kept under a name not its usual one. */
  const otherPhaseNames = new Map<number, string>();
  const spare: PendingPhase[] = [];
  /** The phase of a span whose attempt is already there: attached at once. */
  const immediate = pendingPhase(newRecord(), 0);
  /** Phases of other instrumentations whose parent is an operation or another phase: placed at finish. */
  const strays: PendingPhase[] = [];
  /** Response body spans read before their attempt (rare: they end after it): placed at finish. */
  const pendingBodies: PendingBody[] = [];
  /** Spans by instrumentation scope ('' when the input does not say). */
  const scopes = new Map<string, number>();
  /** Origins (processes) where another instrumentation recorded tcp/tls phases, and dns lookups. */
  const netOrigins = new Set<string>();
  const dnsOrigins = new Set<string>();
  let spans = 0;
  /** Records the readers skipped: bad ones are warnings, other signals are counted per file. */
  let badRecords = 0;
  const notTracesByFile = new Map<string, number>();
  /** Spans another instrumentation made of a call or a phase wirescope recorded too: not counted. */
  let duplicateSpans = 0;
  let finished = false;

  function count(name: string, delta: number): void {
    spans += delta;
    countsByName.set(name, (countsByName.get(name) ?? 0) + delta);
  }

  /** A second instrumentation's record of a call or phase: not counted under its name. */
  function countDuplicate(name: string): void {
    count(name, -1);
    duplicateSpans++;
  }

  function duplicate(hi: number, lo: number, name: string, trace: number): void {
    warnings.add(
      `duplicate span id ${n.ids.text(hi, lo)} (${name}) in trace ${n.traces.text(trace)}: kept the first`,
    );
  }

  function attach(row: number, phase: PendingPhase): void {
    if (attempts.at(row).trace[row & CHUNK_MASK] !== phase.trace) return;
    const result: Attached = attachPhase(attempts, row, phase);
    if (result === 'duplicate') {
      duplicate(phase.hi, phase.lo, phase.name, phase.trace);
      count(phase.name, -1);
    } else if (result === 'other-dropped') countDuplicate(phase.name);
    else if (result === 'other-replaced') {
      // Uncounted under the name the replaced span had (another scope's `tls.handshake` is not a `tls.connect`).
      const key = row * 3 + phase.kind;
      countDuplicate(otherPhaseNames.get(key) ?? (OTHER_PHASE_NAMES[phase.kind] as string));
      otherPhaseNames.delete(key);
    } else if (phase.other && phase.name !== OTHER_PHASE_NAMES[phase.kind])
      otherPhaseNames.set(row * 3 + phase.kind, phase.name);
    if (phase.tlsVersion !== '') adoptTlsVersion(attempts, row, phase.tlsVersion, n);
    // instrumentation-net's tcp.connect is a child of its tls.connect: it belongs to the same attempt.
    if (phase.other && pending.size > 0) attachWaiting(row, phase.hi, phase.lo);
  }

  /** Phases that waited for the attempt `row` (span id `hi`/`lo`). */
  function attachWaiting(row: number, hi: number, lo: number): void {
    const key = pendingKey(hi, lo);
    let phase = pending.get(key);
    if (!phase) return;
    let othersHead: PendingPhase | undefined;
    let othersTail: PendingPhase | undefined;
    while (phase) {
      const next: PendingPhase | undefined = phase.next;
      phase.next = undefined;
      if (phase.parHi === hi && phase.parLo === lo) {
        attach(row, phase);
        spare.push(phase);
      } else {
        if (othersTail) othersTail.next = phase;
        else othersHead = phase;
        othersTail = phase;
      }
      phase = next;
    }
    if (othersHead) pending.set(key, othersHead);
    else pending.delete(key);
  }

  function add(span: WireSpan): void {
    addRecord(recordOfWire(span));
  }

  /**
   * One input: a `readSpans` iterator nobody has pulled from is read as record batches (the readers'
   * fast path; OTLP JSON Lines straight from the bytes) and what it skips is noted, any other iterable
   * span by span. The library's `analyze()` and the CLI both come through here (issue 12).
   */
  async function addInput(spans: Iterable<WireSpan> | AsyncIterable<WireSpan>): Promise<number> {
    if (finished) throw new Error('createAnalysis: addInput() after finish()');
    let read = 0;
    watchSkips(spans, addSkipped);
    const batches = recordBatchesOf(spans);
    if (batches) {
      // A batch's records may be reused for the next one: each is used up before the next is pulled.
      for await (const batch of batches) {
        for (let i = 0; i < batch.length; i++) addRecord(batch[i]!);
        read += batch.length;
      }
    } else {
      for await (const span of spans) {
        add(span);
        read++;
      }
    }
    return read;
  }

  function addSkipped(record: SkippedRecord): void {
    if (finished) throw new Error('createAnalysis: addSkipped() after finish()');
    if (record.reason === 'not-traces') {
      notTracesByFile.set(record.file, (notTracesByFile.get(record.file) ?? 0) + 1);
    } else {
      badRecords++;
      warnings.add(`${record.message} (record skipped)`);
    }
  }

  function addRecord(span: SpanRecord): void {
    if (finished) throw new Error('createAnalysis: add() after finish()');
    let trace: number;
    if (span.traceText !== undefined) trace = n.traces.id(span.traceText);
    else trace = n.traces.idOfWords(span.traceWords);
    if (n.traces.added && waterfallTraces.length < maxWaterfallTraces) {
      waterfallTraces.push(n.traces.text(trace));
      waterfallTraceNumbers.add(trace);
      titles.track(trace, n.traces.text(trace));
    }
    if (span.spanText !== undefined) {
      n.ids.split(span.spanText);
      span.hi = n.ids.hi;
      span.lo = n.ids.lo;
    }
    if (span.parentText !== undefined) {
      n.ids.split(span.parentText);
      span.parHi = n.ids.hi;
      span.parLo = n.ids.lo;
      span.hasParent = true;
    }
    if (waterfallTraceNumbers.has(trace)) titles.note(trace, span);
    const kind = classify(span);
    scopes.set(span.scope, (scopes.get(span.scope) ?? 0) + 1);
    // The row a new operation or attempt gets: taken only when its id is new.
    if (kind === 'operation' || kind === 'attempt' || kind === 'http') {
      const ref = kind === 'operation' ? opRef(ops.size) : attemptRef(attempts.size);
      if (byId.insert(span.hi, span.lo, ref) >= 0) {
        duplicate(span.hi, span.lo, span.name, trace);
        return;
      }
    }
    count(span.name, 1);
    if (kind === 'operation') {
      writeOperation(span, trace, ops, n);
    } else if (kind === 'attempt' || kind === 'http') {
      const row = writeAttempt(span, trace, attempts, n, kind === 'http');
      if (pending.size > 0) attachWaiting(row, span.hi, span.lo);
    } else if (kind === 'phase' && span.hasParent) {
      const ref = byId.get(span.parHi, span.parLo);
      const phase = pendingPhase(span, trace, ref >= 0 && ref % 2 === 1 ? immediate : spare.pop());
      if (phase.other) (span.name === SPAN_DNS_LOOKUP ? dnsOrigins : netOrigins).add(originOf(span));
      if (ref >= 0 && ref % 2 === 1) attach((ref - 1) / 2, phase);
      else if (ref >= 0) {
        // Under an operation: instrumentation-net and -dns spans of fetch (undici) calls are siblings of
        // the HTTP span, not its children; placed by time at finish.
        if (phase.other) strays.push(phase);
      } else {
        const key = pendingKey(span.parHi, span.parLo);
        let last = pending.get(key);
        if (!last) pending.set(key, phase);
        else {
          while (last.next) last = last.next;
          last.next = phase;
        }
      }
    } else if (kind === 'body') {
      const body = pendingBody(span, trace);
      const ref = byId.get(span.parHi, span.parLo);
      if (ref >= 0 && ref % 2 === 1) attachBody(attempts, (ref - 1) / 2, body);
      else if (ref < 0) pendingBodies.push(body);
    }
    if (options.progressHook && spans % PROGRESS_EVERY === 0) options.progressHook(spans);
  }

  function finish(): AnalysisResult {
    if (finished) throw new Error('createAnalysis: finish() called twice');
    finished = true;
    for (const list of pending.values())
      for (let p: PendingPhase | undefined = list; p; p = p.next) if (p.other) strays.push(p);
    pending.clear();
    if (strays.length > 0) attachStrayPhases(strays, attempts, attach);
    for (const body of pendingBodies) {
      const ref = byId.get(body.parHi, body.parLo);
      if (ref >= 0 && ref % 2 === 1) attachBody(attempts, (ref - 1) / 2, body);
    }
    pendingBodies.length = 0;
    const resolved = resolve(ops, attempts, byId, n, warnings, {
      dropped: countDuplicate,
      connectionFactsFrom: (origin) => netOrigins.has(origin),
    });
    byId.release();
    n.traces.releaseIndex();
    const context: RuleContext = { ...resolved, callerRegion: options.callerRegion };
    const findings = runRules(context, warnings);
    const coverage = computeCoverage(context, eachCall(resolved.stores, resolved.attempts), {
      scopes,
      dnsFrom: (origin) => dnsOrigins.has(origin),
    });
    const spanCountsByName: Record<string, number> = {};
    for (const name of [...countsByName.keys()].sort()) spanCountsByName[name] = countsByName.get(name) ?? 0;
    let notTraces = 0;
    for (const [file, count] of notTracesByFile) {
      notTraces += count;
      warnings.add(
        `${file}: ${count} ${count === 1 ? 'record' : 'records'} of metrics, logs or profiles, not traces (skipped)`,
      );
    }
    const skipped = badRecords + notTraces > 0 ? { skipped: { notTraces, badRecords } } : {};
    const http2Attempts = resolved.attempts.reduce((count, a) => count + (a.http2 !== undefined ? 1 : 0), 0);
    return {
      schemaVersion: 2,
      findings,
      coverage,
      stats: {
        spans,
        traces: n.traces.size,
        operations: keptOperations(ops),
        duplicateSpans,
        attempts: resolved.attempts.length,
        reusedAttempts: reusedCount(resolved.attempts),
        ...(http2Attempts > 0 ? { http2Attempts } : {}),
        spanCountsByName,
        ...skipped,
      },
      waterfalls: buildWaterfalls(
        waterfallTraces,
        operationViews(resolved.stores, (c, i) => waterfallTraceNumbers.has(c.trace[i] as number)),
        options.maxWaterfallOperations,
        titles.byTraceId(),
      ),
      attemptLatency: attemptLatency(resolved.attempts),
      warnings: warnings.toArray(),
    };
  }

  return { add, addInput, addSkipped, finish };
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
  releaseScratch();
  const order = (code: string) => (FINDING_CODES as readonly string[]).indexOf(code);
  return findings.sort((a, b) => b.costMs - a.costMs || order(a.code) - order(b.code));
}

/** Analyzes spans from any (async) iterable: `analyze(readSpans(file))`, one {@link Analysis.addInput}. */
export async function analyze(
  spans: Iterable<WireSpan> | AsyncIterable<WireSpan>,
  options: AnalyzeOptions = {},
): Promise<AnalysisResult> {
  const analysis = createAnalysis(options);
  await analysis.addInput(spans);
  return analysis.finish();
}
