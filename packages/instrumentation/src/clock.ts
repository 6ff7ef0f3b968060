import { performance } from 'node:perf_hooks';

/**
 * The one clock of every producer: epoch milliseconds (fractional) from the monotonic performance
 * clock, with a wall-clock correction (as the OpenTelemetry SDK takes per span) re-read at most once a
 * second, so a long-lived process follows NTP's steps while the spans of one call share one correction.
 * Every span start and end and every duration comes from it: a child never ends after its parent and
 * sub-millisecond calls stay apart (the SDK's own start time is `Date.now()`, whole milliseconds).
 */
const ORIGIN = performance.timeOrigin;
const RESYNC_MS = 1000;
let offset = 0;
let syncedAt = Number.NEGATIVE_INFINITY;

function sync(now: number): void {
  offset = Date.now() - (ORIGIN + now);
  syncedAt = now;
}

/** Now, in epoch milliseconds with sub-millisecond precision. */
export function nowMs(): number {
  const now = performance.now();
  if (now - syncedAt >= RESYNC_MS) sync(now);
  return ORIGIN + now + offset;
}

/** A `performance.now()` reading (or a `PerformanceEntry.startTime`) in epoch milliseconds. */
export function epochMs(performanceTime: number): number {
  const now = performance.now();
  if (now - syncedAt >= RESYNC_MS) sync(now);
  return ORIGIN + performanceTime + offset;
}

/** Rounds a duration to 0.001 ms for an attribute, on every handler; a negative one (skew) reads 0. */
export function roundMs(ms: number): number {
  return Math.max(0, Math.round(ms * 1000) / 1000);
}
