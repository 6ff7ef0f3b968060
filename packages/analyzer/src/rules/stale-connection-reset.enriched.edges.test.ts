import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type AttemptSpec, call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import { PEER_IDLE_LIMITS, peersPast, suggestedIdleLimitMs } from './peer-idle-limits.js';

// Issue 18: the stale reset says how many requests the socket served, where its idle sits among the
// usual peers' idle limits, whether the retry got a fresh socket, and gives a limit under the idle.
async function stale(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'stale-connection-reset');
}

function resetCall(startMs: number, idleMs: number, requests: number | undefined, retry: AttemptSpec = {}) {
  const attributes: Record<string, number> = { 'wirescope.connection.idle_ms': idleMs };
  if (requests !== undefined) attributes['wirescope.connection.requests'] = requests;
  return call({
    startMs,
    attempts: [
      { reused: true, errorType: 'ECONNRESET', durationMs: 3, attributes },
      { reused: false, connectionId: `r-${startMs}`, dnsMs: 2, tcpMs: 20, tlsMs: 40, ...retry },
    ],
  });
}

describe('stale-connection-reset, enriched (issue 18)', () => {
  it('requests served before the reset: the failed request is not counted (hand-computed)', async () => {
    // connection.requests 4, 8 and 13 count the failed one: served 3, 7, 12 → median 7, max 12.
    const [f] = await stale([
      ...resetCall(0, 6000, 4),
      ...resetCall(20_000, 7000, 8),
      ...resetCall(40_000, 8000, 13),
    ]);
    expect(f?.summary).toBe(
      '3 requests (S3.PutObject) to my-bucket.s3.us-east-1.amazonaws.com:443 wrote into a dead keep-alive socket after ≥ 6.0 s idle (ECONNRESET); 3 retried on a new connection: +65 ms each; idle past the limit of Node.js servers (5 s), S3 (reported 5–20 s); the sockets had served 7 requests (median) before',
    );
    expect(f?.evidence.counts).toEqual({ resets: 3, retried: 3, retriedOnNew: 3 });
    expect(f?.evidence.measurements).toMatchObject({ requestsServedMedian: 7, requestsServedMax: 12 });
  });

  it('one reset: singular; a socket that had served 1 request', async () => {
    const [f] = await stale(resetCall(0, 400, 2));
    expect(f?.summary).toMatch(
      /; idle shorter than every usual peer limit \(the server itself, or a frozen process, closed it\); the socket had served 1 request before$/,
    );
    expect(f?.evidence.measurements).toMatchObject({ requestsServedMedian: 1, requestsServedMax: 1 });
  });

  it('no request count recorded (the standard instrumentations): no served text or measurement', async () => {
    const [f] = await stale(resetCall(0, 400, undefined));
    expect(f?.summary).not.toContain('served');
    expect(f?.evidence.measurements).not.toHaveProperty('requestsServedMedian');
  });

  it('the retry on a pooled socket is told apart from one on a fresh socket', async () => {
    const [f] = await stale([
      ...resetCall(0, 400, 2),
      ...resetCall(10_000, 400, 2, { reused: true, connectionId: 'pooled', dnsMs: null }),
    ]);
    expect(f?.summary).toContain('; 2 retried (1 on a new connection, 1 on another pooled socket):');
    expect(f?.evidence.counts).toEqual({ resets: 2, retried: 2, retriedOnNew: 1 });
  });

  it('the suggested limit is under the measured idle, in the fix (hand-computed)', async () => {
    // Idle 400 ms: max(200, −600) = 200 ms.
    const [f] = await stale(resetCall(0, 400, 2));
    expect(f?.evidence.measurements.idleLimitSuggestedMs).toBe(200);
    expect(f?.fix).toContain(
      ': about 200 ms, e.g. new NodeHttpHandler({ httpsAgent: new https.Agent({ keepAlive: true, timeout: 200 }) }), or send traffic more often.',
    );
  });
});

describe('peer idle limits', () => {
  it('pins the table', () => {
    expect(PEER_IDLE_LIMITS.map((p) => p.ms)).toEqual([5000, 5000, 60_000, 350_000]);
  });

  it('each limit at its edge: 4,999 → none, 5,000 → Node and S3, 59,999 / 60,000, 349,999 / 350,000', () => {
    expect(peersPast(4999)).toMatch(/^idle shorter than every usual peer limit/);
    expect(peersPast(5000)).toBe('idle past the limit of Node.js servers (5 s), S3 (reported 5–20 s)');
    expect(peersPast(59_999)).not.toContain('load balancers');
    expect(peersPast(60_000)).toContain('load balancers (ALB default 60 s)');
    expect(peersPast(349_999)).not.toContain('NAT');
    expect(peersPast(350_000)).toContain('NAT gateways and VPC endpoints (350 s)');
  });

  it('the limit: a second or half under the base, rounded down by its size', () => {
    expect(suggestedIdleLimitMs({ deadMinMs: 6000, survivedMaxMs: undefined })).toBe(5000);
    // Under the survivor when one survived: 1,999 − 1,000 = 999 → half, 999.5 → 990.
    expect(suggestedIdleLimitMs({ deadMinMs: 6000, survivedMaxMs: 1999 })).toBe(990);
    // 2,000 − 1,000 = 1,000 → step 100.
    expect(suggestedIdleLimitMs({ deadMinMs: 2000, survivedMaxMs: undefined })).toBe(1000);
    // 360,000 − 1,000 = 359,000 → step 1,000.
    expect(suggestedIdleLimitMs({ deadMinMs: 360_000, survivedMaxMs: undefined })).toBe(359_000);
    // 12 ms → 6 → at least one step, 10.
    expect(suggestedIdleLimitMs({ deadMinMs: 12, survivedMaxMs: undefined })).toBe(10);
  });
});
