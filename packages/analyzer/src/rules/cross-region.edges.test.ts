import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type AttemptSpec, type CallSpec, call } from '../testing/span-factory.js';
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

/**
 * One call on a new connection to HOST (TLS 1.3 when a handshake is there); `spec` overrides call fields,
 * `attempt` the attempt's.
 */
function fresh(
  i: number,
  tcpMs: number | null,
  tlsMs: number | null,
  spec: Partial<CallSpec> = {},
  attempt: AttemptSpec = {},
) {
  return call({
    startMs: i * 1000,
    host: HOST,
    ...spec,
    attempts: [{ reused: false, connectionId: `n${i}`, tcpMs, tlsMs, durationMs: 300, ...attempt }],
  });
}

/** One call on a reused connection to HOST whose first byte came after `ttfbMs`. */
function reused(i: number, ttfbMs: number, spec: Partial<CallSpec> = {}) {
  return call({
    startMs: i * 1000,
    host: HOST,
    ...spec,
    attempts: [{ reused: true, durationMs: ttfbMs + 5, attributes: { 'wirescope.ttfb_ms': ttfbMs } }],
  });
}

/** The call's spans without these operation attributes (the factory always sets them). */
function without(spans: WireSpan[], ...keys: string[]): WireSpan[] {
  for (const key of keys) delete (spans[0] as WireSpan).attributes[key];
  return spans;
}

/** The attempt span of each call (the factory puts it right after the operation span). */
const attemptIds = (...calls: WireSpan[][]) => calls.map((spans) => (spans[1] as WireSpan).spanId);

