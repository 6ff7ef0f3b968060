import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

// slow-handshake pinned whole: summary, cost, basis of the round trip (table, near proxy confirmed far,
// fastest tcp.connect), evidence counts and measurements, one finding per pool over all its connections.
async function slow(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'slow-handshake');
}

function conn(
  i: number,
  tcpMs: number,
  tlsMs: number,
  options: { version?: string; caller?: string | null; host?: string } = {},
) {
  return call({
    startMs: i * 1000,
    callerRegion: options.caller === undefined ? 'us-east-1' : options.caller,
    ...(options.host ? { host: options.host } : {}),
    attempts: [
      {
        reused: false,
        connectionId: `c-${i}`,
        tcpMs,
        tlsMs,
        durationMs: tcpMs + tlsMs + 50,
        attributes: { 'tls.protocol.version': options.version ?? '1.3' },
      },
    ],
  });
}

const FIX =
  'Look for packet loss (SYN retransmits take 1 s), a blocked event loop or a starved CPU (small Lambda memory) during handshakes; reuse connections so fewer handshakes happen.';

describe('slow-handshake, pinned', () => {
  it('three connections to one host: one finding over every slow phase of them (hand-computed)', async () => {
    // RTT 5.349 (us-east-1 table). c0: tcp 300 > 216.047 → 294.651. c1: tcp 250 → 244.651; TLS 1.2 400 >
    // 3 × (2 × 5.349 + 10) + 200 = 262.094 → 400 − 20.698 = 379.302. c2: nothing slow.
    // Σ = 918.604 over 3 slow phases → 306.2 each; median of 300, 250, 400 = 300.
    const findings = await slow([
      ...conn(0, 300, 5),
      ...conn(1, 250, 400, { version: '1.2' }),
      ...conn(2, 6, 5),
    ]);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f?.summary).toBe(
      '3 connection phases (tcp.connect and tls.handshake) to my-bucket.s3.us-east-1.amazonaws.com:443 took far longer than the round trip of 5.3 ms suggests: median 300 ms',
    );
    expect(f?.severity).toBe('error');
    expect(f?.costMs).toBeCloseTo(918.6, 1);
    expect(f?.costPerCallMs).toBeCloseTo(306.2, 1);
    expect(f?.costBasis).toBe(
      'measured duration − expected (tcp 1 RTT, TLS 1–2 RTT + 10 ms CPU) with RTT 5.3 ms (CloudPing p50)',
    );
    expect(f?.fix).toBe(FIX);
    expect(f?.evidence.counts).toEqual({ slowPhases: 3, newConnections: 3 });
    expect(f?.evidence.measurements).toEqual({ rttMs: 5.3, slowPhaseMedianMs: 300 });
    expect(f?.evidence.spanIdsTotal).toBe(3);
    expect(f?.evidence.traceIds).toHaveLength(2);
  });

  it('one slow phase: singular, its kind only', async () => {
    // tcp 218 > 216.047 → 218 − 5.349 = 212.651; TLS 40 < 246.047 is not slow.
    const [f] = await slow([...conn(0, 5, 40), ...conn(1, 218, 5)]);
    expect(f?.summary).toBe(
      '1 connection phase (tcp.connect) to my-bucket.s3.us-east-1.amazonaws.com:443 took far longer than the round trip of 5.3 ms suggests: median 218 ms',
    );
    expect(f?.costMs).toBeCloseTo(212.7, 1);
    expect(f?.evidence.counts).toEqual({ slowPhases: 1, newConnections: 2 });
  });

  it('without regions: the fastest tcp.connect of every connection is the RTT', async () => {
    // tcp 12, 10, 500 → RTT 10 (neither the first nor the last); 500 > 230 → 490.
    const host = 'storage.internal';
    const [f] = await slow([
      ...conn(0, 12, 5, { caller: null, host }),
      ...conn(1, 10, 5, { caller: null, host }),
      ...conn(2, 500, 5, { caller: null, host }),
    ]);
    expect(f?.summary).toBe(
      '1 connection phase (tcp.connect) to storage.internal:443 took far longer than the round trip of 10 ms suggests: median 500 ms',
    );
    expect(f?.costMs).toBe(490);
    expect(f?.costBasis).toBe(
      'measured duration − expected (tcp 1 RTT, TLS 1–2 RTT + 10 ms CPU) with RTT 10 ms (fastest tcp.connect)',
    );
    expect(f?.evidence.measurements).toEqual({ rttMs: 10, slowPhaseMedianMs: 500 });
  });

  it('TCP ending at a near proxy, far peer confirmed by reused requests: that RTT', async () => {
    // TLS 1.3 100 and 600 (network 90 and 590), tcp 1 (near); reused ttfb 60 ≥ 0.5 × 90 → RTT min(90, 60) =
    // 60. TLS 600 > 3 × 70 + 200 = 410 → 600 − 70 = 530; TLS 100 is not slow.
    const host = 'storage.internal';
    const reused = (i: number) =>
      call({
        startMs: i * 1000,
        host,
        callerRegion: null,
        attempts: [
          { reused: true, connectionId: 'c-0', durationMs: 65, attributes: { 'wirescope.ttfb_ms': 60 } },
        ],
      });
    const [f] = await slow([
      ...conn(0, 1, 100, { caller: null, host }),
      ...conn(1, 1, 600, { caller: null, host }),
      ...reused(2),
      ...reused(3),
    ]);
    expect(f?.summary).toBe(
      '1 connection phase (tls.handshake) to storage.internal:443 took far longer than the round trip of 60 ms suggests: median 600 ms',
    );
    expect(f?.costMs).toBe(530);
    expect(f?.costBasis).toBe(
      'measured duration − expected (tcp 1 RTT, TLS 1–2 RTT + 10 ms CPU) with RTT 60 ms (TLS handshakes and reused requests: TCP ends at a near proxy)',
    );
  });

  it('a handshake exactly at its bound is not slow; just above it is', async () => {
    // No caller region: RTT = the fastest connect, 10. TLS 1.3 bound 3 × (10 + 10) + 200 = 260.
    const host = 'storage.internal';
    expect(await slow(conn(0, 10, 260, { caller: null, host }))).toEqual([]);
    const [f] = await slow(conn(0, 10, 261, { caller: null, host }));
    expect(f?.summary).toBe(
      '1 connection phase (tls.handshake) to storage.internal:443 took far longer than the round trip of 10 ms suggests: median 261 ms',
    );
    expect(f?.costMs).toBe(241);
  });

  it('TLSv1.3 spelled out is one round trip too', async () => {
    // 3 × (5.349 + 10) + 200 = 246.047
    expect(await slow(conn(0, 5, 246, { version: 'TLSv1.3' }))).toEqual([]);
    expect(await slow(conn(0, 5, 246.1, { version: 'TLSv1.3' }))).toHaveLength(1);
  });
});
