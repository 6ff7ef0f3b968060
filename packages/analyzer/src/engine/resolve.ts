import type { AttemptRecord, OperationRecord } from '../records.js';
import { attachPhase } from './collect.js';
import type { IdIndex } from './columns.js';
import { OTHER_PHASE_NAMES } from './other-instrumentations.js';
import {
  A,
  AttemptStore,
  CHUNK_MASK,
  type Interning,
  O,
  type OperationChunk,
  OperationStore,
  OSTR,
  STR,
} from './store.js';
import { AttemptView, OperationView, type Stores } from './views.js';
import type { WarningList } from './warnings.js';

/** What `resolve` returns: records linked into calls. */
export interface Resolved {
  /** Operations that followed region redirects, by start. */
  redirected: OperationRecord[];
  attempts: AttemptRecord[];
  /** The stores and links the views read. */
  stores: Stores;
}

/** Record number of an operation row in the id index (attempt rows are odd). */
export const opRef = (row: number) => row * 2;
/** Record number of an attempt row in the id index. */
export const attemptRef = (row: number) => row * 2 + 1;

/** Sorts attempt rows `from`…`to` of `rows` by attempt number, then start (stable). */
function sortCall(rows: Int32Array | number[], from: number, to: number, attempts: AttemptStore) {
  const attempt = (row: number) => attempts.at(row).attempt[row & CHUNK_MASK] as number;
  const start = (row: number) => attempts.at(row).start[row & CHUNK_MASK] as number;
  const before = (a: number, b: number) => attempt(a) - attempt(b) || start(a) - start(b);
  if (to - from <= 16) {
    for (let i = from + 1; i < to; i++) {
      const row = rows[i] as number;
      let j = i - 1;
      while (j >= from && before(rows[j] as number, row) > 0) {
        rows[j + 1] = rows[j] as number;
        j--;
      }
      rows[j + 1] = row;
    }
    return;
  }
  const part = Array.from(rows.slice(from, to)).sort(before);
  for (let i = from; i < to; i++) rows[i] = part[i - from] as number;
}

/** What `resolve` needs to know besides the stores. */
export interface ResolveHooks {
  /** Called with the name of each span left out as a second record of a call (mixed set-ups). */
  dropped(name: string): void;
  /** True when another instrumentation recorded connection phases in this origin (process). */
  connectionFactsFrom(origin: string): boolean;
}

/**
 * Links attempts to operations, whatever order the spans arrived in (phases were put under their
 * attempts as they came). An attempt whose parent is not an operation span still counts (as a call
 * of its own parent id) and is warned about. Makes one two-field view object per row; the links
 * (operation, call order, next and previous attempt) are typed-array columns the views read.
 *
 * Other instrumentations' spans: an operation span of instrumentation-aws-sdk next to the plugin's
 * (parent or child of it) is left out, and so is an HTTP client span under a wirescope attempt (its
 * phases go to the attempt); an HTTP client span under an AWS operation is an attempt of its own
 * (numbered in start order; new when a tcp/tls phase is under it, else reused when another
 * instrumentation recorded connection phases in the same process); other HTTP client spans are not
 * AWS calls and are left out quietly.
 */
