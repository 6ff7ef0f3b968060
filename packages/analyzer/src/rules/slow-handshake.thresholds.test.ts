import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { regionRttMs } from '../data/rtt-table.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import { SLOW_FACTOR, SLOW_MARGIN_MS } from './slow-handshake.js';

async function slow(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'slow-handshake');
}

/** One call on a new connection from us-east-1 to us-east-1 (table RTT 5.349 ms). */
function handshake(
  tcpMs: number,
  tlsMs: number,
  tlsVersion = '1.3',
  callerRegion: string | null = 'us-east-1',
) {
  return call({
    startMs: 0,
    callerRegion,
    attempts: [
      {
        reused: false,
        tcpMs,
        tlsMs,
        durationMs: tcpMs + tlsMs + 50,
        attributes: { 'tls.protocol.version': tlsVersion },
      },
    ],
  });
}

describe('slow-handshake thresholds (RTT us-east-1 → us-east-1 = 5.349 ms)', () => {
  it('pins the constants and the table value', () => {
    expect(SLOW_FACTOR).toBe(3);
    expect(SLOW_MARGIN_MS).toBe(200);
    expect(regionRttMs('us-east-1', 'us-east-1')).toBeCloseTo(5.349, 3);
  });

  it('tcp.connect: slow above 3 × 5.349 + 200 = 216.047 ms', async () => {
    expect(await slow(handshake(216, 5))).toEqual([]);
    const [finding] = await slow(handshake(216.1, 5));
    expect(finding?.summary).toContain('(tcp.connect)');
  });

  it('TLS 1.3: slow above 3 × (1 × 5.349 + 10) + 200 = 246.047 ms', async () => {
    expect(await slow(handshake(5, 246))).toEqual([]);
    const [finding] = await slow(handshake(5, 246.1));
    expect(finding?.summary).toContain('(tls.handshake)');
  });

  it('TLS 1.2: slow above 3 × (2 × 5.349 + 10) + 200 = 262.094 ms', async () => {
    expect(await slow(handshake(5, 262, '1.2'))).toEqual([]);
    expect(await slow(handshake(5, 262.1, '1.2'))).toHaveLength(1);
  });

  it('without regions the fastest tcp.connect is the RTT: 10 ms → slow above 230 ms', async () => {
    const run = (second: number) =>
      [10, second].flatMap((tcpMs, i) =>
        call({
          startMs: i * 1000,
          callerRegion: null,
          attempts: [{ reused: false, connectionId: `c-${i}`, tcpMs, tlsMs: 5, durationMs: 300 }],
        }),
      );
    expect(await slow(run(230))).toEqual([]);
    const [finding] = await slow(run(230.1));
    expect(finding?.evidence.measurements.rttMs).toBe(10);
  });

  it('costs measured − expected per slow phase (hand-computed)', async () => {
    // tcp 300: expected 1 RTT = 5.349 → excess 294.651. TLS 1.3 400: expected 5.349 + 10 = 15.349 →
    // excess 384.651. costMs = 679.302 → 679.3; 2 slow phases → per call 339.651 → 339.7 → error.
    const [finding] = await slow(handshake(300, 400));
    expect(finding?.costMs).toBeCloseTo(679.3, 1);
    expect(finding?.costPerCallMs).toBeCloseTo(339.7, 1);
    expect(finding?.severity).toBe('error');
    expect(finding?.evidence.counts).toEqual({ slowPhases: 2, newConnections: 1 });
  });
});
