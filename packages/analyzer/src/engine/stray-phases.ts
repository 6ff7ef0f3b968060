import { A, type AttemptStore, CHUNK_MASK, type PendingPhase } from './store.js';

/** Slack (ms) when a phase's start is matched to an attempt's interval: the JS SDK rounds starts to 1 ms. */
const START_SLACK_MS = 1;

/** `hi:lo` of a span id, as a map key. */
const idKey = (hi: number, lo: number) => `${hi}:${lo}`;

/**
 * Places the connection phases of other instrumentations that are not children of an attempt span,
 * once every span is in:
 * - a phase under another phase (instrumentation-net's `tcp.connect` under its `tls.connect`) goes where
 *   its parent went;
 * - a phase under an operation or any other span (instrumentation-net and -dns spans of undici/fetch
 *   calls are siblings of the HTTP span) goes to the attempt with the same parent whose interval holds
 *   the phase's start (the latest such attempt).
 * Phases that match nothing (connections of calls that are not AWS calls) are left out.
 */
export function attachStrayPhases(
  strays: PendingPhase[],
  attempts: AttemptStore,
  attach: (row: number, phase: PendingPhase) => void,
): void {
  let left = strays;
  for (let round = 0; round < 4 && left.length > 0; round++) {
    const before = left.length;
    left = underSiblings(underPhases(left, attempts, attach), attempts, attach);
    if (left.length === before) break;
  }
}

/** Attaches the phases whose parent is a placed phase; returns the others. */
function underPhases(
  strays: PendingPhase[],
  attempts: AttemptStore,
  attach: (row: number, phase: PendingPhase) => void,
): PendingPhase[] {
  const owner = new Map<string, number>();
  const otherBits = A.phaseOther * 7;
  for (let row = 0; row < attempts.size; row++) {
    const c = attempts.at(row);
    const i = row & CHUNK_MASK;
    if (((c.flags[i] as number) & otherBits) === 0) continue;
    const prow = c.prow[i] as number;
    const p = attempts.phasesAt(prow);
    for (let k = 0; k < 3; k++) {
      if (((c.flags[i] as number) & (A.phasePresent << k)) === 0) continue;
      const slot = (prow & CHUNK_MASK) * 3 + k;
      owner.set(idKey(p.hi[slot] as number, p.lo[slot] as number), row);
    }
  }
  let left = strays;
  for (let progress = true; progress && left.length > 0; ) {
    progress = false;
    const next: PendingPhase[] = [];
    for (const phase of left) {
      const row = owner.get(idKey(phase.parHi, phase.parLo));
      if (row === undefined) next.push(phase);
      else {
        attach(row, phase);
        owner.set(idKey(phase.hi, phase.lo), row);
        progress = true;
      }
    }
    left = next;
  }
  return left;
}

/** Attaches the phases that fall inside an attempt with the same parent; returns the others. */
function underSiblings(
  strays: PendingPhase[],
  attempts: AttemptStore,
  attach: (row: number, phase: PendingPhase) => void,
): PendingPhase[] {
  if (strays.length === 0) return strays;
  const parentKey = (trace: number, hi: number, lo: number) => `${trace}/${idKey(hi, lo)}`;
  const siblings = new Map<string, number[]>();
  for (const phase of strays) siblings.set(parentKey(phase.trace, phase.parHi, phase.parLo), []);
  for (let row = 0; row < attempts.size; row++) {
    const c = attempts.at(row);
    const i = row & CHUNK_MASK;
    if (((c.flags[i] as number) & A.hasParent) === 0) continue;
    siblings.get(parentKey(c.trace[i] as number, c.parHi[i] as number, c.parLo[i] as number))?.push(row);
  }
  const left: PendingPhase[] = [];
  for (const phase of strays) {
    let best = -1;
    let bestStart = Number.NEGATIVE_INFINITY;
    for (const row of siblings.get(parentKey(phase.trace, phase.parHi, phase.parLo)) ?? []) {
      const c = attempts.at(row);
      const i = row & CHUNK_MASK;
      const start = c.start[i] as number;
      const end = start + (c.dur[i] as number);
      if (start - START_SLACK_MS <= phase.start && phase.start <= end + START_SLACK_MS && start > bestStart) {
        best = row;
        bestStart = start;
      }
    }
    if (best >= 0) attach(best, phase);
    else left.push(phase);
  }
  return left;
}
