import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type AttemptSpec, call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

// unretried-socket-error: when a call counts as failed (the operation's status or its error.type, else the
// attempt's own), and which fix a mixture of handlers gets.
async function unretried(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'unretried-socket-error');
}

const reset: AttemptSpec = { reused: true, errorType: 'ECONNRESET', durationMs: 30 };
const isOperation = (s: WireSpan) => s.attributes['rpc.system'] === 'aws-api';

describe('unretried-socket-error: did the call fail?', () => {
  it('an ERROR status on the operation alone is a failed call', async () => {
    const spans = call({ startMs: 0, error: true, attempts: [reset] });
    for (const s of spans.filter(isOperation)) delete s.attributes['error.type'];
    const [f] = await unretried(spans);
    expect(f?.evidence.counts).toEqual({ calls: 1, ECONNRESET: 1 });
  });

  it("the operation's error.type alone is a failed call", async () => {
    const spans = call({
      startMs: 0,
      error: false,
      attributes: { 'error.type': 'ECONNRESET' },
      attempts: [reset],
    });
    const [f] = await unretried(spans);
    expect(f?.evidence.counts).toEqual({ calls: 1, ECONNRESET: 1 });
  });

  it('a call that succeeded is not flagged, whatever its last attempt says', async () => {
    const spans = call({ startMs: 0, error: false, attempts: [reset] });
    for (const s of spans.filter(isOperation)) delete s.attributes['error.type'];
    expect(await unretried(spans)).toEqual([]);
  });
});

describe('unretried-socket-error: an attempt whose operation span is missing (sampled away, cut file)', () => {
  const orphan = (attempt: AttemptSpec, error: boolean) => {
    const spans = call({ startMs: 0, error: true, attempts: [attempt] }).filter((s) => !isOperation(s));
    for (const s of spans) if (s.name.endsWith(' attempt')) s.status = { code: error ? 'error' : 'unset' };
    return spans;
  };

  it('failed with ECONNRESET: flagged, costing the attempt itself', async () => {
    const [f] = await unretried(orphan(reset, true));
    expect(f?.costMs).toBeCloseTo(30, 1);
    expect(f?.evidence.counts).toEqual({ calls: 1, ECONNRESET: 1 });
  });

  it("an ERROR status and a socket reset without a code: flagged as 'socket reset'", async () => {
    const [f] = await unretried(
      orphan({ reused: true, durationMs: 25, attributes: { 'wirescope.socket.reset': true } }, true),
    );
    expect(f?.summary).toBe(
      '1 call (S3.PutObject) failed on a socket error (socket reset) without a retry, after 25 ms (median)',
    );
    expect(f?.evidence.counts).toEqual({ calls: 1, 'socket reset': 1 });
  });

  it('a socket reset on an attempt that did not fail: not flagged', async () => {
    expect(
      await unretried(
        orphan({ reused: true, durationMs: 25, attributes: { 'wirescope.socket.reset': true } }, false),
      ),
    ).toEqual([]);
  });
});

describe('unretried-socket-error: the fix for the handler in use', () => {
  it('one failed call on the fetch handler among Node ones: the fetch (UND_ERR_SOCKET) fix', async () => {
    const node = call({
      startMs: 0,
      error: true,
      attributes: { 'error.type': 'ECONNRESET' },
      attempts: [reset],
    });
    const fetch = call({
      startMs: 1000,
      error: true,
      attributes: { 'error.type': 'ECONNRESET' },
      attempts: [{ ...reset, attributes: { 'wirescope.http.handler': 'fetch' } }],
    });
    const [f] = await unretried([...node, ...fetch]);
    expect(f?.fix).toMatch(/^The fetch handler does not retry UND_ERR_SOCKET/);
    const [g] = await unretried([
      ...node,
      ...call({ startMs: 1000, error: true, attributes: { 'error.type': 'ECONNRESET' }, attempts: [reset] }),
    ]);
    expect(g?.fix).toBe(
      'Treat these socket errors as transient in the retry strategy, and close idle sockets before the server does.',
    );
  });
});
