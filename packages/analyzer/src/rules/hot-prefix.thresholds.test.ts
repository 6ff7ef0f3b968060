import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import { HOT_RATE_SHARE, S3_READ_LIMIT_PER_S, S3_WRITE_LIMIT_PER_S } from './hot-prefix.js';

async function hot(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'hot-prefix');
}

/** `count` calls to one bucket started evenly over [0, spanMs], 1 ms each. */
function rate(count: number, spanMs: number, method: 'PUT' | 'GET', prefix?: string): WireSpan[] {
  const step = count > 1 ? spanMs / (count - 1) : 0;
  return Array.from({ length: count }, (_, i) =>
    call({
      startMs: i * step,
      method,
      operation: method === 'PUT' ? 'PutObject' : 'GetObject',
      ...(prefix !== undefined ? { attributes: { 'wirescope.s3.key_prefix': prefix } } : {}),
      attempts: [{ durationMs: 1 }],
    }),
  ).flat();
}

describe('hot-prefix thresholds', () => {
  it('pins the limits', () => {
    expect([S3_WRITE_LIMIT_PER_S, S3_READ_LIMIT_PER_S, HOT_RATE_SHARE]).toEqual([3500, 5500, 0.8]);
  });

  it('writes: 2,799 in a second → nothing, 2,800 (80 % of 3,500) → finding (info for a whole bucket)', async () => {
    expect(await hot(rate(2799, 990, 'PUT'))).toEqual([]);
    const [finding] = await hot(rate(2800, 990, 'PUT'));
    expect(finding?.evidence.counts.writePeakPerSecond).toBe(2800);
    expect(finding?.severity).toBe('info');
    expect(finding?.costMs).toBe(0);
  });

  it('the window is one second: 2,800 writes over exactly 1,000 ms count 2,799 in any window', async () => {
    // Starts evenly over [0, 1000]: the first and the last are 1,000 ms apart, never in one window.
    expect(await hot(rate(2800, 1000, 'PUT'))).toEqual([]);
  });

  it('reads: 4,399 in a second → nothing, 4,400 (80 % of 5,500) → finding; a key prefix makes it a warning', async () => {
    expect(await hot(rate(4399, 990, 'GET', 'logs/'))).toEqual([]);
    const [finding] = await hot(rate(4400, 990, 'GET', 'logs/'));
    expect(finding?.evidence.counts.readPeakPerSecond).toBe(4400);
    expect(finding?.summary).toContain('prefix my-bucket/logs/');
    expect(finding?.severity).toBe('warning');
  });

  it('costs each 503 plus its back-off (hand-computed)', async () => {
    // Each call: a 503 attempt of 30 ms, its retry starting at +75 ms → back-off 45 ms.
    // Per 503: 30 + 45 = 75 ms; 2 calls → costMs 150, costPerCallMs 75 → warning.
    const slowDown = (startMs: number) =>
      call({
        startMs,
        attempts: [
          {
            statusCode: 503,
            errorType: 'SlowDown',
            durationMs: 30,
            attributes: { 'http.response.status_code': 503 },
          },
          { offsetMs: 75, durationMs: 20 },
        ],
      });
    const [finding] = await hot([...slowDown(0), ...slowDown(5000)]);
    expect(finding?.costMs).toBeCloseTo(150, 1);
    expect(finding?.costPerCallMs).toBeCloseTo(75, 1);
    expect(finding?.severity).toBe('warning');
  });

  it('a cheap 503 is still at least a warning', async () => {
    // 503 of 2 ms retried right away: 2 ms per call → severityForCost info → lifted to warning.
    const spans = call({
      startMs: 0,
      attempts: [{ statusCode: 503, errorType: 'SlowDown', durationMs: 2 }, { durationMs: 20 }],
    });
    const [finding] = await hot(spans);
    expect(finding?.costPerCallMs).toBeCloseTo(2, 1);
    expect(finding?.severity).toBe('warning');
  });
});
