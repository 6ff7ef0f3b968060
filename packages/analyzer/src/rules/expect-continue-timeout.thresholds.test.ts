import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type CallSpec, call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import { EXPECT_TIMEOUT_MIN_MS } from './expect-continue-timeout.js';

async function timeouts(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'expect-continue-timeout');
}

/**
 * A PutObject whose 100-continue wait lasted `waitMs` and ended as `endedBy` says; on a new connection
 * with tcp 20 ms and a TLS 1.3 handshake of 30 ms (round trip 20 ms), or reused (no round trip measured).
 */
function upload(
  startMs: number,
  waitMs: number,
  endedBy = 'timer',
  fresh = true,
  spec: Partial<CallSpec> = {},
) {
  return call({
    startMs,
    ...spec,
    attempts: [
      {
        reused: !fresh,
        connectionId: `c-${startMs}`,
        ...(fresh ? { dnsMs: null, tcpMs: 20, tlsMs: 30 } : {}),
        durationMs: waitMs + 100,
        attributes: {
          'wirescope.expect_continue': true,
          'wirescope.expect_continue.wait_ms': waitMs,
          'wirescope.expect_continue.ended_by': endedBy,
          'http.request.body.size': 4096,
        },
      },
    ],
  });
}

describe('expect-continue-timeout thresholds', () => {
  it('pins the constant', () => {
    expect(EXPECT_TIMEOUT_MIN_MS).toBe(50);
  });

  it('only a wait the timer ended counts: the same wait answered by the server → nothing', async () => {
    expect(await timeouts(upload(0, 6020, 'server'))).toEqual([]);
    expect(await timeouts(upload(0, 6020))).toHaveLength(1);
  });

  it('costs the wait less the round trip (hand-computed)', async () => {
    // Round trip 20 ms (tcp.connect 20; TLS 1.3 30 − 10 ms CPU = 20). Waits 6,020 and 6,520:
    // 6,000 + 6,500 = 12,500 ms, 6,250 per upload → error. Median wait 6,270.
    const [f] = await timeouts([...upload(0, 6020), ...upload(10_000, 6520)]);
    expect(f?.costMs).toBe(12_500);
    expect(f?.costPerCallMs).toBe(6250);
    expect(f?.severity).toBe('error');
    expect(f?.evidence.counts).toEqual({ uploads: 2 });
    expect(f?.evidence.measurements).toEqual({
      continueWaitMedianMs: 6270,
      continueWaitMaxMs: 6520,
      rttMs: 20,
    });
    expect(f?.costBasis).toBe(
      'measured: wirescope.expect_continue.wait_ms less the round trip measured to the host',
    );
  });

  it(`counts from ${EXPECT_TIMEOUT_MIN_MS} ms beyond the round trip: 70 ms wait → found (warning), 69.9 → nothing`, async () => {
    const [f] = await timeouts(upload(0, 70));
    expect(f?.costMs).toBe(50);
    expect(f?.severity).toBe('warning');
    expect(await timeouts(upload(0, 69.9))).toEqual([]);
  });

  it('severity from the cost per upload: 100 ms → error, 99.9 → warning', async () => {
    expect((await timeouts(upload(0, 120)))[0]?.severity).toBe('error');
    expect((await timeouts(upload(0, 119.9)))[0]?.severity).toBe('warning');
  });

  it('no round trip measured: the whole wait, and the basis says so', async () => {
    const [f] = await timeouts(upload(0, 6000, 'timer', false));
    expect(f?.costMs).toBe(6000);
    expect(f?.evidence.measurements).toEqual({ continueWaitMedianMs: 6000, continueWaitMaxMs: 6000 });
    expect(f?.costBasis).toBe(
      'measured: wirescope.expect_continue.wait_ms (no round trip measured to the host)',
    );
    expect(f?.summary).toContain('no round trip measured: +6.0 s each');
  });
});
