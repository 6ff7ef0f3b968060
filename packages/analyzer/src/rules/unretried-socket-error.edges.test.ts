import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type AttemptSpec, call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

// unretried-socket-error pinned whole: summary, cost, basis, both fixes, evidence per error code.
async function unretried(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'unretried-socket-error');
}

const reset = (durationMs: number, errorType = 'ECONNRESET'): AttemptSpec => ({
  reused: true,
  errorType,
  durationMs,
});

/** A failed call whose attempts ended in resets. */
const failedCall = (startMs: number, attempts: AttemptSpec[]): WireSpan[] =>
  call({ startMs, error: true, attributes: { 'error.type': 'ECONNRESET' }, attempts });

const BASIS = 'measured: the whole failed call, which the caller has to redo';

describe('unretried-socket-error, pinned', () => {
  it('two calls with different codes: the Node-handler fix (hand-computed)', async () => {
    // Call A: attempts 30 + 40 → operation 71 ms; call B: EPIPE 40 → 41 ms. 112 ms, 56 each, median 56.
    const findings = await unretried([
      ...failedCall(0, [reset(30), reset(40)]),
      ...failedCall(1000, [reset(40, 'EPIPE')]),
    ]);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f?.summary).toBe(
      '2 calls (S3.PutObject) failed on a socket error (ECONNRESET, EPIPE) without a retry, after 56 ms (median)',
    );
    expect(f?.severity).toBe('error');
    expect(f?.costMs).toBeCloseTo(112, 1);
    expect(f?.costPerCallMs).toBeCloseTo(56, 1);
    expect(f?.costBasis).toBe(BASIS);
    expect(f?.fix).toBe(
      'Treat these socket errors as transient in the retry strategy, and close idle sockets before the server does.',
    );
    expect(f?.evidence.counts).toEqual({ calls: 2, ECONNRESET: 1, EPIPE: 1 });
    expect(f?.evidence.measurements).toEqual({ failedCallMedianMs: 56 });
    expect(f?.evidence.spanIdsTotal).toBe(2);
  });

  it('UND_ERR_SOCKET: singular, the fetch-handler fix', async () => {
    const [f] = await unretried(failedCall(0, [reset(20, 'UND_ERR_SOCKET')]));
    expect(f?.summary).toBe(
      '1 call (S3.PutObject) failed on a socket error (UND_ERR_SOCKET) without a retry, after 21 ms (median)',
    );
    expect(f?.costMs).toBeCloseTo(21, 1);
    expect(f?.costBasis).toBe(BASIS);
    // The span factory's reused attempt was idle 150 ms, and nothing of its pool survived a shorter idle.
    expect(f?.fix).toBe(
      "The fetch handler does not retry UND_ERR_SOCKET (the server closed an idle socket): the peer drops sockets idle less than 150 ms (the shortest idle that met a dead one; no shorter idle was seen to survive); set undici's keepAliveTimeout and keepAliveMaxTimeout below that cut-off, or use a retry strategy that treats UND_ERR_SOCKET as transient (or the Node handler).",
    );
    expect(f?.evidence.counts).toEqual({ calls: 1, UND_ERR_SOCKET: 1 });
  });

  it('fetch: a call that survived a shorter idle on the pool bounds the cut-off; no idle recorded, the general text', async () => {
    // Survived idle 95 ms; the failed call's socket had been idle 452 ms.
    const fetch = { 'wirescope.http.handler': 'fetch' };
    const [f] = await unretried([
      ...call({
        startMs: 0,
        attempts: [{ reused: true, attributes: { ...fetch, 'wirescope.connection.idle_ms': 95 } }],
      }),
      ...failedCall(1000, [
        { ...reset(20, 'UND_ERR_SOCKET'), attributes: { ...fetch, 'wirescope.connection.idle_ms': 452 } },
      ]),
    ]);
    expect(f?.fix).toBe(
      "The fetch handler does not retry UND_ERR_SOCKET (the server closed an idle socket): the peer drops sockets idle between 95 ms (the longest idle a reused socket survived) and 452 ms (the shortest that met a dead one); set undici's keepAliveTimeout and keepAliveMaxTimeout under 95 ms, or use a retry strategy that treats UND_ERR_SOCKET as transient (or the Node handler).",
    );
    const spans = failedCall(0, [reset(20, 'UND_ERR_SOCKET')]);
    for (const s of spans) delete s.attributes['wirescope.connection.idle_ms'];
    const [g] = await unretried(spans);
    expect(g?.fix).toBe(
      'The fetch handler does not retry UND_ERR_SOCKET (the server closed an idle socket): keep undici keepAliveTimeout below the server idle timeout, or use a retry strategy that treats UND_ERR_SOCKET as transient (or the Node handler).',
    );
  });

  it('an ECONNRESET on the fetch handler gets the fetch-handler fix too', async () => {
    const [f] = await unretried(
      failedCall(0, [{ ...reset(20), attributes: { 'wirescope.http.handler': 'fetch' } }]),
    );
    expect(f?.fix).toContain('The fetch handler does not retry UND_ERR_SOCKET');
  });

  it('counts each code over the calls', async () => {
    const [f] = await unretried([
      ...failedCall(0, [reset(10)]),
      ...failedCall(1000, [reset(10, 'EPIPE')]),
      ...failedCall(2000, [reset(10)]),
    ]);
    expect(f?.evidence.counts).toEqual({ calls: 3, ECONNRESET: 2, EPIPE: 1 });
    expect(f?.summary).toContain('(ECONNRESET, EPIPE)');
  });
});
