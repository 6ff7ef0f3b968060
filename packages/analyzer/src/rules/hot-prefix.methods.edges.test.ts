import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type AttemptSpec, call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

// hot-prefix: which attempts count as writes, reads and SlowDowns. The write limit's 80 % is 2,800 per
// second and the read limit's 4,400: 2,800 requests in one second of a method that is neither (or a read)
// must not be called hot, and each way S3 says SlowDown counts alone.
async function hot(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'hot-prefix');
}

/** `count` calls to one bucket, `stepMs` apart from `fromMs`, with the given method (undefined: none). */
function burst(count: number, method: string | undefined, fromMs = 0, stepMs = 0.3): WireSpan[] {
  return Array.from({ length: count }, (_, i) => {
    const spans = call({
      startMs: fromMs + i * stepMs,
      method: method ?? 'PUT',
      attempts: [{ durationMs: 1 }],
    });
    if (method === undefined) for (const s of spans) delete s.attributes['http.request.method'];
    return spans;
  }).flat();
}

describe('hot-prefix: writes and reads by method', () => {
  it('2,800 PUTs in a second are a hot write rate; 2,800 attempts without a method are not writes', async () => {
    const [f] = await hot(burst(2800, 'PUT'));
    expect(f?.evidence.counts).toMatchObject({ writePeakPerSecond: 2800 });
    expect(await hot(burst(2800, undefined))).toEqual([]);
  });

  it('2,800 GETs or HEADs in a second are reads below the read limit: nothing', async () => {
    expect(await hot(burst(2800, 'GET'))).toEqual([]);
    expect(await hot(burst(2800, 'HEAD'))).toEqual([]);
  });

  it('4,400 HEADs in a second are a hot read rate', async () => {
    const [f] = await hot(burst(4400, 'HEAD', 0, 0.2));
    expect(f?.evidence.counts).toMatchObject({ readPeakPerSecond: 4400 });
  });

  it('the write peak counts only writes, even when reads came first', async () => {
    // 2,800 GETs spread 2 ms apart (0–5.6 s), then 2,800 PUTs within one second from 10 s.
    const [f] = await hot([...burst(2800, 'GET', 0, 2), ...burst(2800, 'PUT', 10_000)]);
    expect(f?.evidence.counts).toMatchObject({ writePeakPerSecond: 2800, readPeakPerSecond: 500 });
  });
});

describe('hot-prefix: each way S3 says SlowDown counts alone', () => {
  const slowDown = (attempt: AttemptSpec, strip: string[] = []) => {
    const spans = call({ startMs: 0, attempts: [{ durationMs: 40, ...attempt }] });
    for (const s of spans) for (const key of strip) delete s.attributes[key];
    return spans;
  };

  it('status 503 without an error type', async () => {
    const [f] = await hot(slowDown({ statusCode: 503 }));
    expect(f?.costMs).toBeCloseTo(40, 1);
  });

  it("error type 'SlowDown' without a status code", async () => {
    const [f] = await hot(slowDown({ errorType: 'SlowDown' }, ['http.response.status_code']));
    expect(f?.costMs).toBeCloseTo(40, 1);
  });

  it("error type '503' without a status code", async () => {
    const [f] = await hot(slowDown({ errorType: '503' }, ['http.response.status_code']));
    expect(f?.costMs).toBeCloseTo(40, 1);
  });

  it('another error is not a SlowDown', async () => {
    expect(await hot(slowDown({ statusCode: 500, errorType: 'InternalError' }))).toEqual([]);
  });
});
