import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type AttemptSpec, call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

// stale-connection-reset pinned whole: summary (idle, codes, retried), cost, basis, both fixes, evidence.
async function stale(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'stale-connection-reset');
}

/** A call whose first attempt hit a reset on a reused socket, then (with `retry`) retried on a new connection. */
function resetCall(startMs: number, failed: AttemptSpec, retry?: AttemptSpec): WireSpan[] {
  return call({
    startMs,
    attempts: [
      { reused: true, errorType: 'ECONNRESET', ...failed },
      ...(retry ? [{ reused: false, connectionId: `r-${startMs}`, ...retry }] : []),
    ],
  });
}

const HOST = 'my-bucket.s3.us-east-1.amazonaws.com:443';
const BASIS = 'measured: the failed attempt plus the new connection (dns+tcp+tls) of the retry';
const retry = { dnsMs: 2, tcpMs: 20, tlsMs: 40, durationMs: 90 };

describe('stale-connection-reset, pinned', () => {
  it('two resets, one retried on a new connection, the shortest idle in the fix (hand-computed)', async () => {
    // Reset A: 3 ms + retry handshake 2 + 20 + 40 = 65; reset B (EPIPE): 5 ms, no retry → 70 ms, 35 each.
    // Idle 6,000 and 9,000 → min 6,000, median 7,500; failed attempts 3 and 5 → median 4.
    const findings = await stale([
      ...resetCall(0, { durationMs: 3, attributes: { 'wirescope.connection.idle_ms': 6000 } }, retry),
      ...resetCall(10_000, {
        durationMs: 5,
        errorType: 'EPIPE',
        attributes: { 'wirescope.connection.idle_ms': 9000 },
      }),
    ]);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f?.summary).toBe(
      `2 requests (S3.PutObject) to ${HOST} wrote into a dead keep-alive socket after ≥ 6.0 s idle (ECONNRESET, EPIPE); 1 retried on a new connection: +35 ms each; idle past the limit of Node.js servers (5 s), S3 (reported 5–20 s)`,
    );
    expect(f?.severity).toBe('warning');
    expect(f?.costMs).toBeCloseTo(70, 1);
    expect(f?.costPerCallMs).toBeCloseTo(35, 1);
    expect(f?.costBasis).toBe(BASIS);
    // No reused socket of the pool survived an idle under 6 s: the cut-off is bounded from above only.
    expect(f?.fix).toBe(
      "Close idle sockets before the peer does: the peer drops sockets idle less than 6.0 s (the shortest idle that met a dead one; no shorter idle was seen to survive); set the Node agent's idle timeout (new https.Agent({ keepAlive: true, timeout })) below that cut-off: about 5.0 s, e.g. new NodeHttpHandler({ httpsAgent: new https.Agent({ keepAlive: true, timeout: 5000 }) }), or send traffic more often.",
    );
    expect(f?.evidence.counts).toEqual({ resets: 2, retried: 1, retriedOnNew: 1 });
    // Limit under the 6,000 ms idle: max(6,000 / 2, 6,000 − 1,000) = 5,000.
    expect(f?.evidence.measurements).toEqual({
      idleMsMin: 6000,
      idleMsMedian: 7500,
      idleLimitSuggestedMs: 5000,
      failedAttemptMedianMs: 4,
    });
    expect(f?.evidence.spanIdsTotal).toBe(2);
  });

  it('the shortest idle wherever it comes', async () => {
    const [f] = await stale([
      ...resetCall(0, { durationMs: 3, attributes: { 'wirescope.connection.idle_ms': 9000 } }),
      ...resetCall(10_000, { durationMs: 3, attributes: { 'wirescope.connection.idle_ms': 4000 } }),
      ...resetCall(20_000, { durationMs: 3, attributes: { 'wirescope.connection.idle_ms': 5000 } }),
    ]);
    expect(f?.evidence.measurements).toEqual({
      idleMsMin: 4000,
      idleMsMedian: 5000,
      idleLimitSuggestedMs: 3000,
      failedAttemptMedianMs: 3,
    });
    expect(f?.summary).toContain('after ≥ 4.0 s idle');
  });

  it('without a recorded idle time: no idle text, the general fix (hand-computed)', async () => {
    // 30 ms + retry handshake 62 = 92 ms → warning.
    const spans = resetCall(0, { durationMs: 30 }, retry);
    for (const s of spans) delete s.attributes['wirescope.connection.idle_ms'];
    const [f] = await stale(spans);
    expect(f?.summary).toBe(
      `1 request (S3.PutObject) to ${HOST} wrote into a dead keep-alive socket (ECONNRESET); 1 retried on a new connection: +92 ms each`,
    );
    expect(f?.costMs).toBeCloseTo(92, 1);
    expect(f?.costBasis).toBe(BASIS);
    expect(f?.fix).toBe(
      "Close idle sockets before the server or NAT does: set the Node agent's idle timeout (new https.Agent({ keepAlive: true, timeout })) below the peer's idle cut-off.",
    );
    expect(f?.evidence.counts).toEqual({ resets: 1, retried: 1, retriedOnNew: 1 });
    expect(f?.evidence.measurements).toEqual({ failedAttemptMedianMs: 30 });
  });

  it('a reused socket that survived a shorter idle bounds the cut-off from below (hand-computed)', async () => {
    // Survivors idle 100 and 120 ms (and one idle 500 ms, at or above the dead one's 452: not a bound);
    // dead after 452 ms → the cut-off lies between 120 and 452 ms.
    const ok = (startMs: number, idle: number) =>
      call({ startMs, attempts: [{ reused: true, attributes: { 'wirescope.connection.idle_ms': idle } }] });
    const [f] = await stale([
      ...ok(0, 100),
      ...ok(1000, 120),
      ...ok(2000, 500),
      ...resetCall(3000, { durationMs: 3, attributes: { 'wirescope.connection.idle_ms': 452 } }, retry),
    ]);
    expect(f?.summary).toContain('after ≥ 452 ms idle');
    expect(f?.fix).toBe(
      "Close idle sockets before the peer does: the peer drops sockets idle between 120 ms (the longest idle a reused socket survived) and 452 ms (the shortest that met a dead one); set the Node agent's idle timeout (new https.Agent({ keepAlive: true, timeout })) under 120 ms: about 60 ms, e.g. new NodeHttpHandler({ httpsAgent: new https.Agent({ keepAlive: true, timeout: 60 }) }), or send traffic more often.",
    );
    expect(f?.evidence.measurements).toEqual({
      idleMsMin: 452,
      idleMsMedian: 452,
      idleMsSurvivedMax: 120,
      idleLimitSuggestedMs: 60,
      failedAttemptMedianMs: 3,
    });
  });

  it('a survivor on another host, or one that failed, is no bound', async () => {
    const [f] = await stale([
      ...call({
        startMs: 0,
        host: 'other.s3.us-east-1.amazonaws.com',
        attempts: [{ reused: true, attributes: { 'wirescope.connection.idle_ms': 100 } }],
      }),
      ...call({
        startMs: 500,
        attempts: [
          { reused: true, errorType: 'ETIMEDOUT', attributes: { 'wirescope.connection.idle_ms': 110 } },
          { reused: false, connectionId: 'n2' },
        ],
      }),
      ...resetCall(3000, { durationMs: 3, attributes: { 'wirescope.connection.idle_ms': 452 } }, retry),
    ]);
    expect(f?.fix).toContain('idle less than 452 ms');
    expect(f?.evidence.measurements).not.toHaveProperty('idleMsSurvivedMax');
  });

  it.each([
    [
      'fetch',
      "undici's keepAliveTimeout and keepAliveMaxTimeout (an undici Agent as the fetch dispatcher)",
      'new Agent({ keepAliveTimeout: 220, keepAliveMaxTimeout: 220 }) as the fetch dispatcher',
    ],
    [
      undefined,
      "the agent's idle timeout (https.Agent timeout on the Node handler, undici keepAliveTimeout on fetch)",
      'new NodeHttpHandler({ httpsAgent: new https.Agent({ keepAlive: true, timeout: 220 }) }) on the Node handler, undici keepAliveTimeout: 220 on fetch',
    ],
  ])(
    'the option and a limit under 452 ms (452 / 2 = 226 → 220) named for the handler %s',
    async (handler, option, example) => {
      const attributes: Record<string, number | string> = { 'wirescope.connection.idle_ms': 452 };
      if (handler) attributes['wirescope.http.handler'] = handler;
      const spans = resetCall(0, { durationMs: 3, attributes }, retry);
      if (!handler) for (const s of spans) delete s.attributes['wirescope.http.handler'];
      const [f] = await stale(spans);
      expect(f?.fix).toBe(
        `Close idle sockets before the peer does: the peer drops sockets idle less than 452 ms (the shortest idle that met a dead one; no shorter idle was seen to survive); set ${option} below that cut-off: about 220 ms, e.g. ${example}, or send traffic more often.`,
      );
    },
  );

  it('a retry on a reused socket adds no handshake; a reset of 100 ms is an error', async () => {
    const [f] = await stale(resetCall(0, { durationMs: 100 }, { reused: true, durationMs: 20 }));
    expect(f?.costMs).toBeCloseTo(100, 1);
    expect(f?.severity).toBe('error');
    expect(f?.evidence.counts).toEqual({ resets: 1, retried: 1, retriedOnNew: 0 });
    expect(f?.summary).toContain(
      '(ECONNRESET); 1 retried (0 on a new connection, 1 on another pooled socket): +100 ms each',
    );
  });

  it('a reset on a new connection is not stale', async () => {
    expect(await stale(resetCall(0, { reused: false, connectionId: 'n', durationMs: 3 }, retry))).toEqual([]);
  });
});
