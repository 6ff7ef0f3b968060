import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type AttemptSpec, call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

async function stale(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'stale-connection-reset');
}

/** A call whose first attempt hit a reset on a reused socket, then retried on a new connection. */
function resetThenRetry(startMs: number, failed: AttemptSpec, retry: AttemptSpec): WireSpan[] {
  return call({
    startMs,
    attempts: [
      { reused: true, errorType: 'ECONNRESET', ...failed },
      { reused: false, connectionId: `r-${startMs}`, ...retry },
    ],
  });
}

describe('stale-connection-reset thresholds', () => {
  it.each(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED'])(
    '%s on a reused socket → finding',
    async (code) => {
      const [finding] = await stale(resetThenRetry(0, { errorType: code, durationMs: 3 }, {}));
      expect(finding?.summary).toContain(code);
    },
  );

  it('a reset flag without a reset code counts; a non-reset code does not', async () => {
    const flagged = resetThenRetry(
      0,
      { errorType: 'TimeoutError', durationMs: 3, attributes: { 'wirescope.socket.reset': true } },
      {},
    );
    expect(await stale(flagged)).toHaveLength(1);
    expect(await stale(resetThenRetry(0, { errorType: 'ETIMEDOUT', durationMs: 3 }, {}))).toEqual([]);
  });

  it('costs the failed attempt plus the retry handshake (hand-computed)', async () => {
    // Failed attempt 3 ms; retry on a new connection dns 2 + tcp 20 + tls 40 = 62 ms.
    // Per reset 65 ms; 2 resets → costMs 130, costPerCallMs 65 → warning. Idle 6,000 ms → "6.0 s".
    const failed = { durationMs: 3, attributes: { 'wirescope.connection.idle_ms': 6000 } };
    const retry = { dnsMs: 2, tcpMs: 20, tlsMs: 40, durationMs: 90 };
    const [finding] = await stale([
      ...resetThenRetry(0, failed, retry),
      ...resetThenRetry(10_000, failed, retry),
    ]);
    expect(finding?.costMs).toBeCloseTo(130, 1);
    expect(finding?.costPerCallMs).toBeCloseTo(65, 1);
    expect(finding?.severity).toBe('warning');
    expect(finding?.evidence.measurements).toMatchObject({ idleMsMin: 6000, failedAttemptMedianMs: 3 });
  });

  it('severity: a 5 ms reset with a retry on a reused socket is lifted to warning; 100 ms is error', async () => {
    const cheap = call({
      startMs: 0,
      attempts: [{ reused: true, errorType: 'ECONNRESET', durationMs: 5 }, {}],
    });
    const [low] = await stale(cheap);
    expect(low?.costPerCallMs).toBeCloseTo(5, 1);
    expect(low?.severity).toBe('warning');
    const costly = resetThenRetry(0, { durationMs: 40 }, { dnsMs: 10, tcpMs: 20, tlsMs: 30 });
    const [high] = await stale(costly);
    expect(high?.costPerCallMs).toBeCloseTo(100, 1);
    expect(high?.severity).toBe('error');
  });
});
