import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type AttemptSpec, call } from '../testing/span-factory.js';
import type { Attributes, WireSpan } from '../types.js';

/**
 * stale-connection-reset and socket-pool-saturation on NodeHttp2Handler attempts: a reused session the
 * peer dropped (GOAWAY with an error code, REFUSED_STREAM on an established session, the transport
 * reset), and streams queued at the peer's SETTINGS_MAX_CONCURRENT_STREAMS.
 */
async function findings(spans: WireSpan[], code: string) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === code);
}

/** A reused session's stream that failed with `attributes` (30 ms), retried on a new session (8 ms of handshake). */
function failedThenRetried(
  startMs: number,
  errorType: string,
  attributes: Attributes,
  idleMs = 6000,
): WireSpan[] {
  const failed: AttemptSpec = {
    reused: true,
    durationMs: 30,
    errorType,
    attributes: { 'wirescope.connection.idle_ms': idleMs, 'wirescope.connection.requests': 5, ...attributes },
  };
  return call({
    startMs,
    http2: true,
    attempts: [failed, { reused: false, connectionId: `c4242-${startMs + 2}`, durationMs: 40 }],
  });
}

const GOAWAY_INTERNAL = { 'wirescope.http2.goaway_code': 2, 'wirescope.socket.reset': true };
const REFUSED_AFTER_GOAWAY = {
  'wirescope.http2.goaway_code': 0,
  'wirescope.http2.rst_stream_code': 7,
  'wirescope.socket.reset': true,
};

