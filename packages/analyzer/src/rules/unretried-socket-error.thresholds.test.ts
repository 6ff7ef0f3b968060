import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type AttemptSpec, call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import { DEFAULT_MAX_ATTEMPTS } from './unretried-socket-error.js';

async function unretried(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'unretried-socket-error');
}

const reset = (durationMs: number, errorType = 'ECONNRESET'): AttemptSpec => ({
  reused: true,
  errorType,
  durationMs,
});

/** A failed call whose every attempt ended in a reset. */
function failedCall(startMs: number, attempts: AttemptSpec[], failed = true): WireSpan[] {
  return call({ startMs, error: failed, attributes: failed ? { 'error.type': 'ECONNRESET' } : {}, attempts });
}

describe('unretried-socket-error thresholds', () => {
  it('pins the SDK default max attempts', () => {
    expect(DEFAULT_MAX_ATTEMPTS).toBe(3);
  });

  it('last attempt number: 2 (a retry was left) → finding, 3 (retries used up) → nothing', async () => {
    const [finding] = await unretried(failedCall(0, [reset(10), reset(10)]));
    expect(finding?.evidence.counts).toEqual({ calls: 1, ECONNRESET: 1 });
    expect(await unretried(failedCall(0, [reset(10), reset(10), reset(10)]))).toEqual([]);
  });

  it('needs the call to have failed', async () => {
    expect(await unretried(failedCall(0, [reset(10)], false))).toEqual([]);
  });

  it.each(['EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED'])('counts %s as a reset', async (code) => {
    const [finding] = await unretried(failedCall(0, [reset(10, code)]));
    expect(finding?.evidence.counts).toEqual({ calls: 1, [code]: 1 });
  });

  it('ignores a non-reset error (ECONNREFUSED)', async () => {
    expect(await unretried(failedCall(0, [reset(10, 'ECONNREFUSED')]))).toEqual([]);
  });

  it('costs each whole failed call (hand-computed)', async () => {
    // The factory's operation span lasts its attempts + 1 ms.
    // Call A: attempts 30 + 40 ms → operation 71 ms. Call B: one attempt of 40 ms → operation 41 ms.
    // costMs = 71 + 41 = 112; costPerCallMs = 112 / 2 = 56; severity is always error.
    const spans = [...failedCall(0, [reset(30), reset(40)]), ...failedCall(1000, [reset(40)])];
    const [finding] = await unretried(spans);
    expect(finding?.costMs).toBeCloseTo(112, 1);
    expect(finding?.costPerCallMs).toBeCloseTo(56, 1);
    expect(finding?.severity).toBe('error');
    expect(finding?.evidence.measurements).toEqual({ failedCallMedianMs: 56 });
  });
});
