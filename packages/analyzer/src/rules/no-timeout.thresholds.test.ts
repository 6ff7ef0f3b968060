import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type AttemptSpec, call } from '../testing/span-factory.js';
import type { Attributes, WireSpan } from '../types.js';
import { NO_TIMEOUT_MIN_WAIT_MS, noTimeoutFix } from './no-timeout.js';

async function noTimeout(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'no-timeout');
}

const NONE = {
  'wirescope.timeout.request_ms': 0,
  'wirescope.timeout.connection_ms': 0,
  'wirescope.timeout.socket_ms': 0,
};

/** A HeadObject attempt with no response after `waitMs` on a reused socket, under `timeouts`. */
function hung(
  startMs: number,
  waitMs: number,
  timeouts: Attributes = NONE,
  extra: AttemptSpec = {},
): WireSpan[] {
  const spans = call({
    startMs,
    operation: 'HeadObject',
    method: 'HEAD',
    attempts: [
      {
        durationMs: waitMs,
        errorType: 'ABORT_ERR',
        ...extra,
        attributes: { ...timeouts, ...extra.attributes },
      },
    ],
  });
  // No response: no time to first byte either.
  for (const s of spans) delete s.attributes['wirescope.ttfb_ms'];
  return spans;
}

describe('no-timeout thresholds', () => {
  it('pins the constant', () => {
    expect(NO_TIMEOUT_MIN_WAIT_MS).toBe(2000);
  });

  it('a response wait counts from 2 s: 2,000 → found, 1,999.9 → nothing', async () => {
    const [f] = await noTimeout(hung(0, 2000));
    expect(f?.costMs).toBe(2000);
    expect(await noTimeout(hung(0, 1999.9))).toEqual([]);
  });

  it('costs the uncovered waits, severity from the cost per request (hand-computed)', async () => {
    // Waits 3,000 and 5,000 ms: 8,000 ms, 4,000 each → error; median 4,000, longest 5,000.
    const [f, ...more] = await noTimeout([...hung(0, 3000), ...hung(10_000, 5000)]);
    expect(more).toEqual([]);
    expect(f?.costMs).toBe(8000);
    expect(f?.costPerCallMs).toBe(4000);
    expect(f?.severity).toBe('error');
    expect(f?.summary).toBe(
      '2 requests (S3.HeadObject) to my-bucket.s3.us-east-1.amazonaws.com:443 waited 4.0 s (median; longest 5.0 s) for a response with no timeout in effect to end the wait',
    );
    expect(f?.costBasis).toBe('measured: the waits (queue, connect, response) no timeout in effect covered');
    expect(f?.evidence.counts).toEqual({ requests: 2, answered: 0 });
    expect(f?.evidence.measurements).toEqual({ waitMsMedian: 4000, waitMsMax: 5000 });
  });

  it('any whole-call limit covers every wait; the socket timeout the response; not recorded: not judged', async () => {
    expect(await noTimeout(hung(0, 9000, { ...NONE, 'wirescope.timeout.request_ms': 60_000 }))).toEqual([]);
    expect(await noTimeout(hung(0, 9000, { ...NONE, 'wirescope.timeout.socket_ms': 30_000 }))).toEqual([]);
    expect(await noTimeout(hung(0, 9000, {}))).toEqual([]);
  });

  it('a queue wait and a connect are covered by the connection timeout (or the whole-call limit), not by the socket timeout', async () => {
    // Queued 2,500 ms, then answered quickly: the socket timeout does not help a queued request.
    const queued = hung(
      0,
      2600,
      { ...NONE, 'wirescope.timeout.socket_ms': 30_000 },
      {
        queueMs: 2500,
        errorType: undefined,
        statusCode: 200,
      },
    );
    const [f] = await noTimeout(queued);
    expect(f?.summary).toContain('for a pooled socket with no timeout');
    expect(f?.costMs).toBe(2500);
    for (const s of queued)
      if (s.attributes['wirescope.attempt']) s.attributes['wirescope.timeout.connection_ms'] = 5000;
    expect(await noTimeout(queued)).toEqual([]);
    // A new connection: TCP 2,100 + TLS 100 = 2,200 ms, then no answer for 2,000 ms: both uncovered.
    const connect = hung(0, 4200, NONE, { reused: false, dnsMs: 0, tcpMs: 2100, tlsMs: 100 });
    const [c] = await noTimeout(connect);
    expect(c?.summary).toContain('for a connection or a response');
    expect(c?.costMs).toBe(4200);
    const limited = hung(
      0,
      4200,
      { ...NONE, 'wirescope.timeout.connection_ms': 1000 },
      {
        reused: false,
        dnsMs: 0,
        tcpMs: 2100,
        tlsMs: 100,
      },
    );
    expect((await noTimeout(limited))[0]?.costMs).toBe(2000);
  });

  it('a Node request that never got a socket (no connection id, no answer) waited for a pooled socket; on fetch, for a response', async () => {
    const never = hung(0, 2500);
    for (const x of never) delete x.attributes['wirescope.connection.id'];
    const [f] = await noTimeout(never);
    expect(f?.summary).toContain('for a pooled socket with no timeout');
    expect(f?.costMs).toBe(2500);
    const onFetch = hung(0, 2500, NONE, { attributes: { 'wirescope.http.handler': 'fetch' } });
    for (const x of onFetch) delete x.attributes['wirescope.connection.id'];
    expect((await noTimeout(onFetch))[0]?.summary).toContain('for a response with no timeout');
  });

  it('an attempt shorter than 1 s keeps no timeouts (the engine drops them): nothing to judge', async () => {
    expect(await noTimeout(hung(0, 999))).toEqual([]);
  });

  it('the fix per handler, with twice the slowest answered call rounded up to a second', () => {
    expect(noTimeoutFix('fetch', 1200)).toBe(
      'Limit the whole call: new FetchHttpHandler({ requestTimeout: 3000 }) (3.0 s: about twice the slowest answered call here, 1.2 s), or pass an abortSignal per call.',
    );
    expect(noTimeoutFix('node-http', undefined)).toBe(
      'Limit the whole call: new NodeHttpHandler({ requestTimeout: N, throwOnRequestTimeout: true }) — without throwOnRequestTimeout a breached requestTimeout only logs a warning — and a connectionTimeout for the wait for a socket, or pass an abortSignal per call.',
    );
    expect(noTimeoutFix('node-http2', 2500)).toBe(
      'Limit each stream: new NodeHttp2Handler({ requestTimeout: 5000 }) (5.0 s: about twice the slowest answered call here, 2.5 s) closes a stream silent that long (NodeHttp2Handler ignores socket and connection timeouts), or pass an abortSignal per call.',
    );
    expect(noTimeoutFix(undefined, 100)).toBe(
      'Limit the whole call: requestTimeout: 1000 on the request handler (1.0 s: about twice the slowest answered call here, 100 ms) (NodeHttp2Handler ignores socket and connection timeouts; NodeHttpHandler needs throwOnRequestTimeout: true), or pass an abortSignal per call.',
    );
  });

  it('the slowest answered call of the pool sets the value in the fix', async () => {
    const answered = call({
      startMs: 0,
      operation: 'HeadObject',
      method: 'HEAD',
      attempts: [{ durationMs: 700 }],
    });
    const [f] = await noTimeout([...answered, ...hung(10_000, 3000)]);
    expect(f?.fix).toContain(
      'requestTimeout: 2000, throwOnRequestTimeout: true }) (2.0 s: about twice the slowest answered call here, 700 ms)',
    );
    expect(f?.evidence.measurements.slowestAnsweredMs).toBe(700);
  });
});
