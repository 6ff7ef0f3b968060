import type { IdIndex } from './columns.js';
import type { AttemptRecord, OperationRecord } from './internal-types.js';
import {
  A,
  type AttemptStore,
  CHUNK_MASK,
  type Interning,
  O,
  type OperationChunk,
  type OperationStore,
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

/**
 * Links attempts to operations, whatever order the spans arrived in (phases were put under their
 * attempts as they came). An attempt whose parent is not an operation span still counts (as a call
 * of its own parent id) and is warned about. Makes one two-field view object per row; the links
 * (operation, call order, next and previous attempt) are typed-array columns the views read.
 */
export function resolve(
  ops: OperationStore,
  attempts: AttemptStore,
  byId: IdIndex,
  n: Interning,
  warnings: WarningList,
): Resolved {
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
    const isNew =
      (flags & A.reusedKnown) !== 0 ? (flags & A.reused) === 0 : view.hasPhase('tcp') || view.hasPhase('tls');
    if (isNew) c.flags[i] = flags |= A.isNew;
    if ((flags & A.hasParent) !== 0) {
      const ref = byId.get(c.parHi[i] as number, c.parLo[i] as number);
      const op = ref / 2;
      if (ref >= 0 && ref % 2 === 0 && ops.at(op).trace[op & CHUNK_MASK] === c.trace[i]) {
        opOf[row] = op;
        callStart[op + 1] = (callStart[op + 1] as number) + 1;
        continue;
      }
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
  };
  for (let op = 0; op < ops.size; op++) link(callRows, callStart[op] as number, callStart[op + 1] as number);
  for (const rows of orphans.values()) link(rows, 0, rows.length);
  // Spans mostly arrive in start order: no second array of views when they did.
  let inOrder = true;
  for (let row = 1; row < count && inOrder; row++)
    inOrder = (attemptViews[row - 1] as AttemptView).startMs <= (attemptViews[row] as AttemptView).startMs;
  const sorted: AttemptRecord[] = inOrder
    ? attemptViews
    : attemptViews.slice().sort((a, b) => a.startMs - b.startMs);
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
    if (!keep(c, i)) continue;
    const hasAttempts = (x.callStart[row + 1] as number) > (x.callStart[row] as number);
    if (hasAttempts || ((c.flags[i] as number) & O.wirescope) !== 0) out.push(new OperationView(x, row));
  }
  return out.sort((a, b) => a.startMs - b.startMs);
}
