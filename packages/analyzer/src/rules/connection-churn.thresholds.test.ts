import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type AttemptSpec, call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import { CHURN_MIN_EXTRA_CONNECTIONS, CHURN_MIN_NEW_SHARE } from './connection-churn.js';

async function churn(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'connection-churn');
}

/** One call on a new connection, 300 ms after the previous one (no overlap: peak concurrency 1). */
function fresh(i: number, attempt: AttemptSpec = {}): WireSpan[] {
  return call({
    startMs: i * 300,
    attempts: [{ reused: false, connectionId: `c-${i}`, durationMs: 260, ...attempt }],
  });
}

/** `count` sequential calls that reuse a connection, after the fresh ones. */
function reusedCalls(count: number, from: number): WireSpan[] {
  return Array.from({ length: count }, (_, i) => call({ startMs: (from + i) * 300, attempts: [{}] })).flat();
}

const freshRun = (count: number, attempt: AttemptSpec = {}) =>
  Array.from({ length: count }, (_, i) => fresh(i, attempt)).flat();

describe('connection-churn thresholds', () => {
  it('pins the constants', () => {
    expect(CHURN_MIN_EXTRA_CONNECTIONS).toBe(2);
    expect(CHURN_MIN_NEW_SHARE).toBe(0.5);
  });

  it('extra connections beyond peak concurrency: 1 → nothing, 2 → finding', async () => {
    // Sequential calls: peak concurrency 1, so the first new connection is free.
    expect(await churn(freshRun(2))).toEqual([]);
    const [finding] = await churn(freshRun(3));
    expect(finding?.evidence.counts).toMatchObject({
      newConnections: 3,
      extraConnections: 2,
      peakConcurrency: 1,
    });
  });

  it('share of attempts that opened a connection: 4 of 8 (50 %) → finding, 4 of 9 → nothing', async () => {
    const [atShare] = await churn([...freshRun(4), ...reusedCalls(4, 4)]);
    expect(atShare?.evidence.counts).toMatchObject({ attempts: 8, newConnections: 4, extraConnections: 3 });
    expect(await churn([...freshRun(4), ...reusedCalls(5, 4)])).toEqual([]);
  });

  it('peak concurrency: an attempt ending exactly when the next starts does not overlap it', async () => {
    // 3 calls of 100 ms at 0, 100, 200: end == next start → peak 1, extra 2 → finding.
    const touching = Array.from({ length: 3 }, (_, i) =>
      call({ startMs: i * 100, attempts: [{ reused: false, connectionId: `t-${i}`, durationMs: 100 }] }),
    ).flat();
    const [finding] = await churn(touching);
    expect(finding?.evidence.counts).toMatchObject({ peakConcurrency: 1, extraConnections: 2 });
    // 1 ms longer: each overlaps the next → peak 2, extra 1 → nothing.
    const overlapping = Array.from({ length: 3 }, (_, i) =>
      call({ startMs: i * 100, attempts: [{ reused: false, connectionId: `o-${i}`, durationMs: 101 }] }),
    ).flat();
    expect(await churn(overlapping)).toEqual([]);
  });

  it('costs the measured handshakes beyond the free ones (hand-computed)', async () => {
    // 4 sequential new connections, dns 4 + tcp 30 + tls 70 = 104 ms each; peak 1 → 3 extra.
    // costMs = 3 × 104 = 312; costPerCallMs = 312 / 3 = 104 → ≥ 100 → error.
    const [finding] = await churn(freshRun(4, { dnsMs: 4, tcpMs: 30, tlsMs: 70 }));
    expect(finding?.costMs).toBeCloseTo(312, 1);
    expect(finding?.costPerCallMs).toBeCloseTo(104, 1);
    expect(finding?.severity).toBe('error');
    expect(finding?.evidence.measurements).toEqual({ handshakeMedianMs: 104, handshakeTotalMs: 312 });
  });

  it('leaves out a retry after a reset (stale-connection-reset explains it)', async () => {
    const retries = Array.from({ length: 4 }, (_, i) =>
      call({
        startMs: i * 300,
        attempts: [
          { reused: true, errorType: 'EPIPE', durationMs: 5 },
          { reused: false, connectionId: `r-${i}`, durationMs: 100 },
        ],
      }),
    ).flat();
    expect(await churn(retries)).toEqual([]);
  });
});

describe('severity thresholds (severityForCost: ≥ 100 ms error, ≥ 10 ms warning), through churn', () => {
  // Per-call cost = the handshake of each extra connection (dns + tcp + tls).
  it.each([
    [{ dnsMs: 1.9, tcpMs: 3, tlsMs: 5 }, 9.9, 'info'],
    [{ dnsMs: 2, tcpMs: 3, tlsMs: 5 }, 10, 'warning'],
    [{ dnsMs: 19.9, tcpMs: 30, tlsMs: 50 }, 99.9, 'warning'],
    [{ dnsMs: 20, tcpMs: 30, tlsMs: 50 }, 100, 'error'],
  ] as const)('handshake %o = %d ms per call → %s', async (phases, perCall, severity) => {
    const [finding] = await churn(freshRun(3, phases));
    expect(finding?.costPerCallMs).toBeCloseTo(perCall, 1);
    expect(finding?.severity).toBe(severity);
  });
});
