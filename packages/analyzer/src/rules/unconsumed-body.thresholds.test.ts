import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type AttemptSpec, call, span } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';
import { BODY_ERROR_PER_CALL_MS, BODY_QUEUE_MIN_MS } from './unconsumed-body.js';

async function unconsumed(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'unconsumed-body');
}

/**
 * One GetObject at `startMs` (attempt `attempt`), with an `http.response.body` span under its attempt
 * when `outcome` is given: from the attempt's end, `bodyMs` long.
 */
function getObject(startMs: number, attempt: AttemptSpec, outcome?: string, bodyMs = 5000): WireSpan[] {
  const spans = call({ startMs, operation: 'GetObject', method: 'GET', attempts: [attempt] });
  if (outcome === undefined) return spans;
  const a = spans.find((s) => s.name.endsWith(' attempt')) as WireSpan;
  const end = startMs + (attempt.offsetMs ?? 0) + (attempt.durationMs ?? 20);
  const body = span({
    name: 'http.response.body',
    traceId: a.traceId,
    parentSpanId: a.spanId,
    startMs: end,
    durationMs: bodyMs,
    attributes: {
      'wirescope.http.handler': 'node-http',
      'wirescope.connection.id': attempt.connectionId ?? 'c4242-1',
      'wirescope.body.outcome': outcome,
      'wirescope.body.bytes': 10240,
    },
  });
  return [...spans, body];
}

/** Two bodies left unread on c1 and c2, then a call at 100 ms that waited `queueMs` and got c1. */
function twoUnreadThenQueued(queueMs: number, outcome = 'unread'): WireSpan[] {
  return [
    ...getObject(0, { connectionId: 'c1', reused: false }, outcome),
    ...getObject(10, { connectionId: 'c2', reused: false }, outcome),
    ...getObject(100, { connectionId: 'c1', queueMs, durationMs: queueMs + 20 }),
  ];
}

describe('unconsumed-body thresholds', () => {
  it('pins the constants', () => {
    expect([BODY_QUEUE_MIN_MS, BODY_ERROR_PER_CALL_MS]).toEqual([1, 100]);
  });

  it('only an unread body counts: complete, aborted and error bodies → nothing', async () => {
    for (const outcome of ['complete', 'aborted', 'error'])
      expect(await unconsumed(twoUnreadThenQueued(400, outcome))).toEqual([]);
    expect(await unconsumed(twoUnreadThenQueued(400))).toHaveLength(1);
  });

  it('costs the queued wait, holds from the headers to the socket’s next use (hand-computed)', async () => {
    // Bodies from 20 ms (c1) and 30 ms (c2). The third call started at 100 ms, waited 400 ms and got c1
    // at 500 ms: c1 held 500 − 20 = 480 ms (seen released); c2 never seen again: ≥ its body span, 5,000 ms.
    // Held median (480 + 5,000) / 2 = 2,740 ms, max 5,000. Cost 400 ms, 1 queued call: 400 each → error.
    const [f] = await unconsumed(twoUnreadThenQueued(400));
    expect(f?.costMs).toBe(400);
    expect(f?.costPerCallMs).toBe(400);
    expect(f?.severity).toBe('error');
    expect(f?.evidence.counts).toEqual({ unreadBodies: 2, releasedSeen: 1, queuedCalls: 1, maxSockets: 50 });
    expect(f?.evidence.measurements).toEqual({
      heldMsMedian: 2740,
      heldMsMax: 5000,
      queueMsMedian: 400,
      queueMsMax: 400,
    });
    expect(f?.evidence.spanIdsTotal).toBe(3);
  });

  it(`a wait counts from ${BODY_QUEUE_MIN_MS} ms: 1 → queued, 0.99 → not`, async () => {
    const [counted] = await unconsumed(twoUnreadThenQueued(1));
    expect(counted?.evidence.counts.queuedCalls).toBe(1);
    expect(counted?.costMs).toBe(1);
    const [not] = await unconsumed(twoUnreadThenQueued(0.99));
    expect(not?.evidence.counts.queuedCalls).toBe(0);
    expect(not?.costMs).toBe(0);
  });

  it(`severity: ${BODY_ERROR_PER_CALL_MS} ms queued per call → error, 99.9 → warning; nothing queued → warning`, async () => {
    expect((await unconsumed(twoUnreadThenQueued(100)))[0]?.severity).toBe('error');
    const [below] = await unconsumed(twoUnreadThenQueued(99.9));
    expect(below?.severity).toBe('warning');
    expect(below?.costPerCallMs).toBeCloseTo(99.9, 1);
    const [alone] = await unconsumed(getObject(0, { connectionId: 'c1' }, 'unread'));
    expect(alone?.severity).toBe('warning');
    expect(alone?.costMs).toBe(0);
  });

  it('a wait that ended before the body held its socket, or after the socket was free again, is not behind it', async () => {
    // Body on c1 from 20 ms; a call at 0 that waited 15 ms (to 15 ms) is before it.
    const before = [
      ...getObject(0, { connectionId: 'c1' }, 'unread'),
      ...getObject(0, { connectionId: 'c9', queueMs: 15 }),
    ];
    expect((await unconsumed(before))[0]?.evidence.counts.queuedCalls).toBe(0);
    // c1 used again at 300 ms (free from then); a call at 400 ms that waited 50 ms is not behind it.
    const after = [
      ...getObject(0, { connectionId: 'c1' }, 'unread'),
      ...getObject(300, { connectionId: 'c1' }),
      ...getObject(400, { connectionId: 'c9', queueMs: 50 }),
    ];
    const [f] = await unconsumed(after);
    expect(f?.evidence.counts.queuedCalls).toBe(0);
    expect(f?.evidence.measurements.heldMsMax).toBe(280);
  });
});

