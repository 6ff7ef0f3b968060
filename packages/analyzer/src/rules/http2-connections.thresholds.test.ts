import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type AttemptSpec, type CallSpec, call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

/**
 * connection-churn and dns-lookup-per-connection on NodeHttp2Handler attempts: the session is the
 * connection, and one session multiplexes every concurrent stream up to the peer's limit.
 */
async function findings(spans: WireSpan[], code: string) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === code);
}

/** One HTTP/2 call every 300 ms (no overlap), on a new session each (dns 2, tcp 1, tls 5 ms: 8 ms). */
function sessionPerCall(count: number, attempt: AttemptSpec = {}, spec: Partial<CallSpec> = {}): WireSpan[] {
  return Array.from({ length: count }, (_, i) =>
    call({
      startMs: i * 300,
      http2: true,
      ...spec,
      attempts: [{ reused: false, connectionId: `c4242-${i + 1}`, durationMs: 40, ...attempt }],
    }),
  ).flat();
}

/** `count` HTTP/2 calls started together (overlapping), each on a new session. */
function concurrentSessions(count: number, attributes: AttemptSpec['attributes'] = {}): WireSpan[] {
  return Array.from({ length: count }, (_, i) =>
    call({
      startMs: i,
      http2: true,
      attempts: [{ reused: false, connectionId: `c4242-${i + 1}`, durationMs: 40, attributes }],
    }),
  ).flat();
}

describe('connection-churn on HTTP/2 sessions', () => {
  it('a session per sequential call: 2 sessions → nothing, 3 → finding (2 beyond the 1 needed, 8 ms each)', async () => {
    expect(await findings(sessionPerCall(2), 'connection-churn')).toEqual([]);
    const [churn] = await findings(sessionPerCall(3), 'connection-churn');
    expect(churn?.costMs).toBe(16);
    expect(churn?.costPerCallMs).toBe(8);
    expect(churn?.evidence.counts).toMatchObject({
      attempts: 3,
      newConnections: 3,
      extraConnections: 2,
      peakConcurrency: 1,
      sessionsNeeded: 1,
    });
    expect(churn?.summary).toBe(
      '3 of 3 S3.PutObject requests to my-bucket.s3.us-east-1.amazonaws.com:443 opened a new HTTP/2 session (a session per request: disableConcurrentStreams, or a new client per call?): +2 RTT ≈ 8.0 ms each',
    );
    expect(churn?.costBasis).toBe('measured dns+tcp+tls of 2 sessions beyond the 1 that concurrency needs');
    expect(churn?.fix).toMatch(
      /^NodeHttp2Handler with disableConcurrentStreams: true opens a session per request/,
    );
    expect(churn?.fix).not.toMatch(/keep-alive|agent/);
  });

  it('one session reused by every call → nothing', async () => {
    const spans = Array.from({ length: 6 }, (_, i) =>
      call({ startMs: i * 300, http2: true, attempts: [{ reused: i > 0, durationMs: 40 }] }),
    ).flat();
    expect(await findings(spans, 'connection-churn')).toEqual([]);
  });

  it('concurrent calls: streams multiplex, so 3 sessions at once are churn with no limit, and needed at a limit of 1', async () => {
    const [churn] = await findings(concurrentSessions(3), 'connection-churn');
    expect(churn?.evidence.counts).toMatchObject({
      peakConcurrency: 3,
      sessionsNeeded: 1,
      extraConnections: 2,
    });
    expect(churn?.costMs).toBe(16);
    const limited = concurrentSessions(3, { 'wirescope.http2.max_concurrent_streams': 1 });
    expect(await findings(limited, 'connection-churn')).toEqual([]);
    // The same calls on HTTP/1.1 (one request a socket): concurrency explains the 3 connections.
    const http1 = Array.from({ length: 3 }, (_, i) =>
      call({ startMs: i, attempts: [{ reused: false, connectionId: `h-${i}`, durationMs: 40 }] }),
    ).flat();
    expect(await findings(http1, 'connection-churn')).toEqual([]);
  });

  it('a new session after the peer sent GOAWAY (graceful, code 0) is the peer’s doing, not churn', async () => {
    // The first two calls saw the peer close their session (GOAWAY NO_ERROR, answered normally).
    const goaway = { 'wirescope.http2.goaway_code': 0 };
    const spans = [0, 1, 2].flatMap((i) =>
      call({
        startMs: i * 300,
        http2: true,
        attempts: [
          { reused: false, connectionId: `g-${i}`, durationMs: 40, attributes: i < 2 ? goaway : {} },
        ],
      }),
    );
    expect(await findings(spans, 'connection-churn')).toEqual([]);
    expect(await findings(spans, 'stale-connection-reset')).toEqual([]);
    // Without the GOAWAY the same sessions are churn.
    expect(await findings(sessionPerCall(3), 'connection-churn')).toHaveLength(1);
  });

  it('event-stream calls (a session of their own by design) are not churn', async () => {
    const kinesis = {
      service: 'Kinesis',
      operation: 'SubscribeToShard',
      host: 'kinesis.us-east-1.amazonaws.com',
    };
    expect(await findings(sessionPerCall(4, {}, kinesis), 'connection-churn')).toEqual([]);
    const [other] = await findings(
      sessionPerCall(4, {}, { ...kinesis, operation: 'PutRecord' }),
      'connection-churn',
    );
    expect(other?.evidence.counts).toMatchObject({ extraConnections: 3 });
  });

  it('the plugin says event stream (wirescope.event_stream on the operation): not churn, whatever its name', async () => {
    // An operation the name list does not know, marked by the plugin from the SDK's own decision.
    const bedrock = {
      service: 'BedrockRuntime',
      operation: 'ConverseStream',
      host: 'bedrock-runtime.us-east-1.amazonaws.com',
    };
    const marked = { ...bedrock, attributes: { 'wirescope.event_stream': true } };
    expect(await findings(sessionPerCall(4, {}, marked), 'connection-churn')).toEqual([]);
    expect(await findings(sessionPerCall(4, {}, marked), 'dns-lookup-per-connection')).toEqual([]);
    const [unmarked] = await findings(sessionPerCall(4, {}, bedrock), 'connection-churn');
    expect(unmarked?.evidence.counts).toMatchObject({ extraConnections: 3 });
  });

  it("a session that replaced one the peer closed while idle (previous_goaway_code) is the server's idle timeout, not churn", async () => {
    const replacing = { 'wirescope.http2.previous_goaway_code': 0 };
    expect(await findings(sessionPerCall(4, { attributes: replacing }), 'connection-churn')).toEqual([]);
    // Two of the four replaced an idle-closed session: the other two are within what one session needs
    // (1) plus one: below the 2 extra the rule needs.
    const mixed = Array.from({ length: 4 }, (_, i) =>
      call({
        startMs: i * 300,
        http2: true,
        attempts: [
          { reused: false, connectionId: `p-${i}`, durationMs: 40, attributes: i % 2 === 1 ? replacing : {} },
        ],
      }),
    ).flat();
    expect(await findings(mixed, 'connection-churn')).toEqual([]);
    const [none] = await findings(sessionPerCall(4), 'connection-churn');
    expect(none?.evidence.counts).toMatchObject({ extraConnections: 3 });
  });
});

