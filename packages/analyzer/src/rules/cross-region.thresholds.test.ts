import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { sameRegionRttMs } from '../data/rtt-table.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import {
  CROSS_REGION_MIN_CONNECT_MS,
  CROSS_REGION_SAME_REGION_FACTOR,
  CROSS_REGION_SINGLE_SAMPLE_MS,
} from './cross-region.js';

async function crossRegion(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'cross-region');
}

/** Calls from and to `region` whose new connections measured these tcp.connect times (TLS 1.3 of 200 ms). */
function connects(tcpMs: number[], region = 'us-east-1'): WireSpan[] {
  return tcpMs.flatMap((tcp, i) =>
    call({
      startMs: i * 1000,
      region,
      callerRegion: region,
      attempts: [{ reused: false, connectionId: `c-${i}`, tcpMs: tcp, tlsMs: 200, durationMs: 400 }],
    }),
  );
}

describe('cross-region thresholds (round trips measured against the caller region)', () => {
  it('pins the constants and the table values the cases use', () => {
    expect(CROSS_REGION_MIN_CONNECT_MS).toBe(25);
    expect(CROSS_REGION_SAME_REGION_FACTOR).toBe(5);
    expect(CROSS_REGION_SINGLE_SAMPLE_MS).toBe(50);
    expect(sameRegionRttMs('us-east-1')).toBeCloseTo(5.349, 3);
    expect(sameRegionRttMs('eu-west-1')).toBeCloseTo(2.88, 3);
  });

  it('one connect alone: 49.9 ms → nothing, 50 ms → finding', async () => {
    expect(await crossRegion(connects([49.9]))).toEqual([]);
    const [finding] = await crossRegion(connects([50]));
    expect(finding?.evidence.counts.tcpConnects).toBe(1);
  });

  it('two connects, same-region factor: threshold max(25, 5 × 5.349) = 26.745 ms in us-east-1', async () => {
    expect(await crossRegion(connects([26.7, 40]))).toEqual([]);
    const [finding] = await crossRegion(connects([26.8, 40]));
    expect(finding?.evidence.measurements.tcpConnectMinMs).toBeCloseTo(26.8, 1);
  });

  it('two connects, floor: threshold max(25, 5 × 2.88) = 25 ms in eu-west-1', async () => {
    expect(await crossRegion(connects([24.9, 40], 'eu-west-1'))).toEqual([]);
    const [finding] = await crossRegion(connects([25, 40], 'eu-west-1'));
    expect(finding?.summary).toContain('the peer is not in eu-west-1');
  });

  it('slow connects with fast TLS handshakes are an event-loop stall, not a far peer', async () => {
    const spans = [50, 60].flatMap((tcp, i) =>
      call({
        startMs: i * 1000,
        attempts: [{ reused: false, connectionId: `s-${i}`, tcpMs: tcp, tlsMs: 20 }],
      }),
    );
    expect(await crossRegion(spans)).toEqual([]);
  });

  it('costs the excess round trips (hand-computed)', async () => {
    // One connect of 50 ms, TLS 1.3 handshake 200 ms (200 per round trip): RTT = min(50, 200) = 50.
    // Excess per round trip = 50 − 5.349 = 44.651. Round trips of a new TLS 1.3 attempt:
    // request 1 + tcp 1 + tls 1 = 3. costMs = 3 × 44.651 = 133.953 → rounded 134.0; one call → per call
    // the same → ≥ 100 → error.
    const [finding] = await crossRegion(connects([50]));
    expect(finding?.costMs).toBeCloseTo(134.0, 1);
    expect(finding?.costPerCallMs).toBeCloseTo(134.0, 1);
    expect(finding?.severity).toBe('error');
    expect(finding?.evidence.measurements.excessPerRoundTripMs).toBeCloseTo(44.7, 1);
    expect(finding?.evidence.counts).toMatchObject({ calls: 1, roundTrips: 3 });
  });
});
