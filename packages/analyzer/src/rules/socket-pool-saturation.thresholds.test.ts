import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import { QUEUE_MIN_ATTEMPTS, QUEUE_MIN_MS, QUEUE_MIN_TOTAL_MS } from './socket-pool-saturation.js';

async function saturation(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'socket-pool-saturation');
}

/** Calls started 1 ms apart, 100 ms each (all in flight together); `waits[i]` is call i's queue_ms. */
function burst(waits: number[]): WireSpan[] {
  return waits.flatMap((queueMs, i) => call({ startMs: i, attempts: [{ queueMs, durationMs: 100 }] }));
}

describe('socket-pool-saturation thresholds', () => {
  it('pins the constants', () => {
    expect([QUEUE_MIN_MS, QUEUE_MIN_ATTEMPTS, QUEUE_MIN_TOTAL_MS]).toEqual([1, 2, 20]);
  });

  it('a wait counts from 1 ms: waits 1 + 19 → finding, 0.99 + 19.01 → nothing', async () => {
    const [finding] = await saturation(burst([0, 1, 19]));
    expect(finding?.evidence.counts).toMatchObject({ queued: 2 });
    expect(await saturation(burst([0, 0.99, 19.01]))).toEqual([]);
  });

  it('queued attempts: 1 → nothing, 2 → finding', async () => {
    expect(await saturation(burst([0, 30]))).toEqual([]);
    const [finding] = await saturation(burst([0, 15, 15]));
    expect(finding?.evidence.counts).toMatchObject({ attempts: 3, queued: 2 });
  });

  it('total wait: 2 × 10 = 20 ms → finding, 2 × 9.99 ms → nothing', async () => {
    const [finding] = await saturation(burst([0, 10, 10]));
    expect(finding?.costMs).toBeCloseTo(20, 1);
    expect(await saturation(burst([0, 9.99, 9.99]))).toEqual([]);
  });

  it('a wait with nothing else in flight is no saturation', async () => {
    const sequential = [15, 15, 15].flatMap((queueMs, i) =>
      call({ startMs: i * 500, attempts: [{ queueMs, durationMs: 100 }] }),
    );
    expect(await saturation(sequential)).toEqual([]);
  });

  it('costs the waits, severity from their median (hand-computed)', async () => {
    // Waits 5, 5, 50 ms: costMs = 60; costPerCallMs = 60 / 3 = 20;
    // severity from the median wait 5 → < 10 → info (the mean, 20, would say warning).
    const [finding] = await saturation(burst([0, 5, 5, 50]));
    expect(finding?.costMs).toBeCloseTo(60, 1);
    expect(finding?.costPerCallMs).toBeCloseTo(20, 1);
    expect(finding?.severity).toBe('info');
    expect(finding?.evidence.measurements).toEqual({ queueMedianMs: 5, queueMaxMs: 50 });
  });
});