describe('unconsumed-body on HTTP/2 sessions', () => {
  /** A GetObject stream on session s1 whose body span says `outcome`, as the HTTP/2 producer writes it. */
  function h2Get(startMs: number, attempt: AttemptSpec, outcome?: string, bodyMs = 5000): WireSpan[] {
    const spans = call({ startMs, operation: 'GetObject', method: 'GET', http2: true, attempts: [attempt] });
    if (outcome === undefined) return spans;
    const a = spans.find((s) => s.name.endsWith(' attempt')) as WireSpan;
    const body = span({
      name: 'http.response.body',
      traceId: a.traceId,
      parentSpanId: a.spanId,
      startMs: startMs + (attempt.offsetMs ?? 0) + (attempt.durationMs ?? 20),
      durationMs: bodyMs,
      attributes: {
        'wirescope.http.handler': 'node-http2',
        'wirescope.connection.id': 's1',
        'wirescope.body.outcome': outcome,
        'wirescope.body.bytes': 10240,
      },
    });
    return [...spans, body];
  }

  it('an unread body holds a stream slot for its body span (a later stream on the session is no release); queued streams cost', async () => {
    // Limit 1: the body unread from 20 ms holds the one slot; a stream at 100 ms on the same session
    // waited 300 ms for it (the host destroyed the body then, which the spans do not show).
    const limit = { 'wirescope.http2.max_concurrent_streams': 1 };
    const spans = [
      ...h2Get(0, { connectionId: 's1', reused: false, attributes: limit }, 'unread', 400),
      ...h2Get(100, {
        connectionId: 's1',
        reused: true,
        queueMs: 300,
        durationMs: 320,
        attributes: { ...limit, 'wirescope.http2.streams_in_flight': 1 },
      }),
    ];
    const [finding] = await unconsumed(spans);
    expect(finding?.costMs).toBe(300);
    expect(finding?.summary).toContain(
      'held a stream slot of its session ≥ 400 ms (median); 1 call queued behind it for 300 ms',
    );
    expect(finding?.fix).toContain("holding one of the session's concurrent-stream slots");
    // The same body read to its end: nothing.
    const read = [
      ...h2Get(0, { connectionId: 's1', reused: false, attributes: limit }, 'complete', 400),
      ...h2Get(100, { connectionId: 's1', reused: true, queueMs: 300, durationMs: 320, attributes: limit }),
    ];
    expect(await unconsumed(read)).toEqual([]);
  });
});
