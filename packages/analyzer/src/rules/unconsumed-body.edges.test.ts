import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call, span } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

// unconsumed-body pinned whole (summary, basis, both fixes), and how the engine finds a body's attempt.
async function unconsumed(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'unconsumed-body');
}

const HOST = 'my-bucket.s3.us-east-1.amazonaws.com:443';

/** A GetObject (attempt 0–20 ms after `startMs`) and, with `outcome`, its body span; `handler` on both. */
function getObject(
  startMs: number,
  connectionId: string,
  outcome: string | undefined,
  extra: { queueMs?: number; handler?: string; bodyTrace?: string } = {},
): { spans: WireSpan[]; body: WireSpan | undefined } {
  const handler = extra.handler ?? 'node-http';
  const spans = call({
    startMs,
    operation: 'GetObject',
    method: 'GET',
    attempts: [
      {
        connectionId,
        durationMs: 20 + (extra.queueMs ?? 0),
        ...(extra.queueMs !== undefined ? { queueMs: extra.queueMs } : {}),
        attributes: { 'wirescope.http.handler': handler },
      },
    ],
  });
  if (outcome === undefined) return { spans, body: undefined };
  const a = spans.find((s) => s.name.endsWith(' attempt')) as WireSpan;
  const body = span({
    name: 'http.response.body',
    traceId: extra.bodyTrace ?? a.traceId,
    parentSpanId: a.spanId,
    startMs: startMs + 20,
    durationMs: 3000,
    attributes: { 'wirescope.http.handler': handler, 'wirescope.body.outcome': outcome },
  });
  return { spans, body };
}

const NODE_FIX =
  "Consume every response Body: read it to its end (await Body.transformToString(), or pipe it to a sink), or call Body.destroy() when you do not need it; an unread body keeps its socket out of the agent's pool until it is read or destroyed.";
const FETCH_FIX =
  "Consume every response Body: read it to its end (await Body.transformToString(), or pipe it to a sink), or cancel it (await Body.cancel()) when you do not need it; an unread body keeps its connection out of undici's pool.";

describe('unconsumed-body, pinned', () => {
  it('two unread bodies and a call queued behind them: summary, basis, node fix', async () => {
    const a = getObject(0, 'c1', 'unread');
    const b = getObject(5, 'c2', 'unread');
    const queued = getObject(50, 'c1', undefined, { queueMs: 250 });
    const [f, ...more] = await unconsumed([...a.spans, a.body!, ...b.spans, b.body!, ...queued.spans]);
    expect(more).toEqual([]);
    // c1 held from 20 to 300 ms (the queued call got it): 280; c2 ≥ 3,000; median 1,640 → "1.6 s".
    expect(f?.summary).toBe(
      `2 response bodies (S3.GetObject) from ${HOST} neither read to the end nor destroyed held their sockets ≥ 1.6 s (median; maxSockets 50); 1 call queued behind them for 250 ms in all`,
    );
    expect(f?.costBasis).toBe(
      'measured: sum of wirescope.connection.queue_ms of the calls that waited for a socket while an unread body held one',
    );
    expect(f?.fix).toBe(NODE_FIX);
    const attemptIds = [a, b, queued].map((x) => x.spans.find((s) => s.name.endsWith(' attempt'))!.spanId);
    expect(f?.evidence.spanIds).toEqual(attemptIds);
  });

  it('one unread body on fetch, nothing queued: the fetch fix, no bound when the socket was seen free', async () => {
    const a = getObject(0, 'c1', 'unread', { handler: 'fetch' });
    const next = getObject(1000, 'c1', undefined, { handler: 'fetch' });
    const [f] = await unconsumed([...a.spans, a.body!, ...next.spans]);
    expect(f?.summary).toBe(
      `1 response body (S3.GetObject) from ${HOST} neither read to the end nor destroyed held its socket 980 ms (median; maxSockets 50); no call queued behind it in these spans`,
    );
    expect(f?.fix).toBe(FETCH_FIX);
    expect(f?.costMs).toBe(0);
  });

  it('a body span read before its attempt is placed at finish', async () => {
    const a = getObject(0, 'c1', 'unread');
    const [f] = await unconsumed([a.body!, ...a.spans]);
    expect(f?.evidence.counts.unreadBodies).toBe(1);
  });

  it('a body span in another trace than its attempt, or with no outcome, is not the attempt’s', async () => {
    const other = getObject(0, 'c1', 'unread', { bodyTrace: 'f'.repeat(32) });
    expect(await unconsumed([...other.spans, other.body!])).toEqual([]);
    const late = getObject(0, 'c1', 'unread', { bodyTrace: 'f'.repeat(32) });
    expect(await unconsumed([late.body!, ...late.spans])).toEqual([]);
    const bare = getObject(0, 'c1', 'unread');
    delete bare.body!.attributes['wirescope.body.outcome'];
    expect(await unconsumed([...bare.spans, bare.body!])).toEqual([]);
  });

  it('a second body span of one attempt keeps the first one’s outcome; body spans still count by name', async () => {
    const a = getObject(0, 'c1', 'complete');
    const again = {
      ...a.body!,
      spanId: 'abcdefabcdef0001',
      attributes: { 'wirescope.body.outcome': 'unread' },
    };
    const result = await analyze([...a.spans, a.body!, again]);
    expect(result.findings.filter((f) => f.code === 'unconsumed-body')).toEqual([]);
    expect(result.stats.spanCountsByName['http.response.body']).toBe(2);
  });
});
