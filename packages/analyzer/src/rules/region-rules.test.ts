import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call, healthyRun } from '../testing/span-factory.js';
import type { AnalyzeOptions, WireSpan } from '../types.js';

async function findings(spans: WireSpan[], code: string, options?: AnalyzeOptions) {
  const result = await analyze(spans, options);
  return result.findings.filter((f) => f.code === code);
}

describe('cross-region', () => {
  it('says so when the regions configured disagree with the round trip measured, and claims no cost', async () => {
    const spans = Array.from({ length: 3 }, (_, i) =>
      call({ startMs: i * 1000, callerRegion: 'us-west-2', attempts: [{ reused: i > 0 }] }),
    ).flat();
    // The factory's tcp.connect is 1 ms (a local server): the configuration says us-west-2 → us-east-1
    // (64 ms apart), the measurement says the peer is near.
    const [finding] = await findings(spans, 'cross-region');
    expect(finding?.summary).toContain('configured from us-west-2 to us-east-1 (CloudPing p50 64 ms)');
    expect(finding?.summary).toContain('is 1.0 ms: the peer is near the caller');
    expect(finding?.evidence.measurements.tableRttMs).toBeCloseTo(64, 0);
    expect(finding?.evidence.measurements.measuredRttMs).toBe(1);
    expect(finding?.severity).toBe('info');
    expect(finding?.costMs).toBe(0);
  });

  it('flags a caller in us-west-2 calling a bucket in us-east-1 when the measured round trip agrees', async () => {
    const spans = Array.from({ length: 3 }, (_, i) =>
      call({
        startMs: i * 1000,
        callerRegion: 'us-west-2',
        attempts: [
          i > 0 ? { reused: true, durationMs: 70 } : { reused: false, tcpMs: 66, tlsMs: 80, durationMs: 220 },
        ],
      }),
    ).flat();
    const [finding] = await findings(spans, 'cross-region');
    expect(finding?.summary).toContain('from us-west-2 went to us-east-1: one round trip ≈ 66 ms (measured)');
    // (66 − same-region us-west-2 p50) per round trip × round trips (new TLS connection 1 + 1 + 2, reused 1 + 1).
    expect(finding?.evidence.measurements.excessPerRoundTripMs).toBeGreaterThan(60);
    expect(finding?.costMs).toBeGreaterThan(300);
  });

  it('uses the table RTT when no connect was measured: ~64 ms per round trip', async () => {
    const spans = Array.from({ length: 2 }, (_, i) =>
      call({ startMs: i * 1000, attempts: [{ reused: true }] }),
    ).flat();
    const [finding] = await findings(spans, 'cross-region', { callerRegion: 'us-west-2' });
    // Caller region attribute us-east-1 wins over the option: same region, no finding...
    expect(finding).toBeUndefined();
    const unknownCaller = Array.from({ length: 2 }, (_, i) =>
      call({ startMs: i * 1000, callerRegion: null, attempts: [{ reused: true }] }),
    ).flat();
    const [fromOption] = await findings(unknownCaller, 'cross-region', { callerRegion: 'us-west-2' });
    expect(fromOption?.costPerCallMs).toBeCloseTo(63.972 - 3.042, 1);
  });

  it('flags a us-east-1 caller whose connects take ~64 ms although every attribute says us-east-1', async () => {
    const spans = Array.from({ length: 4 }, (_, i) =>
      call({
        startMs: i * 1000,
        attempts: [{ reused: false, connectionId: `c-${i}`, tcpMs: 64 + i, tlsMs: 130 }],
      }),
    ).flat();
    const [finding] = await findings(spans, 'cross-region');
    expect(finding?.summary).toContain('the peer is not in us-east-1');
    expect(finding?.summary).toContain('us-west-2');
    expect(finding?.evidence.measurements.tcpConnectMinMs).toBe(64);
  });

  it('stays quiet for same-region calls with same-region connects', async () => {
    const spans = Array.from({ length: 4 }, (_, i) =>
      call({ startMs: i * 1000, attempts: [{ reused: false, connectionId: `c-${i}`, tcpMs: 3 + i }] }),
    ).flat();
    expect(await findings([...spans, ...healthyRun(5)], 'cross-region')).toEqual([]);
  });
});

describe('region-redirect', () => {
  it('flags calls S3 redirected, costing the redirected attempt and the new connection', async () => {
    const spans = call({
      startMs: 0,
      region: 'us-west-2',
      callerRegion: 'us-west-2',
      attributes: {
        'wirescope.region.redirects': 1,
        'wirescope.bucket.region': 'eu-west-1',
        'wirescope.client.region': 'us-east-1',
      },
      attempts: [
        { reused: true, statusCode: 301, durationMs: 70 },
        { reused: false, connectionId: 'c-2', dnsMs: 3, tcpMs: 140, tlsMs: 140, durationMs: 450 },
      ],
    });
    const [finding] = await findings(spans, 'region-redirect');
    expect(finding?.summary).toContain('sent to us-east-1 and redirected to eu-west-1');
    expect(finding?.costMs).toBeCloseTo(70 + 283, 1);
  });

  it('ignores calls without redirects', async () => {
    expect(await findings(healthyRun(3), 'region-redirect')).toEqual([]);
  });
});

describe('hot-prefix', () => {
  it('flags 503 SlowDown per key prefix when the plugin recorded one, with the back-off', async () => {
    const spans = Array.from({ length: 3 }, (_, i) =>
      call({
        startMs: i * 1000,
        attributes: { 'wirescope.s3.key_prefix': 'logs/2024' },
        attempts: [
          {
            statusCode: 503,
            errorType: 'SlowDown',
            durationMs: 10,
            attributes: { 'http.response.status_code': 503 },
          },
          { offsetMs: 110, durationMs: 20 },
        ],
      }),
    ).flat();
    const [finding] = await findings(spans, 'hot-prefix');
    expect(finding?.summary).toContain('prefix my-bucket/logs/2024');
    expect(finding?.evidence.counts.slowDowns).toBe(3);
    expect(finding?.costPerCallMs).toBeCloseTo(110, 1);
  });

  it('flags a write rate near 3,500/s on one bucket as info, and ignores a normal rate', async () => {
    const hot = Array.from({ length: 3000 }, (_, i) => call({ startMs: i * 0.3 })).flat();
    const [finding] = await findings(hot, 'hot-prefix');
    expect(finding?.severity).toBe('info');
    expect(finding?.costMs).toBe(0);
    expect(await findings(healthyRun(100), 'hot-prefix')).toEqual([]);
  });
});
