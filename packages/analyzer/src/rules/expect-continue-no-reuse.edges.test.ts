import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { call } from '../testing/span-factory.js';
import type { WireSpan } from '../types.js';

// expect-continue-no-reuse pinned whole on hand-computed cases.
async function noReuse(spans: WireSpan[]) {
  const result = await analyze(spans);
  return result.findings.filter((f) => f.code === 'expect-continue-no-reuse');
}

/** A ≥ 2 MiB 100-continue upload on a new node-http connection whose agent's keep-alive is not recorded. */
function upload(
  startMs: number,
  phases: { dnsMs: number; tcpMs: number; tlsMs: number },
  waitMs: number,
): WireSpan[] {
  const spans = call({
    startMs,
    attempts: [
      {
        reused: false,
        connectionId: `u-${startMs}`,
        ...phases,
        durationMs: 300,
        attributes: {
          'wirescope.expect_continue': true,
          'wirescope.expect_continue.wait_ms': waitMs,
          'http.request.body.size': 3_000_000,
        },
      },
    ],
  });
  for (const s of spans) delete s.attributes['wirescope.agent.keep_alive'];
  return spans;
}

const FIX =
  'Pass an https.Agent instance to the handler (new NodeHttpHandler({ httpsAgent })) so large uploads reuse it, or turn the header off with the S3Client option expectContinueHeader: false.';

describe('expect-continue-no-reuse, pinned', () => {
  it('one upload: singular, wait + handshake (hand-computed)', async () => {
    // Wait 30 + dns 1 + tcp 1 + tls 6 = 38 ms → warning.
    const findings = await noReuse(upload(0, { dnsMs: 1, tcpMs: 1, tlsMs: 6 }, 30));
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f?.summary).toBe(
      '1 upload (S3.PutObject) of ≥ 2 MiB waited for 100-continue on a one-off agent with keep-alive off: new connection + wait ≈ 38 ms each',
    );
    expect(f?.severity).toBe('warning');
    expect(f?.costMs).toBeCloseTo(38, 1);
    expect(f?.costPerCallMs).toBeCloseTo(38, 1);
    expect(f?.costBasis).toBe('measured: 100-continue wait plus dns+tcp+tls of each one-off connection');
    expect(f?.fix).toBe(FIX);
    expect(f?.evidence.counts).toEqual({ uploads: 1 });
    expect(f?.evidence.measurements).toEqual({ continueWaitMedianMs: 30, handshakeMedianMs: 8 });
    expect(f?.evidence.spanIdsTotal).toBe(1);
  });

  it('a wait the SDK timer ended is left to expect-continue-timeout: only the handshake here (issue 18)', async () => {
    // Wait 6,000 ended by the timer → 0 here; dns 1 + tcp 1 + tls 6 = 8 ms → info.
    const spans = upload(0, { dnsMs: 1, tcpMs: 1, tlsMs: 6 }, 6000);
    (spans[1] as WireSpan).attributes['wirescope.expect_continue.ended_by'] = 'timer';
    const result = await analyze(spans);
    const [f] = result.findings.filter((x) => x.code === 'expect-continue-no-reuse');
    expect(f?.costMs).toBeCloseTo(8, 1);
    expect(f?.evidence.measurements).toEqual({ continueWaitMedianMs: 6000, handshakeMedianMs: 8 });
    const [timeout] = result.findings.filter((x) => x.code === 'expect-continue-timeout');
    expect(timeout?.costMs).toBeGreaterThan(5900);
  });

  it('two uploads: the waits and handshakes add up, medians of each (hand-computed)', async () => {
    // Upload A: wait 40 + 2 + 10 + 20 = 72; upload B: wait 60 + 4 + 10 + 30 = 104 → 176 ms, 88 each.
    // Median wait (40 + 60) / 2 = 50; median handshake (32 + 44) / 2 = 38.
    const [f] = await noReuse([
      ...upload(0, { dnsMs: 2, tcpMs: 10, tlsMs: 20 }, 40),
      ...upload(1000, { dnsMs: 4, tcpMs: 10, tlsMs: 30 }, 60),
    ]);
    expect(f?.summary).toBe(
      '2 uploads (S3.PutObject) of ≥ 2 MiB waited for 100-continue on a one-off agent with keep-alive off: new connection + wait ≈ 88 ms each',
    );
    expect(f?.costMs).toBeCloseTo(176, 1);
    expect(f?.costPerCallMs).toBeCloseTo(88, 1);
    expect(f?.evidence.counts).toEqual({ uploads: 2 });
    expect(f?.evidence.measurements).toEqual({ continueWaitMedianMs: 50, handshakeMedianMs: 38 });
    expect(f?.evidence.spanIdsTotal).toBe(2);
  });

  it('which uploads are on the one-off agent', async () => {
    const big = (
      attributes: Record<string, string | number | boolean>,
      reused = false,
      keepAlive?: boolean,
    ) => {
      const spans = call({
        startMs: 0,
        attempts: [
          { reused, durationMs: 300, attributes: { 'http.request.body.size': 3_000_000, ...attributes } },
        ],
      });
      for (const s of spans) {
        if (keepAlive === undefined) delete s.attributes['wirescope.agent.keep_alive'];
        else if ('wirescope.agent.keep_alive' in s.attributes)
          s.attributes['wirescope.agent.keep_alive'] = keepAlive;
      }
      return spans;
    };
    // No 100-continue, or a reused connection: not one-off.
    expect(await noReuse(big({}))).toEqual([]);
    expect(await noReuse(big({ 'wirescope.expect_continue': true }, true))).toEqual([]);
    // Keep-alive recorded on: the user's agent.
    expect(await noReuse(big({ 'wirescope.expect_continue': true }, false, true))).toEqual([]);
    // Keep-alive recorded off: one-off whatever the size.
    expect(
      await noReuse(big({ 'wirescope.expect_continue': true, 'http.request.body.size': 10 }, false, false)),
    ).toHaveLength(1);
    // The fetch handler does not build the one-off agent.
    expect(
      await noReuse(big({ 'wirescope.expect_continue': true, 'wirescope.http.handler': 'fetch' })),
    ).toEqual([]);
    // No body size recorded: not known to be ≥ 2 MiB.
    const sizeless = big({ 'wirescope.expect_continue': true });
    for (const s of sizeless) delete s.attributes['http.request.body.size'];
    expect(await noReuse(sizeless)).toEqual([]);
    // The plugin's one-off flag alone.
    expect(await noReuse(big({ 'wirescope.agent.one_off': true }, false, true))).toHaveLength(1);
  });
});
