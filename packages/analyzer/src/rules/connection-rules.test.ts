import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call, healthyRun } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

async function findings(spans: WireSpan[], code: string) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === code);
}

/** `count` sequential calls that each open a new connection (keep-alive off). */
function churnRun(count: number, keepAlive: boolean): WireSpan[] {
  return Array.from({ length: count }, (_, i) =>
    call({
      startMs: i * 300,
      attempts: [
        {
          reused: false,
          connectionId: `c4242-${i + 1}`,
          dnsMs: 4,
          tcpMs: 60,
          tlsMs: 125,
          durationMs: 260,
          attributes: { 'wirescope.agent.keep_alive': keepAlive },
        },
      ],
    }),
  ).flat();
}

describe('connection-churn', () => {
  it('flags sequential calls that each open a new TLS connection, costing the handshakes beyond the first', async () => {
    const [churn] = await findings(churnRun(12, false), 'connection-churn');
    expect(churn?.summary).toContain('12 of 12 S3.PutObject requests');
    expect(churn?.summary).toContain('keep-alive off');
    expect(churn?.evidence.counts).toMatchObject({
      newConnections: 12,
      extraConnections: 11,
      peakConcurrency: 1,
    });
    expect(churn?.costMs).toBeCloseTo(11 * 189, 1);
    expect(churn?.costPerCallMs).toBeCloseTo(189, 1);
    expect(churn?.severity).toBe('error');
  });

  it('stays quiet for keep-alive reuse and for a concurrent burst that needs its connections', async () => {
    expect(await findings(healthyRun(20), 'connection-churn')).toEqual([]);
    const burst = Array.from({ length: 10 }, (_, i) =>
      call({ startMs: i, attempts: [{ reused: false, connectionId: `c4242-${i}`, durationMs: 100 }] }),
    ).flat();
    expect(await findings(burst, 'connection-churn')).toEqual([]);
  });
});

describe('stale-connection-reset', () => {
  const staleCall = (start: number) =>
    call({
      startMs: start,
      attempts: [
        {
          reused: true,
          durationMs: 3,
          errorType: 'ECONNRESET',
          attributes: { 'wirescope.socket.reset': true, 'wirescope.connection.idle_ms': 6000 },
        },
        { reused: false, connectionId: 'c4242-2', dnsMs: 2, tcpMs: 20, tlsMs: 40, durationMs: 90 },
      ],
    });

  it('flags a reused socket that was reset, costing the failed attempt plus the retry handshake', async () => {
    const [stale] = await findings([...staleCall(0), ...staleCall(10_000)], 'stale-connection-reset');
    expect(stale?.evidence.counts).toEqual({ resets: 2, retried: 2, retriedOnNew: 2 });
    expect(stale?.costPerCallMs).toBeCloseTo(3 + 62, 1);
    expect(stale?.summary).toContain('6.0 s idle');
    expect(stale?.fix).toContain('6.0 s');
  });

  it('ignores a reset on a brand-new connection and healthy reuse', async () => {
    const fresh = call({
      startMs: 0,
      attempts: [{ reused: false, errorType: 'ECONNRESET' }, { reused: false }],
    });
    expect(await findings([...fresh, ...healthyRun(5)], 'stale-connection-reset')).toEqual([]);
  });
});

describe('expect-continue-no-reuse', () => {
  const upload = (start: number, oneOff: boolean) =>
    call({
      startMs: start,
      attempts: [
        {
          reused: false,
          connectionId: `c4242-${start}`,
          tcpMs: 1,
          tlsMs: 6,
          dnsMs: 1,
          durationMs: 200,
          attributes: {
            'wirescope.expect_continue': true,
            'wirescope.expect_continue.wait_ms': 30,
            'wirescope.agent.one_off': oneOff,
            'wirescope.agent.keep_alive': !oneOff,
            'http.request.body.size': 3 * 1024 * 1024,
          },
        },
      ],
    });

  it('flags uploads on the one-off agent: wait + handshake each', async () => {
    const [finding] = await findings([...upload(0, true), ...upload(1000, true)], 'expect-continue-no-reuse');
    expect(finding?.evidence.counts).toEqual({ uploads: 2 });
    expect(finding?.costPerCallMs).toBeCloseTo(38, 1);
    expect(finding?.fix).toContain('httpsAgent');
  });

  it('ignores 100-continue uploads on a keep-alive agent the user passed in', async () => {
    const reused = call({
      startMs: 0,
      attempts: [
        {
          reused: true,
          attributes: { 'wirescope.expect_continue': true, 'wirescope.expect_continue.wait_ms': 30 },
        },
      ],
    });
    expect(await findings([...upload(5000, false), ...reused], 'expect-continue-no-reuse')).toEqual([]);
  });
});

