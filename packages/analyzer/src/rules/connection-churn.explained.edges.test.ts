import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { type AttemptSpec, call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

// connection-churn leaves out the new connections other rules explain, and words its summary from the
// mixture it saw. Each case is a pair: the explained run (no churn) against the same run unexplained.
async function churn(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'connection-churn');
}

/** Sequential calls (300 ms apart, 260 ms each: peak concurrency 1), each on a new connection. */
const run = (attempts: AttemptSpec[]) =>
  attempts.flatMap((attempt, i) =>
    call({
      startMs: i * 300,
      attempts: [
        { reused: false, connectionId: `c-${i}`, durationMs: 260, dnsMs: 0, tcpMs: 10, tlsMs: 0, ...attempt },
      ],
    }),
  );
const times = (count: number, attempt: AttemptSpec = {}) => run(Array.from({ length: count }, () => attempt));

describe('connection-churn: connections other rules explain', () => {
  it('one-off agents (100-continue uploads) are not churn; the same run without the flag is', async () => {
    expect(await churn(times(4, { attributes: { 'wirescope.agent.one_off': true } }))).toEqual([]);
    const [f] = await churn(times(4));
    expect(f?.evidence.counts).toMatchObject({ newConnections: 4, extraConnections: 3 });
  });

  it('100-continue with keep-alive off is explained; with keep-alive on it is churn', async () => {
    const off = { 'wirescope.expect_continue': true, 'wirescope.agent.keep_alive': false };
    expect(await churn(times(4, { attributes: off }))).toEqual([]);
    const on = { 'wirescope.expect_continue': true, 'wirescope.agent.keep_alive': true };
    const [f] = await churn(times(4, { attributes: on }));
    expect(f?.evidence.counts).toMatchObject({ newConnections: 4, extraConnections: 3 });
    // Keep-alive off without 100-continue is churn too (the keep-alive fix).
    const [g] = await churn(times(4, { attributes: { 'wirescope.agent.keep_alive': false } }));
    expect(g?.evidence.counts).toMatchObject({ newConnections: 4, extraConnections: 3 });
  });

  it('the connection right after the pool lost a socket to a reset is explained, not the one before it', async () => {
    // Calls 0..4, each new. Call 1 ends in ECONNRESET, so call 2 (the pool's next) has to connect again:
    // explained. Fresh = calls 0, 1, 3, 4; peak 1 → extra = 1, 3, 4 at 10 ms each = 30 ms. Call 2's
    // handshake (50 ms) must not be in the cost (it would be if the call *before* a reset were left out).
    const [f] = await churn(run([{}, { errorType: 'ECONNRESET' }, { tcpMs: 50 }, {}, {}]));
    expect(f?.evidence.counts).toMatchObject({ attempts: 5, newConnections: 4, extraConnections: 3 });
    expect(f?.costMs).toBeCloseTo(30, 1);
    expect(f?.evidence.measurements).toEqual({ handshakeMedianMs: 10, handshakeTotalMs: 30 });
  });
});

describe('connection-churn: the summary words the mixture it saw', () => {
  it('keep-alive off on some of the new connections: "keep-alive off" and the keep-alive fix', async () => {
    const off = { attributes: { 'wirescope.agent.keep_alive': false } };
    const [f] = await churn(run([off, {}, off, off]));
    expect(f?.summary).toContain('opened a new TLS connection (keep-alive off):');
    expect(f?.fix).toBe(
      'Turn keep-alive on (the SDK default) and reuse one client and its agent for every call.',
    );
  });

  it('TLS on some connections, or known only from the TLS version, is a TLS connection', async () => {
    // `plain`: no tls.handshake span and no TLS version (the marker attribute says which to strip).
    const plain: AttemptSpec = { tlsMs: null, attributes: { 'test.plain': true } };
    const noVersion = (spans: WireSpan[]) => {
      for (const s of spans)
        if (s.attributes['test.plain'] === true) delete s.attributes['tls.protocol.version'];
      return spans;
    };
    const [mixed] = await churn(noVersion(run([plain, {}, plain, plain])));
    expect(mixed?.summary).toContain('opened a new TLS connection');
    // Version only (no tls.handshake span): still TLS.
    const [versionOnly] = await churn(times(4, { tlsMs: null }));
    expect(versionOnly?.summary).toContain('opened a new TLS connection');
    // Neither: not TLS.
    const [none] = await churn(noVersion(times(4, plain)));
    expect(none?.summary).toContain('opened a new connection');
    expect(none?.summary).not.toContain('TLS');
  });
});
