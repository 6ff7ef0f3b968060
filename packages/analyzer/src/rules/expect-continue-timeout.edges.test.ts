import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type CallSpec, call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

// expect-continue-timeout pinned whole: summary, both fixes, one finding per host.
async function timeouts(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'expect-continue-timeout');
}

function upload(startMs: number, waitMs: number, spec: Partial<CallSpec> = {}) {
  return call({
    startMs,
    ...spec,
    attempts: [
      {
        reused: false,
        connectionId: `c-${startMs}`,
        dnsMs: null,
        tcpMs: 70,
        tlsMs: 80,
        durationMs: waitMs + 200,
        attributes: {
          'wirescope.expect_continue': true,
          'wirescope.expect_continue.wait_ms': waitMs,
          'wirescope.expect_continue.ended_by': 'timer',
        },
      },
    ],
  });
}

const FIX_TAIL =
  'so that S3 answers in time: the SDK waits for 100 Continue up to its fallback timer (6 s, or requestTimeout when longer) before it sends the body.';

describe('expect-continue-timeout, pinned', () => {
  it('a cross-region bucket: summary and the fix naming the bucket region', async () => {
    // Round trip 70 ms (tcp.connect); wait 6,070 → +6,000 ms.
    const spans = upload(0, 6070, {
      region: 'us-east-1',
      attributes: { 'wirescope.bucket.region': 'us-west-2' },
    });
    const [f, ...more] = await timeouts(spans);
    expect(more).toEqual([]);
    expect(f?.summary).toBe(
      "1 upload (S3.PutObject) to my-bucket.s3.us-east-1.amazonaws.com:443 waited 6.1 s (median) for a 100 Continue that never came, until the body went out on the SDK's timer; the round trip is 70 ms: +6.0 s each",
    );
    expect(f?.fix).toBe(
      `Turn the header off for these uploads (S3Client option expectContinueHeader: false, or a byte threshold above their size), or call the bucket's region (us-west-2) ${FIX_TAIL}`,
    );
  });

  it('no bucket region told: the fix without one; one finding per host', async () => {
    const findings = await timeouts([
      ...upload(0, 6070),
      ...upload(10_000, 6070, { bucket: 'other-bucket' }),
    ]);
    expect(findings).toHaveLength(2);
    expect(findings[0]?.fix).toBe(
      `Turn the header off for these uploads (S3Client option expectContinueHeader: false, or a byte threshold above their size), or call the bucket's region ${FIX_TAIL}`,
    );
  });

  it('an ended_by of another value, or a timer ending without a wait, is ignored', async () => {
    const odd = upload(0, 6070);
    (odd[1] as WireSpan).attributes['wirescope.expect_continue.ended_by'] = 'someone';
    expect(await timeouts(odd)).toEqual([]);
    const noWait = upload(0, 6070);
    delete (noWait[1] as WireSpan).attributes['wirescope.expect_continue.wait_ms'];
    expect(await timeouts(noWait)).toEqual([]);
  });
});