describe('dns-lookup-per-connection on HTTP/2 sessions', () => {
  it('lookups beyond the sessions needed: 1 extra → nothing, 2 → finding (2 × 2 ms)', async () => {
    expect(await findings(sessionPerCall(2), 'dns-lookup-per-connection')).toEqual([]);
    const [dns] = await findings(sessionPerCall(3), 'dns-lookup-per-connection');
    expect(dns?.costMs).toBe(4);
    expect(dns?.summary).toBe(
      '3 of 3 new HTTP/2 sessions to my-bucket.s3.us-east-1.amazonaws.com paid a DNS lookup (median 2.0 ms)',
    );
    expect(dns?.costBasis).toBe('measured dns.lookup of 2 sessions beyond the 1 that concurrency needs');
    expect(dns?.fix).toMatch(/NodeHttp2Handler\(\{ nodeHttp2ConnectOptions: \{ lookup \} \}\)/);
  });

  it('concurrent sessions: 3 at once need 1 session (finding); at a stream limit of 1 they need 3 (nothing)', async () => {
    const [dns] = await findings(concurrentSessions(3), 'dns-lookup-per-connection');
    expect(dns?.evidence.counts).toMatchObject({ newConnections: 3, lookups: 3, extraLookups: 2 });
    const limited = concurrentSessions(3, { 'wirescope.http2.max_concurrent_streams': 1 });
    expect(await findings(limited, 'dns-lookup-per-connection')).toEqual([]);
  });
});
