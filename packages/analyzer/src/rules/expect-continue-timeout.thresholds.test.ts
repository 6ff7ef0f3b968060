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

describe('expect-continue-timeout on HTTP/2 streams (NodeHttp2Handler), from the same attributes', () => {
  const h2 = { http2: true };

  it('the spans are HTTP/2 attempts', async () => {
    expect((await analyze(upload(0, 6020, 'timer', true, h2))).stats.http2Attempts).toBe(1);
  });

  it('a wait the SDK timer ended → found, costed against the round trip of its session; the same wait answered by the server → nothing', async () => {
    // Session opened with tcp.connect 20 ms: round trip 20; wait 6,020 → +6,000 ms.
    const [f, ...more] = await timeouts(upload(0, 6020, 'timer', true, h2));
    expect(more).toEqual([]);
    expect(f?.costMs).toBe(6000);
    expect(f?.severity).toBe('error');
    expect(f?.evidence.measurements).toEqual({
      continueWaitMedianMs: 6020,
      continueWaitMaxMs: 6020,
      rttMs: 20,
    });
    expect(await timeouts(upload(0, 6020, 'server', true, h2))).toEqual([]);
  });

  it(`counts from ${EXPECT_TIMEOUT_MIN_MS} ms beyond the round trip, as on node:http: 70 ms → found, 69.9 → nothing`, async () => {
    const [f] = await timeouts(upload(0, 70, 'timer', true, h2));
    expect(f?.costMs).toBe(50);
    expect(await timeouts(upload(0, 69.9, 'timer', true, h2))).toEqual([]);
  });

  it('a stream on a reused session is costed against the round trip its opener measured', async () => {
    // The opener's wait was answered (server); the next stream, on the same session, waited on the timer.
    const opener = upload(0, 80, 'server', true, h2);
    const next = upload(1_000, 6020, 'timer', false, h2);
    for (const s of [opener[1], next[1]]) if (s) s.attributes['wirescope.connection.id'] = 'h2-session-1';
    const [f, ...more] = await timeouts([...opener, ...next]);
    expect(more).toEqual([]);
    expect(f?.evidence.counts).toEqual({ uploads: 1 });
    expect(f?.evidence.spanIds).toEqual([next[1]?.spanId]);
    expect(f?.costMs).toBe(6000);
  });
});