describe('stale-connection-reset on HTTP/2 sessions', () => {
  it('a stream failed under a GOAWAY INTERNAL_ERROR on a reused session: the failed attempt + the new session', async () => {
    const [stale] = await findings(
      failedThenRetried(0, 'ERR_HTTP2_SESSION_ERROR', GOAWAY_INTERNAL),
      'stale-connection-reset',
    );
    expect(stale?.costMs).toBe(38);
    expect(stale?.summary).toBe(
      '1 request (S3.PutObject) to my-bucket.s3.us-east-1.amazonaws.com:443 had its stream dropped by the peer on a reused HTTP/2 session after ≥ 6.0 s idle (GOAWAY INTERNAL_ERROR (2)); 1 retried on a new session: +38 ms each; idle past the limit of Node.js servers (5 s), S3 (reported 5–20 s); the session had served 4 streams before',
    );
    expect(stale?.costBasis).toBe(
      'measured: the failed attempt plus the new session (dns+tcp+tls) of the retry',
    );
    expect(stale?.fix).toBe(
      "Close idle sessions before the peer does: the peer drops sessions idle less than 6.0 s (the shortest idle that met a dead one; no shorter idle was seen to survive); set NodeHttp2Handler's sessionTimeout (the ms a session may stay idle before the handler closes it) below that cut-off: about 5.0 s, e.g. new NodeHttp2Handler({ sessionTimeout: 5000 }), or send traffic more often.",
    );
  });

  it('GOAWAY NO_ERROR with the stream refused (REFUSED_STREAM on an established session) counts; a transport reset too', async () => {
    const spans = [
      ...failedThenRetried(0, 'ERR_HTTP2_STREAM_ERROR', REFUSED_AFTER_GOAWAY),
      ...failedThenRetried(1000, 'ECONNRESET', { 'wirescope.socket.reset': true }),
    ];
    const [stale] = await findings(spans, 'stale-connection-reset');
    expect(stale?.evidence.counts).toMatchObject({ resets: 2, retried: 2, retriedOnNew: 2 });
    expect(stale?.costMs).toBe(76);
    expect(stale?.summary).toContain('(GOAWAY NO_ERROR (0), RST_STREAM REFUSED_STREAM (7); ECONNRESET)');
  });

  it("REFUSED_STREAM after the peer's GOAWAY (the session was closing under it): stale, the refused attempt costs", async () => {
    const refused: AttemptSpec = {
      reused: true,
      durationMs: 30,
      errorType: 'ERR_HTTP2_STREAM_ERROR',
      attributes: {
        'wirescope.http2.goaway_code': 0,
        'wirescope.http2.rst_stream_code': 7,
        'wirescope.socket.reset': true,
      },
    };
    const spans = call({ startMs: 0, http2: true, attempts: [refused, { reused: true, durationMs: 20 }] });
    const [stale] = await findings(spans, 'stale-connection-reset');
    expect(stale?.costMs).toBe(30);
    expect(stale?.summary).toContain('(GOAWAY NO_ERROR (0), RST_STREAM REFUSED_STREAM (7))');
    // The same refusal on a live session (no GOAWAY: the peer turned the stream away): nothing.
    const { 'wirescope.http2.goaway_code': _goaway, ...live } = refused.attributes ?? {};
    const turnedAway = call({
      startMs: 0,
      http2: true,
      attempts: [{ ...refused, attributes: { ...live, 'wirescope.socket.reset': false } }, { reused: true }],
    });
    expect(await findings(turnedAway, 'stale-connection-reset')).toEqual([]);
  });

  it('not a dead session: a graceful GOAWAY the stream completed under, another RST_STREAM code, a refusal on a cold session', async () => {
    // The stream was answered under GOAWAY NO_ERROR; the next call opened a new session.
    const graceful = [
      ...call({
        startMs: 0,
        http2: true,
        attempts: [{ reused: true, attributes: { 'wirescope.http2.goaway_code': 0 } }],
      }),
      ...call({ startMs: 300, http2: true, attempts: [{ reused: false, connectionId: 'c4242-9' }] }),
    ];
    expect(await findings(graceful, 'stale-connection-reset')).toEqual([]);
    // The server failed one stream on a live session (RST_STREAM INTERNAL_ERROR): no reset.
    const internal = { 'wirescope.http2.rst_stream_code': 2, 'wirescope.socket.reset': false };
    expect(
      await findings(failedThenRetried(0, 'ERR_HTTP2_STREAM_ERROR', internal), 'stale-connection-reset'),
    ).toEqual([]);
    // Refused before the peer's SETTINGS came (a burst over a limit not yet announced): the producer says no reset.
    const cold = { 'wirescope.http2.rst_stream_code': 7, 'wirescope.socket.reset': false };
    expect(
      await findings(failedThenRetried(0, 'ERR_HTTP2_STREAM_ERROR', cold), 'stale-connection-reset'),
    ).toEqual([]);
    // A GOAWAY NO_ERROR stream that failed without being refused: the peer closed gracefully.
    const gracefulFailed = { 'wirescope.http2.goaway_code': 0, 'wirescope.socket.reset': true };
    expect(
      await findings(
        failedThenRetried(0, 'ERR_HTTP2_SESSION_ERROR', gracefulFailed),
        'stale-connection-reset',
      ),
    ).toEqual([]);
  });

  it('the idle cut-off brackets with a reused session that survived, and names sessionTimeout', async () => {
    const spans = [
      ...call({
        startMs: 0,
        http2: true,
        attempts: [{ reused: true, attributes: { 'wirescope.connection.idle_ms': 3000 } }],
      }),
      ...failedThenRetried(10_000, 'ERR_HTTP2_SESSION_ERROR', GOAWAY_INTERNAL, 9000),
    ];
    const [stale] = await findings(spans, 'stale-connection-reset');
    expect(stale?.evidence.measurements).toMatchObject({
      idleMsMin: 9000,
      idleMsSurvivedMax: 3000,
      idleLimitSuggestedMs: 2000,
    });
    expect(stale?.fix).toContain(
      'the peer drops sessions idle between 3.0 s (the longest idle a reused session survived)',
    );
    expect(stale?.fix).toContain('new NodeHttp2Handler({ sessionTimeout: 2000 })');
  });
});

/** `count` streams on one session, started 1 ms apart and 60 ms long, with `attributes` and `queueMs`. */
function streams(count: number, queueMs: number | undefined, attributes: Attributes): WireSpan[] {
  return Array.from({ length: count }, (_, i) =>
    call({
      startMs: i,
      http2: true,
      attempts: [
        {
          reused: true,
          durationMs: 60,
          ...(queueMs !== undefined ? { queueMs } : {}),
          attributes: { 'wirescope.http2.streams_in_flight': i, ...attributes },
        },
      ],
    }),
  ).flat();
}

/** Two streams open at the peer's limit of 2, then `queued` streams waiting `waitMs` each at the limit. */
function atLimit(queued: number, waitMs: number): WireSpan[] {
  const limit = { 'wirescope.http2.max_concurrent_streams': 2 };
  const waiting = Array.from({ length: queued }, (_, i) =>
    call({
      startMs: 2 + i,
      http2: true,
      attempts: [
        {
          reused: true,
          durationMs: 60,
          queueMs: waitMs,
          attributes: { ...limit, 'wirescope.http2.streams_in_flight': 2 + i },
        },
      ],
    }),
  ).flat();
  return [...streams(2, undefined, limit), ...waiting];
}

