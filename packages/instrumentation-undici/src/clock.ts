import { performance } from 'node:perf_hooks';

/**
 * Wall-clock milliseconds (fractional) on the monotonic performance clock, the base OpenTelemetry
 * uses for span times, so our phase spans line up with the attempt spans around them.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Converts a `PerformanceEntry.startTime` (relative to `timeOrigin`) to wall-clock milliseconds. */
export function entryMs(relative: number): number {
  return performance.timeOrigin + relative;
}

/** Rounds a duration to 0.1 ms for an attribute. */
export function roundMs(ms: number): number {
  return Math.max(0, Math.round(ms * 10) / 10);
}
