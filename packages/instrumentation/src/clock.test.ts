import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { epochMs, nowMs, roundMs } from './clock.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the kernel clock', () => {
  it('is the performance clock moved by one fixed correction: a wall-clock jump later moves nothing', async () => {
    const correction = epochMs(1234.5) - (performance.timeOrigin + 1234.5);
    expect(Math.abs(nowMs() - Date.now())).toBeLessThan(5);
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 5000);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(epochMs(1234.5) - (performance.timeOrigin + 1234.5)).toBe(correction);
    // nowMs moves with the performance clock only (read around it, within the double's precision).
    const before = performance.timeOrigin + performance.now() + correction;
    const now = nowMs();
    const after = performance.timeOrigin + performance.now() + correction;
    expect(now).toBeGreaterThanOrEqual(before - 0.001);
    expect(now).toBeLessThanOrEqual(after + 0.001);
  });

  it('never goes back, and has sub-millisecond steps', () => {
    const times = Array.from({ length: 1000 }, () => nowMs());
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    expect(times.some((t) => t % 1 !== 0)).toBe(true);
  });

  it('rounds durations to 0.001 ms, a negative one to 0', () => {
    expect(roundMs(1.23456)).toBe(1.235);
    expect(roundMs(0.0004)).toBe(0);
    expect(roundMs(-3)).toBe(0);
  });
});
