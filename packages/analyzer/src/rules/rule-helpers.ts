import type { FindingCode } from '@wirescope/semconv';
import type { AttemptRecord, RuleContext } from '../records.js';
import type { Finding, FindingEvidence, Severity } from '../types.js';

/** Most span ids (and trace ids) a finding lists; `spanIdsTotal` keeps the full count. */
export const MAX_EVIDENCE_IDS = 20;

/** Builds evidence from the spans that show a problem, capping the id lists. */
export function evidence(
  spans: ReadonlyArray<{ spanId: string; traceId: string }>,
  counts: Record<string, number>,
  measurements: Record<string, number>,
): FindingEvidence {
  return evidenceOf(
    spans.length,
    (i) => spans[i] as { spanId: string; traceId: string },
    counts,
    measurements,
  );
}

/**
 * {@link evidence} of `total` spans given one at a time by `spanAt`, which is asked only for the few
 * the evidence names: for spans made on demand (an attempt's `phases` builds its phase records).
 */
export function evidenceOf(
  total: number,
  spanAt: (index: number) => { spanId: string; traceId: string },
  counts: Record<string, number>,
  measurements: Record<string, number>,
): FindingEvidence {
  const traceIds: string[] = [];
  const spanIds: string[] = [];
  for (let i = 0; i < total && (traceIds.length < MAX_EVIDENCE_IDS || i < MAX_EVIDENCE_IDS); i++) {
    const span = spanAt(i);
    if (i < MAX_EVIDENCE_IDS) spanIds.push(span.spanId);
    if (traceIds.length < MAX_EVIDENCE_IDS && !traceIds.includes(span.traceId)) traceIds.push(span.traceId);
  }
  const rounded: Record<string, number> = {};
  for (const [key, value] of Object.entries(measurements)) rounded[key] = roundMs(value);
  return { spanIds, spanIdsTotal: total, traceIds, counts, measurements: rounded };
}

/** Rounds milliseconds to 0.1 ms. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** `190 ms`, `1.2 ms`, `3.4 s`: one number with its unit, for summaries. */
export function ms(value: number): string {
  if (value >= 1000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 100) return `${Math.round(value)} ms`;
  if (value >= 10) return `${value.toFixed(0)} ms`;
  return `${value.toFixed(1)} ms`;
}

/** `1 call`, `3 calls`. */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