describe('cross-region: configuration and measurement disagree, pinned', () => {
  it('a near round trip against a far table pair: said, no cost claimed', async () => {
    // us-west-2 → us-east-1 is 63.97 ms in the table; the one connect measured 1 ms (TLS 1.3 of 5 ms: its
    // network part is 0, so TCP did not end at a near proxy): 1 < 0.5 × 63.97 and 1 < 25.
    const spans = [
      ...fresh(0, 1, 5, { callerRegion: 'us-west-2' }),
      ...reused(1, 10, { callerRegion: 'us-west-2' }),
      ...reused(2, 10, { callerRegion: 'us-west-2' }),
    ];
    const findings = await crossRegion(spans);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f?.summary).toBe(
      '3 calls (S3.PutObject) are configured from us-west-2 to us-east-1 (CloudPing p50 64 ms), but the round trip measured to bucket.s3.us-east-1.amazonaws.com:443 is 1.0 ms: the peer is near the caller',
    );
    expect(f?.severity).toBe('info');
    expect(f?.costMs).toBe(0);
    expect(f?.costPerCallMs).toBe(0);
    expect(f?.costBasis).toBe(
      'no cost claimed: configuration says cross-region, measurement (1.0 ms round trip) says near',
    );
    expect(f?.fix).toBe(
      'Check what answers for us-east-1 here (a proxy, VPC endpoint or local stand-in) and that the caller region us-west-2 is right.',
    );
    expect(f?.evidence.counts).toEqual({ calls: 3, attempts: 3, tcpConnects: 1, tlsHandshakes: 1 });
    expect(f?.evidence.measurements).toEqual({ measuredRttMs: 1, tableRttMs: 64 });
    expect(f?.evidence.spanIdsTotal).toBe(3);
  });

  it('a near pair measured at half its table round trip or more is a cross-region cost, not a disagreement', async () => {
    // us-east-1 → us-east-2: 14.668 ms, half 7.334. A connect of exactly 7.334 ms is not below it:
    // (7.334 − 5.349) × 3 round trips (new TLS 1.3) = 5.955 → 6.0.
    const at = await crossRegion(fresh(0, 7.334, 30, { region: 'us-east-2', host: undefined }));
    expect(at.map((f) => f.summary)).toEqual([
      '1 call (S3.PutObject) from us-east-1 went to us-east-2: one round trip ≈ 7.3 ms (measured) instead of ~5.3 ms',
    ]);
    // 10 ms (TLS 1.3 of 30: network 20, TCP not near): (10 − 5.349) × 3 = 13.953 → a warning.
    const [f] = await crossRegion(fresh(0, 10, 30, { region: 'us-east-2', host: undefined }));
    expect(f?.summary).toBe(
      '1 call (S3.PutObject) from us-east-1 went to us-east-2: one round trip ≈ 10 ms (measured) instead of ~5.3 ms',
    );
    expect(f?.severity).toBe('warning');
    expect(f?.costMs).toBe(14);
    expect(f?.costPerCallMs).toBe(14);
    expect(f?.costBasis).toBe(
      '+4.7 ms per round trip × 3 round trips (request, new connections, 100-continue)',
    );
    expect(f?.fix).toBe(
      "Run the code in us-east-2 or keep the data in us-east-1 (a bucket or table in the caller's region); every round trip crosses regions.",
    );
    expect(f?.evidence.counts).toEqual({ calls: 1, attempts: 1, roundTrips: 3, tcpConnects: 1 });
    expect(f?.evidence.measurements).toEqual({
      tcpConnectMinMs: 10,
      measuredRttMs: 10,
      tableRttMs: 14.7,
      sameRegionRttMs: 5.3,
      excessPerRoundTripMs: 4.7,
    });
  });

  it('a far pair measured at 25 ms or more is a cost even below half the table round trip', async () => {
    // us-east-1 → ap-southeast-2: 199.7 ms, half 99.85. A connect of exactly 25 ms is not near:
    // (25 − 5.349) × 3 = 58.953 → a warning of 59 ms.
    const [f] = await crossRegion(fresh(0, 25, 40, { region: 'ap-southeast-2', host: undefined }));
    expect(f?.summary).toBe(
      '1 call (S3.PutObject) from us-east-1 went to ap-southeast-2: one round trip ≈ 25 ms (measured) instead of ~5.3 ms',
    );
    expect(f?.severity).toBe('warning');
    expect(f?.costMs).toBe(59);
    expect(f?.costBasis).toBe(
      '+20 ms per round trip × 3 round trips (request, new connections, 100-continue)',
    );
    expect(f?.evidence.measurements).toEqual({
      tcpConnectMinMs: 25,
      measuredRttMs: 25,
      tableRttMs: 199.7,
      sameRegionRttMs: 5.3,
      excessPerRoundTripMs: 19.7,
    });
  });

  it('a region pair the table lacks, nothing measured: round trip unknown, no cost, a warning', async () => {
    const spans = [
      ...reused(0, 10, { region: 'us-gov-west-1', host: undefined }),
      ...reused(1, 10, { region: 'us-gov-west-1', host: undefined }),
    ];
    const [f] = await crossRegion(spans);
    expect(f?.summary).toBe(
      '2 calls (S3.PutObject) from us-east-1 went to us-gov-west-1: round trip unknown',
    );
    expect(f?.severity).toBe('warning');
    expect(f?.costMs).toBe(0);
    expect(f?.costPerCallMs).toBe(0);
    expect(f?.costBasis).toBe(
      '+0.0 ms per round trip × 2 round trips (request, new connections, 100-continue)',
    );
    expect(f?.fix).toBe(
      "Run the code in us-gov-west-1 or keep the data in us-east-1 (a bucket or table in the caller's region); every round trip crosses regions.",
    );
    expect(f?.evidence.counts).toEqual({ calls: 2, attempts: 2, roundTrips: 2, tcpConnects: 0 });
    expect(f?.evidence.measurements).toEqual({ sameRegionRttMs: 5.3, excessPerRoundTripMs: 0 });
  });
});