describe('dns-lookup-per-connection', () => {
  it('flags a lookup on every new connection, costing the lookups beyond the first', async () => {
    const spans = Array.from({ length: 6 }, (_, i) =>
      call({ startMs: i * 500, attempts: [{ reused: false, connectionId: `c4242-${i}`, dnsMs: 12 }] }),
    ).flat();
    const [dns] = await findings(spans, 'dns-lookup-per-connection');
    expect(dns?.evidence.counts).toEqual({ newConnections: 6, lookups: 6, extraLookups: 5 });
    expect(dns?.costMs).toBeCloseTo(60, 1);
  });

  it('ignores IP-literal connections (no dns.lookup) and healthy reuse', async () => {
    const spans = Array.from({ length: 6 }, (_, i) =>
      call({
        startMs: i * 500,
        host: '10.0.0.5',
        attempts: [{ reused: false, connectionId: `c-${i}`, dnsMs: null }],
      }),
    ).flat();
    expect(await findings([...spans, ...healthyRun(10)], 'dns-lookup-per-connection')).toEqual([]);
  });
});

describe('socket-pool-saturation', () => {
  it('flags attempts that queued for a pooled socket', async () => {
    const spans = Array.from({ length: 8 }, (_, i) =>
      call({
        startMs: i,
        attempts: [
          { queueMs: i < 2 ? 0 : 40, durationMs: 60, attributes: { 'wirescope.agent.max_sockets': 2 } },
        ],
      }),
    ).flat();
    const [pool] = await findings(spans, 'socket-pool-saturation');
    expect(pool?.evidence.counts).toMatchObject({ queued: 6, maxSockets: 2 });
    expect(pool?.costMs).toBe(240);
    expect(pool?.summary).toContain('maxSockets 2');
  });

  it('ignores sub-millisecond queueing', async () => {
    const spans = Array.from({ length: 8 }, (_, i) =>
      call({ startMs: i, attempts: [{ queueMs: 0.4 }] }),
    ).flat();
    expect(await findings(spans, 'socket-pool-saturation')).toEqual([]);
  });
});

describe('slow-handshake', () => {
  it('flags a TLS handshake far beyond the round trip (same region: ~5 ms)', async () => {
    const spans = call({ startMs: 0, attempts: [{ reused: false, tcpMs: 2, tlsMs: 900, durationMs: 950 }] });
    const [slow] = await findings(spans, 'slow-handshake');
    expect(slow?.summary).toContain('tls.handshake');
    expect(slow?.evidence.counts.slowPhases).toBe(1);
    expect(slow?.costMs).toBeGreaterThan(800);
  });

  it('ignores handshakes within a few round trips, even with event-loop noise', async () => {
    const spans = call({ startMs: 0, attempts: [{ reused: false, tcpMs: 2, tlsMs: 80, durationMs: 120 }] });
    expect(await findings(spans, 'slow-handshake')).toEqual([]);
  });
});

describe('unretried-socket-error', () => {
  it('flags a fetch call that failed on UND_ERR_SOCKET after one attempt', async () => {
    const spans = call({
      startMs: 0,
      error: true,
      attributes: { 'error.type': 'UND_ERR_SOCKET' },
      attempts: [
        { reused: true, errorType: 'UND_ERR_SOCKET', attributes: { 'wirescope.http.handler': 'fetch' } },
      ],
    });
    const [unretried] = await findings(spans, 'unretried-socket-error');
    expect(unretried?.severity).toBe('error');
    expect(unretried?.evidence.counts).toEqual({ calls: 1, UND_ERR_SOCKET: 1 });
    expect(unretried?.fix).toContain('UND_ERR_SOCKET');
  });

  it('ignores a reset that the SDK retried successfully', async () => {
    const spans = call({
      startMs: 0,
      attempts: [{ reused: true, errorType: 'ECONNRESET' }, { reused: false }],
    });
    expect(await findings(spans, 'unretried-socket-error')).toEqual([]);
  });
});
