import type { IdIndex } from './columns.js';
import type { AttemptRecord, CallGroup, OperationRecord } from './internal-types.js';
import { A, type AttemptStore, CHUNK_MASK, type Interning, type OperationStore } from './store.js';
import { AttemptView, OperationView, type Stores } from './views.js';
import type { WarningList } from './warnings.js';

/** What `resolve` returns: records linked into calls. */
export interface Resolved {
  operations: OperationRecord[];
  attempts: AttemptRecord[];
  calls: CallGroup[];
}

/** Record number of an operation row in the id index (attempt rows are odd). */
export const opRef = (row: number) => row * 2;
/** Record number of an attempt row in the id index. */
export const attemptRef = (row: number) => row * 2 + 1;

/**
 * Links attempts to operations, whatever order the spans arrived in (phases were put under their
 * attempts as they came). An attempt whose parent is not an operation span still counts (as a call
 * of its own parent id) and is warned about. Makes one small view object per row: the values stay in
 * the stores' columns.
 */
export function resolve(
  ops: OperationStore,
  attempts: AttemptStore,
  byId: IdIndex,
  n: Interning,
  warnings: WarningList,
): Resolved {
  const x: Stores = { ops, attempts, n };
  const opViews: OperationView[] = new Array(ops.size);
  for (let row = 0; row < ops.size; row++) opViews[row] = new OperationView(x, row);
  const views: AttemptView[] = new Array(attempts.size);
  const orphans = new Map<string, CallGroup>();
  for (let row = 0; row < attempts.size; row++) {
    const view = new AttemptView(x, row);
    views[row] = view;
    const c = attempts.at(row);
    const i = row & CHUNK_MASK;
    const flags = c.flags[i] as number;
    view.isNew =
      (flags & A.reusedKnown) !== 0 ? (flags & A.reused) === 0 : view.hasPhase(1) || view.hasPhase(2);
    let operation: OperationView | undefined;
    if ((flags & A.hasParent) !== 0) {
      const ref = byId.get(c.parHi[i] as number, c.parLo[i] as number);
      const op = ref / 2;
      if (ref >= 0 && ref % 2 === 0 && ops.at(op).trace[op & CHUNK_MASK] === c.trace[i])
        operation = opViews[op];
    }
    view.operation = operation;
    if (operation) {
      if (operation.attempts.length === 0) operation.attempts = [view];
      else operation.attempts.push(view);
      continue;
    }
    const parent = view.parentSpanId;
    warnings.add(
      parent
        ? `attempt span ${view.spanId} (${view.name}) in trace ${view.traceId}: parent ${parent} is not an operation span in the input; analyzed without it`
        : `attempt span ${view.spanId} (${view.name}) in trace ${view.traceId} has no parent; analyzed without its operation`,
    );
    const key = `${view.traceId}/${parent ?? view.spanId}`;
    let group = orphans.get(key);
    if (!group) {
      group = { operation: undefined, attempts: [] };
      orphans.set(key, group);
    }
    group.attempts.push(view);
  }
  const calls: CallGroup[] = opViews.filter((op) => op.attempts.length > 0);
  for (const group of orphans.values()) calls.push(group);
  for (const group of calls) {
    const list = group.attempts;
    if (list.length > 1) list.sort((a, b) => a.attempt - b.attempt || a.startMs - b.startMs);
    for (let i = 0; i < list.length; i++) {
      const attempt = list[i] as AttemptRecord;
      attempt.next = list[i + 1];
      attempt.previous = list[i - 1];
    }
  }
  const sorted: AttemptRecord[] = views.sort((a, b) => a.startMs - b.startMs);
  const operations = opViews.filter((op) => op.wirescope || op.attempts.length > 0);
  operations.sort((a, b) => a.startMs - b.startMs);
  return { operations, attempts: sorted, calls };
}
