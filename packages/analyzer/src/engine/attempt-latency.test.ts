import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import type { AttemptRecord } from '../records.js';
import { call } from '../testing/span-factory.js';
import { attemptLatency } from './attempt-latency.js';

/** The fields attemptLatency reads. */
const attempt = (
  durationMs: number,
  kind: 'new' | 'reused' | 'unknown',
  host = 'h.example',
  port: number | undefined = 443,
) =>
  ({
    durationMs,
    isNew: kind === 'new',
    reused: kind === 'unknown' ? undefined : kind === 'reused',
    serverAddress: host,
    serverPort: port,
  }) as AttemptRecord;

describe('attemptLatency', () => {
  it('splits attempts per host into new and reused, counts the unknown apart, bins on shared log edges', () => {
    const { hosts, hostsOmitted } = attemptLatency([
      attempt(150, 'new'),
      attempt(250, 'new'),
      attempt(10, 'reused'),
      attempt(12, 'reused'),
      attempt(99, 'reused'),
      attempt(40, 'unknown'),
    ]);
    expect(hostsOmitted).toBeUndefined();
    const [h] = hosts;
    expect(h?.host).toBe('h.example:443');
    expect(h?.unknown).toBe(1);
    // 10 ms to 1 s: two decades, five bins each, edges of three significant digits.
    expect(h?.binEdgesMs).toEqual([10, 15.8, 25.1, 39.8, 63.1, 100, 158, 251, 398, 631, 1000]);
    expect(h?.new).toEqual({
      count: 2,
      histogram: [0, 0, 0, 0, 0, 1, 1, 0, 0, 0],
      minMs: 150,
      medianMs: 150,
      p90Ms: 250,
      maxMs: 250,
    });
    // 10 sits on the first edge (in bin 0), 99 just under the edge 100 (bin 4).
    expect(h?.reused.histogram).toEqual([2, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
    expect(h?.reused).toMatchObject({ count: 3, minMs: 10, medianMs: 12, maxMs: 99 });
  });

  it('puts an attempt on an edge in the bin that starts there, and zero-length attempts in the first bin', () => {
    const [h] = attemptLatency([attempt(0, 'reused'), attempt(1, 'reused'), attempt(100, 'new')]).hosts;
    expect(h?.binEdgesMs[0]).toBe(0.01);
    const bin100 = h?.binEdgesMs.indexOf(100) ?? -1;
    expect(h?.new.histogram[bin100]).toBe(1);
    expect(h?.binEdgesMs.at(-1)).toBe(1000);
    expect(h?.reused.histogram[0]).toBe(1);
    expect(h?.reused.histogram[h.binEdgesMs.indexOf(1)]).toBe(1);
  });

  it('gives a host of unknown reuse no edges and empty series, and caps hosts by attempts', () => {
    const latency = attemptLatency(
      [
        attempt(5, 'unknown', 'a'),
        attempt(5, 'new', 'b'),
        attempt(5, 'new', 'b'),
        attempt(5, 'new', 'c', undefined),
      ],
      2,
    );
    expect(latency.hosts.map((h) => h.host)).toEqual(['b:443', 'a:443']);
    expect(latency.hosts[1]).toEqual({
      host: 'a:443',
      binEdgesMs: [],
      new: { count: 0, histogram: [] },
      reused: { count: 0, histogram: [] },
      unknown: 1,
    });
    expect(latency.hostsOmitted).toBe(1);
  });

  it('is in every analysis', async () => {
    const result = await analyze([
      ...call({ startMs: 0, attempts: [{ reused: false, durationMs: 120 }] }),
      ...call({ startMs: 200, attempts: [{ reused: true, durationMs: 20 }] }),
    ]);
    expect(result.attemptLatency?.hosts).toHaveLength(1);
    expect(result.attemptLatency?.hosts[0]).toMatchObject({
      host: 'my-bucket.s3.us-east-1.amazonaws.com:443',
      new: { count: 1, medianMs: 120 },
      reused: { count: 1, medianMs: 20 },
      unknown: 0,
    });
  });
});