/** Median of a list (0 for an empty list). */
export function median(values: number[]): number {
  if (values.length === 0) return 0;
  // A typed copy sorts numerically without a comparator and holds no boxed numbers.
  const sorted = Float64Array.from(values).sort();
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Sum of a list. */
export function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** `host:port` of an attempt (connections are pooled per host and port). */
export function hostOf(attempt: AttemptRecord): string {
  const host = attempt.serverAddress ?? '(unknown host)';
  return attempt.serverPort !== undefined ? `${host}:${attempt.serverPort}` : host;
}

/** Milliseconds an attempt spent opening its connection: dns + tcp + tls phase durations. */
export function handshakeMs(attempt: AttemptRecord): number {
  return (attempt.phaseMs('dns') ?? 0) + (attempt.phaseMs('tcp') ?? 0) + (attempt.phaseMs('tls') ?? 0);
}

const poolGroups = new WeakMap<RuleContext, Map<string, AttemptRecord[]>>();

/** Every attempt grouped by `poolKey` (first-seen order), made once per analysis for the rules that need it. */
export function attemptsByPool(context: RuleContext): Map<string, AttemptRecord[]> {
  let groups = poolGroups.get(context);
  if (!groups) {
    groups = groupBy(context.attempts, (a) => a.poolKey);
    poolGroups.set(context, groups);
  }
  return groups;
}

type Part = string | number | undefined;

/** Key strings made once per distinct tuple of parts (group keys are asked for once per attempt). */
export class KeyMemo {
  private readonly root = new Map<Part, Map<Part, Map<Part, Map<Part, string>>>>();
  /** The key of the parts, made by `make` the first time. */
  key(a: Part, b: Part, c: Part, d: Part, make: () => string): string {
    const level3 = child(child(child(this.root, a), b), c);
    let key = level3.get(d);
    if (key === undefined) {
      key = make();
      level3.set(d, key);
    }
    return key;
  }
}

/** The map under `part`, made when missing. */
function child<V>(map: Map<Part, Map<Part, V>>, part: Part): Map<Part, V> {
  let next = map.get(part);
  if (!next) {
    next = new Map();
    map.set(part, next);
  }
  return next;
}

/** Groups items by a key, keeping first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  // Indexed, not for…of: the rules' loops over every attempt run once each, mostly before V8 optimizes
  // them, and an iterator result per item was the rules' largest garbage (1M spans: ~130 of ~400 MB).
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as T;
    const k = key(item);
    if (k === undefined) continue;
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Distinct operation names of attempts, for summaries (`S3.PutObject, S3.GetObject`). */
export function operationNames(attempts: AttemptRecord[], limit = 3): string {
  const seen = new Set<string>();
  let lastCall: number | undefined;
  for (let i = 0; i < attempts.length; i++) {
    const a = attempts[i] as AttemptRecord;
    // A call's attempts are one operation: its name is read once per run of them.
    const call = a.callKey as number | undefined;
    if (call !== undefined && call === lastCall) continue;
    lastCall = call;
    seen.add(a.operation?.name ?? a.name.replace(/ attempt$/, ''));
  }
  const names = [...seen];
  return names.length > limit ? `${names.slice(0, limit).join(', ')}, …` : names.join(', ');
}

/**
 * How many calls the attempts belong to (an attempt without an operation counts as its own call):
 * their call keys sorted in scratch buffer 0 (so not while a caller holds it) and counted. A `Set` of
 * 200k keys grew its table in large-object space, megabytes at a time, at the peak of the analysis's
 * memory.
 */
export function distinctCalls(attempts: readonly AttemptRecord[]): number {
  const keys = scratch(0, attempts.length);
  for (let i = 0; i < attempts.length; i++) keys[i] = (attempts[i] as AttemptRecord).callKey;
  keys.sort();
  let count = 0;
  for (let i = 0; i < keys.length; i++) if (i === 0 || keys[i] !== keys[i - 1]) count++;
  return count;
}

/**
 * Two number buffers the rules sort in, kept for the next group (a new pair per group is megabytes of
 * garbage) until the rules are done (`releaseScratch`).
 */
let scratchBuffers: Float64Array[] = [new Float64Array(1024), new Float64Array(1024)];

/** Lets the scratch buffers go: the rules of an analysis are done. */
export function releaseScratch(): void {
  scratchBuffers = [new Float64Array(1024), new Float64Array(1024)];
}

/** The first `length` slots of scratch buffer `k` (grown when needed). */
export function scratch(k: 0 | 1, length: number): Float64Array {
  let buffer = scratchBuffers[k] as Float64Array;
  if (buffer.length < length) {
    buffer = new Float64Array(Math.max(length, buffer.length * 2));
    scratchBuffers[k] = buffer;
  }
  return buffer.subarray(0, length);
}

/**
 * Most attempts to one host in flight at the same time: the connections a keep-alive pool legitimately
 * opens. Connections beyond it are churn.
 */
export function peakConcurrency(attempts: AttemptRecord[]): number {
  // Sorted starts and ends in typed arrays (no tuple per attempt); an end at the same time as a start
  // is counted first, as before.
  const starts = scratch(0, attempts.length);
  const ends = scratch(1, attempts.length);
  attempts.forEach((a, i) => {
    starts[i] = a.startMs;
    ends[i] = a.startMs + a.durationMs;
  });
  starts.sort();
  ends.sort();
  let current = 0;
  let peak = 0;
  let e = 0;
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i] as number;
    while (e < ends.length && (ends[e] as number) <= start) {
      e++;
      current--;
    }
    current++;
    if (current > peak) peak = current;
  }
  return peak;
}

/** Severity from the cost per affected call: ≥ 100 ms error, ≥ 10 ms warning, else info. */
export function severityForCost(costPerCallMs: number): Severity {
  if (costPerCallMs >= 100) return 'error';
  if (costPerCallMs >= 10) return 'warning';
  return 'info';
}

/** Assembles a finding, rounding the costs. */
export function finding(parts: {
  code: FindingCode;
  severity: Severity;
  summary: string;
  costMs: number;
  costPerCallMs: number;
  costBasis: string;
  fix: string;
  evidence: FindingEvidence;
}): Finding {
  return { ...parts, costMs: roundMs(parts.costMs), costPerCallMs: roundMs(parts.costPerCallMs) };
}