describe('cross-region: TCP ending at a near proxy, pinned', () => {
  it('two TLS handshakes and reused requests measure the far round trip', async () => {
    // tcp 1 (twice), TLS 1.3 90 (network 80): 1 < 0.25 × 80, TCP ended nearby. Reused ttfb 60 ≥ 0.5 × 80
    // confirms a far peer: RTT min(80, 60) = 60 ≥ 26.745 over 2 handshakes. Excess 60 − 5.349 = 54.651 ×
    // (3 + 3 + 1 + 1) = 437.208; per call / 4 = 109.302.
    const news = [fresh(0, 1, 90), fresh(1, 1, 90)];
    const [f] = await crossRegion([...news.flat(), ...reused(2, 60), ...reused(3, 60)]);
    expect(f?.summary).toBe(
      'TCP to bucket.s3.us-east-1.amazonaws.com:443 ends nearby (connect 1.0 ms: a proxy or sidecar), but 2 TLS handshakes measure a 60 ms round trip from a caller in us-east-1 (same-region ~5.3 ms): the peer is not in us-east-1, probably mx-central-1 or us-west-1 or us-west-2',
    );
    expect(f?.severity).toBe('error');
    expect(f?.costMs).toBe(437.2);
    expect(f?.costPerCallMs).toBe(109.3);
    expect(f?.costBasis).toBe(
      '+55 ms per round trip (fastest measured round trip − same-region p50) × 8 round trips',
    );
    expect(f?.evidence.counts).toEqual({
      calls: 4,
      attempts: 4,
      roundTrips: 8,
      tcpConnects: 2,
      tlsHandshakes: 2,
    });
    expect(f?.evidence.measurements).toEqual({
      tcpConnectMinMs: 1,
      reusedRequestMinMs: 60,
      measuredRttMs: 60,
      sameRegionRttMs: 5.3,
      excessPerRoundTripMs: 54.7,
    });
    // Evidence: the attempts that measured something (the new connections), not the reused ones.
    expect(f?.evidence.spanIds).toEqual(attemptIds(...news));
  });

  it('one TLS handshake: singular, and only from 50 ms', async () => {
    // TLS 1.3 130 (network 120), reused ttfb 70 ≥ 60: RTT 70 ≥ 50 → (70 − 5.349) × (3 + 1) = 258.604.
    const [f] = await crossRegion([...fresh(0, 1, 130), ...reused(1, 70)]);
    expect(f?.summary).toBe(
      'TCP to bucket.s3.us-east-1.amazonaws.com:443 ends nearby (connect 1.0 ms: a proxy or sidecar), but 1 TLS handshake measures a 70 ms round trip from a caller in us-east-1 (same-region ~5.3 ms): the peer is not in us-east-1, probably eu-west-1 or us-west-2 or us-west-1',
    );
    expect(f?.costMs).toBe(258.6);
    expect(f?.costPerCallMs).toBe(129.3);
    // TLS 1.3 55 (network 45), reused 40: RTT 40 < 50 for a single handshake → nothing.
    expect(await crossRegion([...fresh(0, 1, 55), ...reused(1, 40)])).toEqual([]);
  });

  it('TCP slow itself wins over a far TLS round trip: the connect is the measure', async () => {
    // tcp 30 (twice) ≥ 26.745 but below 0.25 × 140 (TLS 1.3 150, network 140); reused 100 would confirm a
    // far 100 ms peer, yet the connects are slow themselves: RTT min(30, 150) = 30, no region at ±35 % of
    // 30 ms from us-east-1. (30 − 5.349) × (3 + 3 + 1 + 1) = 197.208; per call 49.302.
    const [f] = await crossRegion([
      ...fresh(0, 30, 150),
      ...fresh(1, 30, 150),
      ...reused(2, 100),
      ...reused(3, 100),
    ]);
    expect(f?.summary).toBe(
      '2 connects to bucket.s3.us-east-1.amazonaws.com:443 took ≥ 30 ms from a caller in us-east-1 (same-region ~5.3 ms): the peer is not in us-east-1, far from it',
    );
    expect(f?.severity).toBe('warning');
    expect(f?.costMs).toBe(197.2);
    expect(f?.costPerCallMs).toBe(49.3);
    expect(f?.evidence.measurements).toEqual({
      tcpConnectMinMs: 30,
      reusedRequestMinMs: 100,
      measuredRttMs: 30,
      sameRegionRttMs: 5.3,
      excessPerRoundTripMs: 24.7,
    });
  });
});