describe('socket-pool-saturation on HTTP/2 sessions (streams at the peer’s stream limit)', () => {
  it('queued streams at the limit: 2 × 10 ms → finding (20 ms), 2 × 9.5 ms → nothing, 1 × 40 ms → nothing', async () => {
    const [full] = await findings(atLimit(2, 10), 'socket-pool-saturation');
    expect(full?.costMs).toBe(20);
    expect(full?.costPerCallMs).toBe(10);
    expect(full?.evidence.counts).toMatchObject({ attempts: 4, queued: 2, maxConcurrentStreams: 2 });
    expect(full?.summary).toBe(
      "2 of 4 requests to my-bucket.s3.us-east-1.amazonaws.com:443 waited for a stream slot on a full HTTP/2 session (the server's SETTINGS_MAX_CONCURRENT_STREAMS 2): median 10 ms, 4 requests in flight at peak",
    );
    expect(full?.fix).toBe(
      "The server allows 2 concurrent streams a session and the handler queued the rest on the full one: set new NodeHttp2Handler({ maxConcurrentStreams: 2 }) so that it opens another session when one is full (4 in flight at peak: 2 sessions), or raise the server's SETTINGS_MAX_CONCURRENT_STREAMS, or limit concurrency to 2.",
    );
    expect(await findings(atLimit(2, 9.5), 'socket-pool-saturation')).toEqual([]);
    expect(await findings(atLimit(1, 40), 'socket-pool-saturation')).toEqual([]);
  });

  it('a wait below the limit (the session was connecting) or with no limit announced is not saturation', async () => {
    // 4 streams that each waited 30 ms for a session still connecting (1 to 3 open, limit 100).
    expect(
      await findings(
        streams(4, 30, { 'wirescope.http2.max_concurrent_streams': 100 }),
        'socket-pool-saturation',
      ),
    ).toEqual([]);
    expect(await findings(streams(4, 30, {}), 'socket-pool-saturation')).toEqual([]);
  });
});

describe('unretried-socket-error on HTTP/2 sessions', () => {
  /** A failed call whose `count` attempts each had a stream failed by the peer's GOAWAY INTERNAL_ERROR (30 ms). */
  const goawayCall = (count: number, failed = true) =>
    call({
      startMs: 0,
      http2: true,
      error: failed,
      attributes: failed ? { 'error.type': 'ERR_HTTP2_SESSION_ERROR' } : {},
      attempts: Array.from({ length: count }, () => ({
        reused: true,
        durationMs: 30,
        errorType: 'ERR_HTTP2_SESSION_ERROR',
        attributes: GOAWAY_INTERNAL,
      })),
    });

  it('a stream the GOAWAY failed, not retried: last attempt 2 → finding (the call, 61 ms), 3 → nothing', async () => {
    const [unretried] = await findings(goawayCall(2), 'unretried-socket-error');
    expect(unretried?.costMs).toBe(61);
    expect(unretried?.summary).toBe(
      '1 call (S3.PutObject) failed when the peer dropped the HTTP/2 session (GOAWAY INTERNAL_ERROR (2)) without a retry, after 61 ms (median)',
    );
    expect(unretried?.fix).toMatch(
      /^The SDK retries an HTTP\/2 stream only when the peer refused it \(REFUSED_STREAM\)/,
    );
    expect(unretried?.fix).toContain("NodeHttp2Handler's sessionTimeout");
    expect(await findings(goawayCall(3), 'unretried-socket-error')).toEqual([]);
    expect(await findings(goawayCall(1, false), 'unretried-socket-error')).toEqual([]);
  });
});

describe('no-timeout on HTTP/2 streams', () => {
  /** A stream with no response after `waitMs` on a reused session, under no timeout at all. */
  const hungStream = (waitMs: number) => {
    const spans = call({
      startMs: 0,
      http2: true,
      attempts: [
        {
          durationMs: waitMs,
          errorType: 'ABORT_ERR',
          attributes: {
            'wirescope.timeout.request_ms': 0,
            'wirescope.timeout.connection_ms': 0,
            'wirescope.timeout.socket_ms': 0,
          },
        },
      ],
    });
    for (const s of spans) delete s.attributes['wirescope.ttfb_ms'];
    return spans;
  };

  it('a 2 s wait with no requestTimeout → finding naming NodeHttp2Handler’s requestTimeout; 1.999 s → nothing', async () => {
    const [hung] = await findings(hungStream(2000), 'no-timeout');
    expect(hung?.costMs).toBe(2000);
    expect(hung?.fix).toMatch(
      /^Limit each stream: new NodeHttp2Handler\(\{ requestTimeout: N \}\) closes a stream silent/,
    );
    expect(await findings(hungStream(1999), 'no-timeout')).toEqual([]);
  });
});
