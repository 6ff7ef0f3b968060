import { describe, expect, it } from 'vitest';
import { analyze } from '../engine/analysis.js';
import { call } from '../engine/testing/span-factory.js';
import type { AnalyzeOptions, WireSpan } from '../types.js';

// cross-region pinned whole: summary, costs (hand-computed from the table values), basis, fix, evidence,
// for both kinds of finding (configured regions differ; the round trip measured to one host is far).
async function crossRegion(spans: WireSpan[], options?: AnalyzeOptions) {
  const result = await analyze(spans, options);
  return result.findings.filter((f) => f.code === 'cross-region');
}

const HOST = 'bucket.s3.us-east-1.amazonaws.com';
function connects(tcp: number[], tlsMs = 80, callerRegion: string | null = 'us-east-1') {
  return tcp.flatMap((tcpMs, i) =>
    call({
      startMs: i * 1000,
      host: HOST,
      callerRegion,
      attempts: [{ reused: false, connectionId: `k${i}`, tcpMs, tlsMs, durationMs: 300 }],
    }),
  );
}

describe('cross-region by configured regions, pinned', () => {
  it('measured: (66 − 3.04) × 5 round trips (new TLS 1.3: 3, two reused: 1 each)', async () => {
    const spans = Array.from({ length: 3 }, (_, i) =>
      call({
        startMs: i * 1000,
        callerRegion: 'us-west-2',
        attempts: [
          i > 0 ? { reused: true, durationMs: 70 } : { reused: false, tcpMs: 66, tlsMs: 80, durationMs: 220 },
        ],
      }),
    ).flat();
    const [f] = await crossRegion(spans);
    expect(f?.summary).toBe(
      '3 calls (S3.PutObject) from us-west-2 went to us-east-1: one round trip ≈ 66 ms (measured) instead of ~3.0 ms',
    );
    expect(f?.costMs).toBeCloseTo(314.8, 1);
    expect(f?.costPerCallMs).toBeCloseTo(104.9, 1);
    expect(f?.severity).toBe('error');
    expect(f?.costBasis).toBe(
      '+63 ms per round trip × 5 round trips (request, new connections, 100-continue)',
    );
    expect(f?.fix).toBe(
      "Run the code in us-east-1 or keep the data in us-west-2 (a bucket or table in the caller's region); every round trip crosses regions.",
    );
    expect(f?.evidence.counts).toEqual({ calls: 3, attempts: 3, roundTrips: 5, tcpConnects: 1 });
    expect(f?.evidence.measurements).toEqual({
      tcpConnectMinMs: 66,
      measuredRttMs: 66,
      tableRttMs: 64,
      sameRegionRttMs: 3,
      excessPerRoundTripMs: 63,
    });
  });

  it('nothing measured: the table round trip, (63.98 − 3.04) × 2 = 121.9, a warning', async () => {
    const spans = Array.from({ length: 2 }, (_, i) =>
      call({ startMs: i * 1000, callerRegion: null, attempts: [{ reused: true }] }),
    ).flat();
    const [f] = await crossRegion(spans, { callerRegion: 'us-west-2' });
    expect(f?.summary).toBe(
      '2 calls (S3.PutObject) from us-west-2 went to us-east-1: one round trip ≈ 64 ms (CloudPing p50) instead of ~3.0 ms',
    );
    expect(f?.costMs).toBeCloseTo(121.9, 1);
    expect(f?.costPerCallMs).toBeCloseTo(60.9, 1);
    expect(f?.severity).toBe('warning');
    expect(f?.costBasis).toBe(
      '+61 ms per round trip × 2 round trips (request, new connections, 100-continue)',
    );
    expect(f?.evidence.counts).toEqual({ calls: 2, attempts: 2, roundTrips: 2, tcpConnects: 0 });
    expect(f?.evidence.measurements).toEqual({
      tableRttMs: 64,
      sameRegionRttMs: 3,
      excessPerRoundTripMs: 60.9,
    });
  });

  it('same caller and target region: no finding by regions', async () => {
    expect(await crossRegion(connects([1, 1]))).toEqual([]);
  });
});

describe('cross-region by the measured round trip, pinned', () => {
  it('two connects ≥ 64 ms from a caller in us-east-1: (64 − 5.349) × 6 round trips', async () => {
    const [f] = await crossRegion(connects([70, 64]));
    expect(f?.summary).toBe(
      '2 connects to bucket.s3.us-east-1.amazonaws.com:443 took ≥ 64 ms from a caller in us-east-1 (same-region ~5.3 ms): the peer is not in us-east-1, probably us-west-1 or us-west-2 or eu-west-1',
    );
    expect(f?.costMs).toBeCloseTo(351.9, 1);
    expect(f?.costPerCallMs).toBeCloseTo(176, 1);
    expect(f?.severity).toBe('error');
    expect(f?.costBasis).toBe(
      '+59 ms per round trip (fastest measured round trip − same-region p50) × 6 round trips',
    );
    expect(f?.fix).toBe(
      "Call an endpoint in us-east-1: check the client's region, custom endpoint or proxy, and where the bucket or table lives.",
    );
    expect(f?.evidence.counts).toEqual({
      calls: 2,
      attempts: 2,
      roundTrips: 6,
      tcpConnects: 2,
      tlsHandshakes: 2,
    });
    expect(f?.evidence.measurements).toEqual({
      tcpConnectMinMs: 64,
      measuredRttMs: 64,
      sameRegionRttMs: 5.3,
      excessPerRoundTripMs: 58.7,
    });
  });

  it('one connect: singular, and only from 50 ms', async () => {
    expect(await crossRegion(connects([49.9]))).toEqual([]);
    const [f] = await crossRegion(connects([64]));
    expect(f?.summary.startsWith('1 connect to bucket.s3.us-east-1.amazonaws.com:443 took ≥ 64 ms')).toBe(
      true,
    );
    expect(f?.costMs).toBeCloseTo(176, 1);
    expect(f?.evidence.counts).toEqual({
      calls: 1,
      attempts: 1,
      roundTrips: 3,
      tcpConnects: 1,
      tlsHandshakes: 1,
    });
  });

  it('the TLS handshake bounds the round trip: fast TLS means a stalled connect, not a far peer', async () => {
    // tcp 64, 70 but TLS 1.3 handshakes of 20 ms: the round trip is at most 20 < 26.745.
    expect(await crossRegion(connects([70, 64], 20))).toEqual([]);
    // TLS 40 (per round trip 40 ≥ 26.745): the round trip is min(64, 40) = 40 → (40 − 5.349) × 6 = 207.9.
    const [f] = await crossRegion(connects([70, 64], 40));
    expect(f?.costMs).toBeCloseTo(207.9, 1);
    expect(f?.evidence.measurements.measuredRttMs).toBe(40);
  });

  it('no caller region: named after the endpoint, with the fix to set one', async () => {
    const [f] = await crossRegion(connects([70, 64], 80, null));
    expect(f?.summary).toContain('took ≥ 64 ms from an endpoint for us-east-1 (same-region ~5.3 ms)');
    expect(f?.fix).toBe(
      "Set the caller's region (AWS_REGION or --caller-region) to confirm, and run the code next to us-east-1.",
    );
  });
});
