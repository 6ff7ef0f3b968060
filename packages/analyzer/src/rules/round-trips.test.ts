import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import { FAR_CONFIRM_SHARE } from './round-trips.js';

/**
 * One new TLS 1.3 connection (tcp 1 ms: TCP ends at a near proxy, TLS 300 ms) to a host that names no
 * region, caller region unknown, then three requests on it whose time to first byte is `reusedTtfbMs`.
 */
function nearProxy(reusedTtfbMs: number): WireSpan[] {
  const host = 'storage.internal';
  return [
    ...call({
      startMs: 0,
      host,
      callerRegion: null,
      attempts: [{ reused: false, tcpMs: 1, tlsMs: 300, durationMs: 400 }],
    }),
    ...[1, 2, 3].flatMap((i) =>
      call({
        startMs: i * 1000,
        host,
        callerRegion: null,
        attempts: [
          { reused: true, durationMs: reusedTtfbMs + 5, attributes: { 'wirescope.ttfb_ms': reusedTtfbMs } },
        ],
      }),
    ),
  ];
}

describe('one round trip per host, for slow-handshake too', () => {
  it('pins the confirmation share', () => {
    expect(FAR_CONFIRM_SHARE).toBe(0.5);
  });

  it('does not call a TLS handshake slow when reused requests show the peer is far (near proxy)', async () => {
    // Round trip = min(TLS 300 − 10 ms CPU, reused 150) = 150 ms; expected TLS 1.3 = 150 + 10; slow above
    // 3 × 160 + 200 = 680 ms. Against the 1 ms connect it would be slow above 3 × 11 + 200 = 233 ms.
    const result = await analyze(nearProxy(150));
    expect(result.findings.map((f) => f.code)).not.toContain('slow-handshake');
  });

  it('calls it slow when reused requests are fast: the peer is near, the handshake was slow', async () => {
    // Reused 2 ms < 0.5 × 290: not confirmed, the round trip is the 1 ms connect; 300 > 233.
    const result = await analyze(nearProxy(2));
    const finding = result.findings.find((f) => f.code === 'slow-handshake');
    expect(finding?.evidence.measurements.rttMs).toBe(1);
    // Cost = 300 − (1 × 1 + 10).
    expect(finding?.costMs).toBeCloseTo(289, 5);
  });

  it('at the confirmation edge: reused at half the TLS round trip confirms, just below does not', async () => {
    // TLS network round trip 290 ms: 145 confirms (round trip 145), 144.9 does not (round trip 1).
    const confirmed = await analyze(nearProxy(145));
    expect(confirmed.findings.map((f) => f.code)).not.toContain('slow-handshake');
    const not = await analyze(nearProxy(144.9));
    expect(not.findings.find((f) => f.code === 'slow-handshake')?.evidence.measurements.rttMs).toBe(1);
  });
});