describe('cross-region by the measured round trip: evidence and groups, pinned', () => {
  it('evidence lists the attempts with a tcp or a tls phase, reused ones are counted only', async () => {
    // No DNS lookups (an address already known): c0 tcp 70 + TLS 80, c1 tcp 64 only, c2 TLS 90 only, two
    // reused (ttfb 10): tcp min 64 over 2 connects, TLS min 80 → RTT 64. Round trips 3 + 3 + 3 + 1 + 1 = 11:
    // (64 − 5.349) × 11 = 645.161; per call 129.032.
    const noDns = { dnsMs: null };
    const news = [fresh(0, 70, 80, {}, noDns), fresh(1, 64, null, {}, noDns), fresh(2, null, 90, {}, noDns)];
    const [f] = await crossRegion([...news.flat(), ...reused(3, 10), ...reused(4, 10)]);
    expect(f?.summary).toBe(
      '2 connects to bucket.s3.us-east-1.amazonaws.com:443 took ≥ 64 ms from a caller in us-east-1 (same-region ~5.3 ms): the peer is not in us-east-1, probably us-west-1 or us-west-2 or eu-west-1',
    );
    expect(f?.costMs).toBe(645.2);
    expect(f?.costPerCallMs).toBe(129);
    expect(f?.evidence.spanIds).toEqual(attemptIds(...news));
    expect(f?.evidence.spanIdsTotal).toBe(3);
    expect(f?.evidence.counts).toEqual({
      calls: 5,
      attempts: 5,
      roundTrips: 11,
      tcpConnects: 2,
      tlsHandshakes: 2,
    });
    expect(f?.evidence.measurements).toEqual({
      tcpConnectMinMs: 64,
      reusedRequestMinMs: 10,
      measuredRttMs: 64,
      sameRegionRttMs: 5.3,
      excessPerRoundTripMs: 58.7,
    });
  });

  it('one finding per host', async () => {
    const other = 'other.s3.us-east-1.amazonaws.com';
    const findings = await crossRegion([
      ...fresh(0, 70, 80),
      ...fresh(1, 64, 80),
      ...fresh(2, 70, 80, { host: other }),
      ...fresh(3, 66, 80, { host: other }),
    ]);
    expect(findings.map((f) => f.summary.split(' from ')[0]).sort()).toEqual([
      '2 connects to bucket.s3.us-east-1.amazonaws.com:443 took ≥ 64 ms',
      '2 connects to other.s3.us-east-1.amazonaws.com:443 took ≥ 66 ms',
    ]);
  });

  it('a host naming no region: one finding per signing region when the caller is unknown', async () => {
    const host = 'storage.internal';
    const findings = await crossRegion([
      ...fresh(0, 70, 80, { host, callerRegion: null }),
      ...fresh(1, 64, 80, { host, callerRegion: null }),
      ...fresh(2, 70, 80, { host, callerRegion: null, region: 'eu-west-1' }),
      ...fresh(3, 64, 80, { host, callerRegion: null, region: 'eu-west-1' }),
    ]);
    // eu-west-1: same-region 2.88, threshold max(25, 14.4) = 25.
    expect(findings.map((f) => f.summary).sort()).toEqual([
      '2 connects to storage.internal:443 took ≥ 64 ms from an endpoint for eu-west-1 (same-region ~2.9 ms): the peer is not in eu-west-1, probably ca-central-1 or us-east-1 or il-central-1',
      '2 connects to storage.internal:443 took ≥ 64 ms from an endpoint for us-east-1 (same-region ~5.3 ms): the peer is not in us-east-1, probably us-west-1 or us-west-2 or eu-west-1',
    ]);
  });

  it('a host naming no region and no signing region: one finding per caller region, none without one', async () => {
    const host = 'storage.internal';
    const noTarget = (i: number, tcpMs: number, callerRegion: string | null) =>
      without(fresh(i, tcpMs, 80, { host, callerRegion }), 'cloud.region');
    const findings = await crossRegion([
      ...noTarget(0, 70, 'us-east-1'),
      ...noTarget(1, 64, 'us-east-1'),
      ...noTarget(2, 70, 'us-west-2'),
      ...noTarget(3, 64, 'us-west-2'),
    ]);
    expect(findings.map((f) => f.summary).sort()).toEqual([
      '2 connects to storage.internal:443 took ≥ 64 ms from a caller in us-east-1 (same-region ~5.3 ms): the peer is not in us-east-1, probably us-west-1 or us-west-2 or eu-west-1',
      '2 connects to storage.internal:443 took ≥ 64 ms from a caller in us-west-2 (same-region ~3.0 ms): the peer is not in us-west-2, probably us-east-1 or ca-central-1 or us-east-2',
    ]);
    expect(findings.map((f) => f.fix).sort()).toEqual([
      "Call an endpoint in us-east-1: check the client's region, custom endpoint or proxy, and where the bucket or table lives.",
      "Call an endpoint in us-west-2: check the client's region, custom endpoint or proxy, and where the bucket or table lives.",
    ]);
    // Neither region known: nothing to compare the round trip with.
    expect(await crossRegion([...noTarget(0, 70, null), ...noTarget(1, 64, null)])).toEqual([]);
  });
});
