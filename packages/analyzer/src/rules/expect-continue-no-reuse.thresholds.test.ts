import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import { EXPECT_CONTINUE_THRESHOLD_BYTES } from './expect-continue-no-reuse.js';

async function noReuse(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'expect-continue-no-reuse');
}

/** A 100-continue upload on a new node-http connection whose agent's keep-alive is not recorded. */
function upload(bodySize: number, phases = { dnsMs: 1, tcpMs: 1, tlsMs: 6 }, waitMs = 30): WireSpan[] {
  const spans = call({
    startMs: 0,
    attempts: [
      {
        reused: false,
        ...phases,
        durationMs: 300,
        attributes: {
          'wirescope.expect_continue': true,
          'wirescope.expect_continue.wait_ms': waitMs,
          'http.request.body.size': bodySize,
        },
      },
    ],
  });
  for (const s of spans) delete s.attributes['wirescope.agent.keep_alive'];
  return spans;
}

describe('expect-continue-no-reuse thresholds', () => {
  it('pins the 2 MiB threshold', () => {
    expect(EXPECT_CONTINUE_THRESHOLD_BYTES).toBe(2_097_152);
  });

  it('body of 2 MiB − 1 byte → nothing, exactly 2 MiB → finding', async () => {
    expect(await noReuse(upload(2_097_151))).toEqual([]);
    expect(await noReuse(upload(2_097_152))).toHaveLength(1);
  });

  it('costs the 100-continue wait plus the one-off handshake (hand-computed)', async () => {
    // wait 45 + dns 3 + tcp 20 + tls 40 = 108 ms for the one upload → error.
    const [finding] = await noReuse(upload(3 * 1024 * 1024, { dnsMs: 3, tcpMs: 20, tlsMs: 40 }, 45));
    expect(finding?.costMs).toBeCloseTo(108, 1);
    expect(finding?.costPerCallMs).toBeCloseTo(108, 1);
    expect(finding?.severity).toBe('error');
    expect(finding?.evidence.measurements).toEqual({ continueWaitMedianMs: 45, handshakeMedianMs: 63 });
  });
});