export function resolve(
  ops: OperationStore,
  attempts: AttemptStore,
  byId: IdIndex,
  n: Interning,
  warnings: WarningList,
  hooks: ResolveHooks,
): Resolved {
  dropSecondRecords(ops, attempts, byId, n, hooks);
  const count = attempts.size;
  const x: Stores = {
    ops,
    attempts,
    n,
    attemptViews: new Array(count),
    opOf: new Int32Array(count).fill(-1),
    next: new Int32Array(count).fill(-1),
    previous: new Int32Array(count).fill(-1),
    callStart: new Int32Array(ops.size + 1),
    callRows: new Int32Array(count),
  };
  const { attemptViews, opOf, callStart, callRows } = x;
  const orphans = new Map<string, number[]>();
  for (let row = 0; row < count; row++) {
    const view = new AttemptView(x, row);
    attemptViews[row] = view;
    const c = attempts.at(row);
    const i = row & CHUNK_MASK;
    let flags = c.flags[i] as number;
    if ((flags & A.dropped) !== 0) continue;
    if ((flags & (A.phaseOther * 7)) !== 0) ownPhaseTimes(attempts, row);
    const isNew =
      (flags & A.reusedKnown) !== 0 ? (flags & A.reused) === 0 : view.hasPhase('tcp') || view.hasPhase('tls');
    if (isNew) c.flags[i] = flags |= A.isNew;
    const inferred = (flags & A.inferred) !== 0;
    if (inferred && hooks.connectionFactsFrom(view.origin))
      c.flags[i] = flags |= A.reusedKnown | (isNew ? 0 : A.reused);
    if ((flags & A.hasParent) !== 0) {
      const ref = byId.get(c.parHi[i] as number, c.parLo[i] as number);
      const op = ref / 2;
      if (
        ref >= 0 &&
        ref % 2 === 0 &&
        ops.at(op).trace[op & CHUNK_MASK] === c.trace[i] &&
        ((ops.at(op).flags[op & CHUNK_MASK] as number) & O.dropped) === 0
      ) {
        opOf[row] = op;
        callStart[op + 1] = (callStart[op + 1] as number) + 1;
        continue;
      }
    }
    if (inferred) {
      // An HTTP call that is not an AWS SDK call: not ours to judge.
      c.flags[i] = flags | A.dropped;
      continue;
    }
    const parent = view.parentSpanId;
    warnings.add(
      parent
        ? `attempt span ${view.spanId} (${view.name}) in trace ${view.traceId}: parent ${parent} is not an operation span in the input; analyzed without it`
        : `attempt span ${view.spanId} (${view.name}) in trace ${view.traceId} has no parent; analyzed without its operation`,
    );
    const key = `${view.traceId}/${parent ?? view.spanId}`;
    const group = orphans.get(key);
    if (group) group.push(row);
    else orphans.set(key, [row]);
  }
  for (let op = 0; op < ops.size; op++)
    callStart[op + 1] = (callStart[op + 1] as number) + (callStart[op] as number);
  const fill = callStart.slice(0, ops.size);
  for (let row = 0; row < count; row++) {
    const op = opOf[row] as number;
    if (op >= 0) callRows[(fill[op] as number)++] = row;
  }
  const link = (rows: Int32Array | number[], from: number, to: number) => {
    if (to - from > 1) sortCall(rows, from, to, attempts);
    for (let i = from + 1; i < to; i++) {
      x.next[rows[i - 1] as number] = rows[i] as number;
      x.previous[rows[i] as number] = rows[i - 1] as number;
    }
    // Inferred attempts (numbered 0) sort first, in start order: number them so.
    for (let i = from; i < to; i++) {
      const row = rows[i] as number;
      const c = attempts.at(row);
      if (c.attempt[row & CHUNK_MASK] === 0) c.attempt[row & CHUNK_MASK] = i - from + 1;
    }
  };
  for (let op = 0; op < ops.size; op++) link(callRows, callStart[op] as number, callStart[op + 1] as number);
  for (const rows of orphans.values()) link(rows, 0, rows.length);
  // Spans mostly arrive in start order: no second array of views when they did.
  let inOrder = true;
  let anyDropped = false;
  for (let row = 0; row < count; row++) {
    if ((attemptViews[row] as AttemptView).dropped) anyDropped = true;
    else if (row > 0 && inOrder)
      inOrder = (attemptViews[row - 1] as AttemptView).startMs <= (attemptViews[row] as AttemptView).startMs;
  }
  const kept = anyDropped ? attemptViews.filter((view) => !view.dropped) : attemptViews;
  // `attemptViews` is indexed by row: sort a copy.
  const sorted: AttemptRecord[] = inOrder
    ? kept
    : (kept === attemptViews ? kept.slice() : kept).sort((a, b) => a.startMs - b.startMs);
  const redirected = operationViews(x, (c, i) => (c.redirects[i] as number) > 0);
  return { redirected, attempts: sorted, stores: x };
}

