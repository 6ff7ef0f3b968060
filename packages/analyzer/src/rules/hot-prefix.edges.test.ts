import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

// hot-prefix pinned whole: the 503 summary and the rate summary, bucket and prefix groups.
async function hot(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'hot-prefix');
}

/** A call whose first attempt drew a 503 SlowDown (30 ms) and whose retry started at +75 ms. */
const slowDown = (startMs: number, method: 'PUT' | 'GET' = 'PUT', prefix?: string) =>
  call({
    startMs,
    method,
    operation: method === 'PUT' ? 'PutObject' : 'GetObject',
    ...(prefix !== undefined ? { attributes: { 'wirescope.s3.key_prefix': prefix } } : {}),
    attempts: [
      {
        statusCode: 503,
        errorType: 'SlowDown',
        durationMs: 30,
        attributes: { 'http.response.status_code': 503 },
      },
      { offsetMs: 75, durationMs: 20 },
    ],
  });

/** `count` calls started evenly over [0, spanMs], 1 ms each. */
function rate(count: number, spanMs: number, method: 'PUT' | 'GET', prefix?: string): WireSpan[] {
  const step = count > 1 ? spanMs / (count - 1) : 0;
  return Array.from({ length: count }, (_, i) =>
    call({
      startMs: i * step,
      method,
      operation: method === 'PUT' ? 'PutObject' : 'GetObject',
      ...(prefix !== undefined ? { attributes: { 'wirescope.s3.key_prefix': prefix } } : {}),
      attempts: [{ durationMs: 1 }],
    }),
  ).flat();
}

const FIX =
  'Spread keys over more prefixes (S3 scales per prefix) and ramp request rates up gradually; retry SlowDown with back-off.';

describe('hot-prefix, pinned', () => {
  it('503s on a bucket: the writes and reads per second beside them (hand-computed)', async () => {
    // PUT calls at 0 and 100 ms (503 + retry each: 4 write attempts in a second), a GET call at 5 s
    // (2 read attempts). Per 503: 30 + back-off 45 = 75 ms; 3 × 75 = 225.
    const findings = await hot([...slowDown(0), ...slowDown(100), ...slowDown(5000, 'GET')]);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f?.summary).toBe(
      '3 requests to bucket my-bucket drew 503 SlowDown (peak 4 writes/s and 2 reads/s): +75 ms each with back-off',
    );
    expect(f?.severity).toBe('warning');
    expect(f?.costMs).toBeCloseTo(225, 1);
    expect(f?.costPerCallMs).toBeCloseTo(75, 1);
    expect(f?.costBasis).toBe('measured: each 503 attempt plus the back-off before its retry');
    expect(f?.fix).toBe(FIX);
    expect(f?.evidence.counts).toEqual({
      attempts: 6,
      slowDowns: 3,
      writePeakPerSecond: 4,
      readPeakPerSecond: 2,
    });
    expect(f?.evidence.measurements).toEqual({ slowDownCostMs: 225 });
    expect(f?.evidence.spanIdsTotal).toBe(3);
  });

  it('one finding per key prefix, singular', async () => {
    const findings = await hot([...slowDown(0, 'PUT', 'logs/'), ...slowDown(20, 'PUT', 'img/')]);
    expect(findings.map((f) => f.summary)).toEqual([
      '1 request to prefix my-bucket/logs/ drew 503 SlowDown (peak 2 writes/s and 0 reads/s): +75 ms each with back-off',
      '1 request to prefix my-bucket/img/ drew 503 SlowDown (peak 2 writes/s and 0 reads/s): +75 ms each with back-off',
    ]);
    expect(findings.map((f) => f.evidence.counts)).toEqual([
      { attempts: 2, slowDowns: 1, writePeakPerSecond: 2, readPeakPerSecond: 0 },
      { attempts: 2, slowDowns: 1, writePeakPerSecond: 2, readPeakPerSecond: 0 },
    ]);
  });

  it('a rate near the write limit on a whole bucket: info, no cost, every attempt as evidence', async () => {
    const [f] = await hot(rate(2800, 990, 'PUT'));
    expect(f?.summary).toBe(
      "Requests to bucket my-bucket reach peak 2800 writes/s and 0 reads/s, near S3's per-prefix limits (3500 writes/s, 5500 reads/s)",
    );
    expect(f?.severity).toBe('info');
    expect(f?.costMs).toBe(0);
    expect(f?.costPerCallMs).toBe(0);
    expect(f?.costBasis).toBe('no cost measured yet: the rate is near the limit');
    expect(f?.fix).toBe(FIX);
    expect(f?.evidence.counts).toEqual({
      attempts: 2800,
      slowDowns: 0,
      writePeakPerSecond: 2800,
      readPeakPerSecond: 0,
    });
    expect(f?.evidence.measurements).toEqual({ slowDownCostMs: 0 });
    expect(f?.evidence.spanIdsTotal).toBe(2800);
  });

  it('a read rate near the limit on a prefix, with a few writes: warning, both rates counted', async () => {
    const [f] = await hot([...rate(4400, 990, 'GET', 'logs/'), ...rate(10, 500, 'PUT', 'logs/')]);
    expect(f?.summary).toBe(
      "Requests to prefix my-bucket/logs/ reach peak 10 writes/s and 4400 reads/s, near S3's per-prefix limits (3500 writes/s, 5500 reads/s)",
    );
    expect(f?.severity).toBe('warning');
    expect(f?.evidence.counts).toEqual({
      attempts: 4410,
      slowDowns: 0,
      writePeakPerSecond: 10,
      readPeakPerSecond: 4400,
    });
  });

  it('the peak is per one-second window over sorted starts', async () => {
    // Writes at 0, 400, 900, 1000, 1500 ms: windows [0, 1000) hold 3, [400, 1400) 3, [900, 1900) 3.
    const spans = [1500, 0, 900, 400, 1000].flatMap((startMs) =>
      call({
        startMs,
        attempts: [
          {
            statusCode: 503,
            errorType: 'SlowDown',
            durationMs: 1,
            attributes: { 'http.response.status_code': 503 },
          },
        ],
      }),
    );
    const [f] = await hot(spans);
    expect(f?.evidence.counts).toEqual({
      attempts: 5,
      slowDowns: 5,
      writePeakPerSecond: 3,
      readPeakPerSecond: 0,
    });
    // No retry: the cost is the 503 attempt alone (1 ms each) → info lifted to warning.
    expect(f?.costMs).toBeCloseTo(5, 1);
    expect(f?.severity).toBe('warning');
  });

  it('a 503 of 100 ms with its back-off is an error', async () => {
    const spans = call({
      startMs: 0,
      attempts: [
        {
          statusCode: 503,
          errorType: 'SlowDown',
          durationMs: 60,
          attributes: { 'http.response.status_code': 503 },
        },
        { offsetMs: 100, durationMs: 20 },
      ],
    });
    const [f] = await hot(spans);
    expect(f?.costMs).toBeCloseTo(100, 1);
    expect(f?.severity).toBe('error');
  });
});
