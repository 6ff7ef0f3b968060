import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type AttemptSpec, call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

// connection-churn pinned whole: summary (TLS or not, keep-alive off or unknown, round trips), cost,
// basis, fix and evidence on hand-computed cases.
async function churn(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'connection-churn');
}

/** `count` sequential calls (300 ms apart, 260 ms each: peak concurrency 1), each on a new connection. */
const freshRun = (count: number, attempt: AttemptSpec = {}) =>
  Array.from({ length: count }, (_, i) =>
    call({
      startMs: i * 300,
      attempts: [{ reused: false, connectionId: `c-${i}`, durationMs: 260, ...attempt }],
    }),
  ).flat();

const HOST = 'my-bucket.s3.us-east-1.amazonaws.com:443';

describe('connection-churn, pinned', () => {
  it('keep-alive on but every call connects again: TLS 1.3, the client-reuse fix (hand-computed)', async () => {
    // 4 new connections, peak 1 → 3 extra; handshake 2 + 10 + 20 = 32 ms each → 96 ms, 32 per call
    // (warning). TLS 1.3: new connection 1 + TLS 1 + request 1 = 3 round trips → +2 RTT.
    const findings = await churn(freshRun(4, { dnsMs: 2, tcpMs: 10, tlsMs: 20 }));
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f?.summary).toBe(
      `4 of 4 S3.PutObject requests to ${HOST} opened a new TLS connection (keep-alive off?): +2 RTT ≈ 32 ms each`,
    );
    expect(f?.severity).toBe('warning');
    expect(f?.costMs).toBeCloseTo(96, 1);
    expect(f?.costPerCallMs).toBeCloseTo(32, 1);
    expect(f?.costBasis).toBe('measured dns+tcp+tls of 3 connections beyond the 1 that concurrency needs');
    expect(f?.fix).toBe(
      'Create the SDK client once, outside the handler, and reuse it and its agent; keep idle sockets open between calls.',
    );
    expect(f?.evidence.counts).toEqual({
      attempts: 4,
      newConnections: 4,
      extraConnections: 3,
      peakConcurrency: 1,
    });
    expect(f?.evidence.measurements).toEqual({ handshakeMedianMs: 32, handshakeTotalMs: 96 });
    expect(f?.evidence.spanIdsTotal).toBe(3);
    expect(f?.evidence.traceIds).toHaveLength(3);
  });

  it('keep-alive off, no TLS phase or version: the keep-alive fix (hand-computed)', async () => {
    // 3 new connections, peak 1 → 2 extra; handshake 3 + 7 = 10 ms each → 20 ms, 10 per call (warning).
    // Port 443 without a TLS version counts TLS 1.2 for the round trips: 1 + 1 + 2 + 1 − 1 = +3 RTT.
    const spans = freshRun(3, {
      dnsMs: 3,
      tcpMs: 7,
      tlsMs: null,
      attributes: { 'wirescope.agent.keep_alive': false },
    });
    for (const s of spans) delete s.attributes['tls.protocol.version'];
    const [f] = await churn(spans);
    expect(f?.summary).toBe(
      `3 of 3 S3.PutObject requests to ${HOST} opened a new connection (keep-alive off): +3 RTT ≈ 10 ms each`,
    );
    expect(f?.severity).toBe('warning');
    expect(f?.costMs).toBeCloseTo(20, 1);
    expect(f?.costPerCallMs).toBeCloseTo(10, 1);
    expect(f?.costBasis).toBe('measured dns+tcp+tls of 2 connections beyond the 1 that concurrency needs');
    expect(f?.fix).toBe(
      'Turn keep-alive on (the SDK default) and reuse one client and its agent for every call.',
    );
    expect(f?.evidence.counts).toEqual({
      attempts: 3,
      newConnections: 3,
      extraConnections: 2,
      peakConcurrency: 1,
    });
    expect(f?.evidence.measurements).toEqual({ handshakeMedianMs: 10, handshakeTotalMs: 20 });
  });

  it('the extra connections are the ones after the first `peak`: their handshakes are the cost', async () => {
    // Handshakes 100, 10, 20, 30 ms (tcp only): the first is free → 60 ms, median 20.
    const spans = [100, 10, 20, 30].flatMap((tcpMs, i) =>
      call({
        startMs: i * 300,
        attempts: [
          { reused: false, connectionId: `h-${i}`, durationMs: 260, dnsMs: null, tcpMs, tlsMs: null },
        ],
      }),
    );
    const [f] = await churn(spans);
    expect(f?.costMs).toBeCloseTo(60, 1);
    expect(f?.costPerCallMs).toBeCloseTo(20, 1);
    expect(f?.evidence.measurements).toEqual({ handshakeMedianMs: 20, handshakeTotalMs: 60 });
  });

  it('a new connection after a reset in the same pool is stale-connection-reset’s, not churn', async () => {
    // 4 calls on new connections; the 2nd call's attempt ended in ECONNRESET, so the 3rd call's new
    // connection is explained: fresh 3 (calls 1, 2, 4), peak 1 → extra 2.
    const spans = [0, 1, 2, 3].flatMap((i) =>
      call({
        startMs: i * 300,
        attempts: [
          {
            reused: false,
            connectionId: `r-${i}`,
            durationMs: 260,
            ...(i === 1 ? { errorType: 'ECONNRESET' } : {}),
          },
        ],
      }),
    );
    const [f] = await churn(spans);
    expect(f?.evidence.counts).toEqual({
      attempts: 4,
      newConnections: 3,
      extraConnections: 2,
      peakConcurrency: 1,
    });
  });
});