/**
 * Views of the operations the plugin made (or with attempts) whose row passes `keep`, by start. Views of
 * operations are made on demand, never one per row: a million small objects would double the memory
 * the rules run in.
 */
export function operationViews(
  x: Stores,
  keep: (chunk: OperationChunk, i: number) => boolean,
): OperationView[] {
  const out: OperationView[] = [];
  for (let row = 0; row < x.ops.size; row++) {
    const c = x.ops.at(row);
    const i = row & CHUNK_MASK;
    if (((c.flags[i] as number) & O.dropped) !== 0 || !keep(c, i)) continue;
    const hasAttempts = (x.callStart[row + 1] as number) > (x.callStart[row] as number);
    if (hasAttempts || ((c.flags[i] as number) & O.wirescope) !== 0) out.push(new OperationView(x, row));
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}

/**
 * Mixed set-ups (the plugin beside the standard instrumentations) record one call twice: the
 * instrumentation-aws-sdk operation span is the plugin's parent or child, and an instrumentation-http or
 * -undici span is a child of the plugin's attempt. The other instrumentation's record is left out (its
 * phases go to the plugin's attempt, where the plugin's own phases win), so each call counts once.
 */
function dropSecondRecords(
  ops: OperationStore,
  attempts: AttemptStore,
  byId: IdIndex,
  n: Interning,
  hooks: ResolveHooks,
): void {
  for (let row = 0; row < ops.size; row++) {
    const c = ops.at(row);
    const i = row & CHUNK_MASK;
    if (((c.flags[i] as number) & O.hasParent) === 0) continue;
    const ref = byId.get(c.parHi[i] as number, c.parLo[i] as number);
    if (ref < 0 || ref % 2 !== 0) continue;
    const parent = ref / 2;
    const p = ops.at(parent);
    const j = parent & CHUNK_MASK;
    if (p.trace[j] !== c.trace[i]) continue;
    const childOwn = ((c.flags[i] as number) & O.wirescope) !== 0;
    const parentOwn = ((p.flags[j] as number) & O.wirescope) !== 0;
    if (childOwn === parentOwn) continue;
    const [gone, at] = childOwn ? [p, j] : [c, i];
    if (((gone.flags[at] as number) & O.dropped) !== 0) continue;
    gone.flags[at] = (gone.flags[at] as number) | O.dropped;
    hooks.dropped(n.strings.get(gone.str[at * OperationStore.STRINGS + OSTR.name] as number) ?? '');
  }
  for (let row = 0; row < attempts.size; row++) {
    const c = attempts.at(row);
    const i = row & CHUNK_MASK;
    const flags = c.flags[i] as number;
    if ((flags & A.inferred) === 0 || (flags & A.hasParent) === 0) continue;
    const ref = byId.get(c.parHi[i] as number, c.parLo[i] as number);
    if (ref < 0 || ref % 2 !== 1) continue;
    const owner = (ref - 1) / 2;
    if (attempts.at(owner).trace[owner & CHUNK_MASK] !== c.trace[i]) continue;
    for (const kind of movePhases(attempts, row, owner)) hooks.dropped(OTHER_PHASE_NAMES[kind] as string);
    c.flags[i] = (c.flags[i] as number) | A.dropped;
    hooks.dropped(n.strings.get(c.str[i * AttemptStore.STRINGS + STR.name] as number) ?? '');
  }
}

/**
 * Gives the phases of attempt row `from` to row `to` (as another instrumentation's phases); returns the
 * kinds `to` already had from wirescope (those spans are not kept).
 */
function movePhases(attempts: AttemptStore, from: number, to: number): number[] {
  const c = attempts.at(from);
  const i = from & CHUNK_MASK;
  const flags = c.flags[i] as number;
  const notKept: number[] = [];
  if ((flags & (A.phasePresent * 7)) === 0) return notKept;
  const prow = c.prow[i] as number;
  const p = attempts.phasesAt(prow);
  for (let k = 0; k < 3; k++) {
    if ((flags & (A.phasePresent << k)) === 0) continue;
    const slot = (prow & CHUNK_MASK) * 3 + k;
    const result = attachPhase(attempts, to, {
      trace: c.trace[i] as number,
      hi: p.hi[slot] as number,
      lo: p.lo[slot] as number,
      parHi: 0,
      parLo: 0,
      kind: k,
      start: p.start[slot] as number,
      dur: p.dur[slot] as number,
      error: (flags & (A.phaseError << k)) !== 0,
      other: true,
      tlsVersion: '',
      name: '',
      next: undefined,
    });
    if (result === 'other-dropped') notKept.push(k);
  }
  return notKept;
}

/**
 * instrumentation-net's spans nest: `tls.connect` holds the TCP connect, and `tcp.connect` holds the DNS
 * lookup (`socket.connect` resolves the name first). wirescope's phases do not overlap: the outer
 * phase of another instrumentation is cut to the time after the inner one ended.
 */
function ownPhaseTimes(attempts: AttemptStore, row: number): void {
  const c = attempts.at(row);
  const i = row & CHUNK_MASK;
  const flags = c.flags[i] as number;
  const prow = c.prow[i] as number;
  const p = attempts.phasesAt(prow);
  const base = (prow & CHUNK_MASK) * 3;
  // tls (2) after tcp (1), tcp (1) after dns (0): outer first, so each cut uses the inner's own end.
  for (const [outer, inner] of [
    [2, 1],
    [1, 0],
  ] as const) {
    if ((flags & (A.phaseOther << outer)) === 0) continue;
    if ((flags & (A.phasePresent << inner)) === 0) continue;
    const os = base + outer;
    const is = base + inner;
    const oStart = p.start[os] as number;
    const oEnd = oStart + (p.dur[os] as number);
    const iEnd = (p.start[is] as number) + (p.dur[is] as number);
    if ((p.start[is] as number) + NEST_SLACK_MS < oStart || iEnd > oEnd + NEST_SLACK_MS) continue;
    p.start[os] = Math.min(iEnd, oEnd);
    p.dur[os] = Math.max(0, oEnd - iEnd);
  }
}

/** Slack (ms) when checking that one phase lies inside another: span starts are rounded to 1 ms. */
const NEST_SLACK_MS = 1;

/**
 * Every call once, as coverage reads it: each operation kept (one short-lived view at a time, none
 * retained), then the attempts without an operation grouped by call.
 */
export function* eachCall(
  x: Stores,
  attempts: readonly AttemptRecord[],
): Generator<{ operation: OperationRecord | undefined; attempts: AttemptRecord[] }> {
  for (let row = 0; row < x.ops.size; row++) {
    if (((x.ops.at(row).flags[row & CHUNK_MASK] as number) & O.dropped) !== 0) continue;
    const operation = new OperationView(x, row);
    yield { operation, attempts: operation.attempts };
  }
  const orphans = new Map<number, AttemptRecord[]>();
  for (const attempt of attempts) {
    if (attempt.operation !== undefined) continue;
    const list = orphans.get(attempt.callKey);
    if (list) list.push(attempt);
    else orphans.set(attempt.callKey, [attempt]);
  }
  for (const list of orphans.values()) yield { operation: undefined, attempts: list };
}

/** Operation rows kept (not a second record of a call). */
export function keptOperations(ops: OperationStore): number {
  let kept = 0;
  for (let row = 0; row < ops.size; row++)
    if (((ops.at(row).flags[row & CHUNK_MASK] as number) & O.dropped) === 0) kept++;
  return kept;
}
