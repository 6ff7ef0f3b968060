import type { AttemptRecord, CallGroup, OperationRecord, PhaseRecord } from './internal-types.js';
import type { WarningList } from './warnings.js';

/** What `resolve` returns: records linked into calls. */
export interface Resolved {
  operations: OperationRecord[];
  attempts: AttemptRecord[];
  calls: CallGroup[];
}

function attachPhase(attempt: AttemptRecord, phase: PhaseRecord): void {
  const known = attempt.phases[phase.kind];
  if (!known) {
    attempt.phases[phase.kind] = phase;
    return;
  }
  // Happy Eyeballs can make two tcp.connect spans under one attempt: keep the earliest start, sum the time.
  attempt.phases[phase.kind] = {
    ...known,
    startMs: Math.min(known.startMs, phase.startMs),
    durationMs: known.durationMs + phase.durationMs,
    error: known.error && phase.error,
  };
}

/**
 * Links phases to attempts and attempts to operations, whatever order the spans arrived in. An attempt
 * whose parent is not an operation span still counts (as a call of its own parent id) and is warned
 * about; a phase span whose parent is not an attempt is ignored by the rules (other instrumentations,
 * e.g. instrumentation-net, use the same span names).
 */
export function resolve(
  operationsById: Map<string, OperationRecord>,
  attemptsById: Map<string, AttemptRecord>,
  phases: PhaseRecord[],
  warnings: WarningList,
): Resolved {
  for (const phase of phases) {
    const attempt = phase.parentSpanId ? attemptsById.get(phase.parentSpanId) : undefined;
    if (attempt && attempt.traceId === phase.traceId) attachPhase(attempt, phase);
  }
  const groups = new Map<string, CallGroup>();
  const attempts = [...attemptsById.values()];
  for (const attempt of attempts) {
    attempt.isNew =
      attempt.reused !== undefined
        ? !attempt.reused
        : attempt.phases.tcp !== undefined || attempt.phases.tls !== undefined;
    const parent = attempt.parentSpanId ? operationsById.get(attempt.parentSpanId) : undefined;
    const operation = parent && parent.traceId === attempt.traceId ? parent : undefined;
    if (!operation) {
      warnings.add(
        attempt.parentSpanId
          ? `attempt span ${attempt.spanId} (${attempt.name}) in trace ${attempt.traceId}: parent ${attempt.parentSpanId} is not an operation span in the input; analyzed without it`
          : `attempt span ${attempt.spanId} (${attempt.name}) in trace ${attempt.traceId} has no parent; analyzed without its operation`,
      );
    }
    attempt.operation = operation;
    const key = `${attempt.traceId}/${attempt.parentSpanId ?? attempt.spanId}`;
    let group = groups.get(key);
    if (!group) {
      group = { operation, attempts: [] };
      groups.set(key, group);
    }
    group.attempts.push(attempt);
  }
  for (const group of groups.values()) {
    group.attempts.sort((a, b) => a.attempt - b.attempt || a.startMs - b.startMs);
    group.attempts.forEach((attempt, index) => {
      attempt.next = group.attempts[index + 1];
    });
    if (group.operation) group.operation.attempts = group.attempts;
  }
  attempts.sort((a, b) => a.startMs - b.startMs);
  const operations = [...operationsById.values()].filter((op) => op.wirescope || op.attempts.length > 0);
  operations.sort((a, b) => a.startMs - b.startMs);
  return { operations, attempts, calls: [...groups.values()] };
}
