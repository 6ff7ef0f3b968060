import { performance } from 'node:perf_hooks';

/**
 * The one clock of every producer: epoch milliseconds (fractional) from the monotonic performance
 * clock, with one wall-clock correction taken when the module loads. Every span start and end and
 * every duration comes from it: a child never ends after its parent and sub-millisecond calls stay
 * apart (the SDK's own start time is `Date.now()`, whole milliseconds). The correction is never
 * re-read: `Date.now()` has whole milliseconds, so each new reading would move every later time by up
 * to 1 ms, and a span that straddled it could end before it started or after its parent.
 */
const ORIGIN = performance.timeOrigin;
const OFFSET = Date.now() - (ORIGIN + performance.now());

/** Now, in epoch milliseconds with sub-millisecond precision. */
export function nowMs(): number {
  return ORIGIN + performance.now() + OFFSET;
}

/** A `performance.now()` reading (or a `PerformanceEntry.startTime`) in epoch milliseconds. */
export function epochMs(performanceTime: number): number {
  return ORIGIN + performanceTime + OFFSET;
}

/** Rounds a duration to 0.001 ms for an attribute, on every handler; a negative one (skew) reads 0. */
export function roundMs(ms: number): number {
  return Math.max(0, Math.round(ms * 1000) / 1000);
}
