import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { formatText } from '../reports/format-text.js';
import { call } from '../testing/span-factory.js';
import type { AnalysisCoverage, AnalysisResult, Attributes, WireSpan } from '../types.js';

// Coverage of HTTP/2 calls (NodeHttp2Handler): the session rules judge them as node:http calls;
// expect-continue-timeout judges a stream whose 100-continue wait was recorded, or that asked for none,
// and not an older producer's stream that asked and says not how its wait ended; expect-continue-no-reuse
// applies to node:http calls only (the SDK's one-off keepAlive:false agent; HTTP/2 streams share their
// session).

/** [code, judged, of, inferred, reason given] per rule, in finding-code order. */
const table = (c: AnalysisCoverage) =>
  c.rules.map((r) => [r.code, r.judged, r.of, r.inferred, r.reason !== undefined]);
const rule = (c: AnalysisCoverage, code: string) => c.rules.find((r) => r.code === code);

/** The coverage row of `code` in the text report (wide enough not to wrap). */
function textRow(result: AnalysisResult, code: string): string | undefined {
  const text = formatText(result, { color: false, width: 400 });
  return text
    .split('\n')
    .find((line) => line.startsWith(`  ${code} `))
    ?.trim()
    .replace(/ {2,}/g, ' | ');
}

const NO_REUSE_NEEDS =
  "100-continue waits and connection reuse (wirescope plugin), on node:http only: the SDK's one-off keepAlive:false agent, which NodeHttp2Handler does not use";
const TIMEOUT_NEEDS = '100-continue waits and how they ended (wirescope plugin)';
const TIMEOUT_MISSING =
  'how 100-continue waits ended is recorded by the wirescope plugin only; a call whose upload asked for 100-continue and carries no wirescope.expect_continue.ended_by cannot be judged (an older wirescope: on HTTP/2 streams before it recorded the wait, on node:http before ended_by; or a wait an error cut short)';

/**
 * A 3 MiB PutObject over HTTP/2 on a session of its own. It asked for 100-continue: the plugin writes
 * `wirescope.expect_continue` from the request headers in every version; `recorded` is what the HTTP/2
 * producer wrote of the wait (nothing before it recorded waits).
 */
function h2Upload(startMs: number, recorded: Attributes = {}): WireSpan[] {
  return call({
    startMs,
    http2: true,
    attempts: [
      {
        reused: false,
        connectionId: `s-${startMs}`,
        durationMs: 6_500,
        attributes: {
          'wirescope.expect_continue': true,
          'http.request.body.size': 3 * 1024 * 1024,
          // The SDK's defaults (no timeouts): its 100-continue timer is then 6 s.
          'wirescope.timeout.request_ms': 0,
          'wirescope.timeout.connection_ms': 0,
          'wirescope.timeout.socket_ms': 0,
          ...recorded,
        },
      },
    ],
  });
}

/** A GetObject over HTTP/2 on a reused session: no body, so no Expect header and no wait. */
function h2Get(startMs: number): WireSpan[] {
  return call({
    startMs,
    http2: true,
    operation: 'GetObject',
    method: 'GET',
    attempts: [{ reused: true, connectionId: 's-get' }],
  });
}

describe('coverage of HTTP/2 calls (NodeHttp2Handler)', () => {
  it('the session rules judge them; expect-continue-no-reuse applies to the node:http call only', async () => {
    const result = await analyze([
      ...call({ startMs: 0, http2: true, attempts: [{ reused: false }] }),
      ...call({ startMs: 100, attempts: [{ reused: false, connectionId: 'c4242-2' }] }),
    ]);
    const c = result.coverage;
    expect(c.calls).toBe(2);
    expect(c.callsBy).toEqual({ wirescope: 2, other: 0 });
    expect(table(c)).toEqual([
      ['cross-region', 2, 2, 0, false],
      ['region-redirect', 2, 2, 0, false],
      ['connection-churn', 2, 2, 0, false],
      ['stale-connection-reset', 2, 2, 0, false],
      ['expect-continue-no-reuse', 1, 1, 0, false],
      ['dns-lookup-per-connection', 2, 2, 0, false],
      ['socket-pool-saturation', 2, 2, 0, false],
      ['slow-handshake', 2, 2, 0, false],
      ['unretried-socket-error', 2, 2, 0, false],
      ['hot-prefix', 2, 2, 0, false],
      ['unconsumed-body', 2, 2, 0, false],
      ['no-timeout', 2, 2, 0, false],
      ['expect-continue-timeout', 2, 2, 0, false],
    ]);
    expect(rule(c, 'expect-continue-no-reuse')?.needs).toBe(NO_REUSE_NEEDS);
    expect(textRow(result, 'expect-continue-no-reuse')).toBe(
      `expect-continue-no-reuse | 1 of 1 | ${NO_REUSE_NEEDS}`,
    );
    expect(result.findings).toEqual([]);
    expect(formatText(result, { color: false })).toContain(
      'wirescope: no findings: 2 calls judged by every rule; they look healthy',
    );
  });

  it('with the wait recorded (ended_by, wait_ms): the uploads are judged, and the one the timer ended is found', async () => {
    const result = await analyze([
      ...h2Upload(0, {
        'wirescope.expect_continue.ended_by': 'server',
        'wirescope.expect_continue.wait_ms': 80,
      }),
      ...h2Upload(10_000, {
        'wirescope.expect_continue.ended_by': 'timer',
        'wirescope.expect_continue.wait_ms': 6_020,
      }),
      ...h2Get(20_000),
    ]);
    const c = result.coverage;
    expect(rule(c, 'expect-continue-timeout')).toMatchObject({ judged: 3, of: 3, inferred: 0 });
    expect(rule(c, 'expect-continue-timeout')?.reason).toBeUndefined();
    expect(rule(c, 'expect-continue-no-reuse')).toMatchObject({ judged: 0, of: 0 });
    expect(result.coverage.rules.filter((r) => r.judged < r.of)).toEqual([]);
    expect(textRow(result, 'expect-continue-timeout')).toBe(
      `expect-continue-timeout | 3 of 3 | ${TIMEOUT_NEEDS}`,
    );
    expect(textRow(result, 'expect-continue-no-reuse')).toBe(
      'expect-continue-no-reuse | not applicable | no calls it applies to',
    );
    expect(result.findings.map((f) => [f.code, f.evidence.spanIdsTotal])).toEqual([
      ['expect-continue-timeout', 1],
    ]);
    expect(formatText(result, { color: false })).not.toContain('could not judge');
  });

  it('from a producer before HTTP/2 waits were recorded: an upload that asked and says not how its wait ended is not judged', async () => {
    // The same uploads as the HTTP/2 producer wrote them before it recorded 100-continue waits: the
    // plugin's wirescope.expect_continue only. The GET asked for no wait: judged all the same.
    const result = await analyze([...h2Upload(0), ...h2Upload(10_000), ...h2Get(20_000)]);
    const c = result.coverage;
    expect(rule(c, 'expect-continue-timeout')).toMatchObject({
      judged: 1,
      of: 3,
      inferred: 0,
      reason: TIMEOUT_MISSING,
    });
    expect(rule(c, 'expect-continue-no-reuse')).toMatchObject({ judged: 0, of: 0 });
    expect(c.rules.filter((r) => r.judged < r.of).map((r) => r.code)).toEqual(['expect-continue-timeout']);
    expect(textRow(result, 'expect-continue-timeout')).toBe(
      `expect-continue-timeout | 1 of 3 | ${TIMEOUT_MISSING}`,
    );
    expect(result.findings).toEqual([]);
    expect(formatText(result, { color: false })).toContain(
      'wirescope: no findings in what could be judged; 1 rule of 13 could not judge every call (see coverage)',
    );
  });

  it('node:http alike: an upload recorded before ended_by (its wait_ms only) is not judged; with ended_by it is', async () => {
    const upload = (startMs: number, recorded: Attributes) =>
      call({
        startMs,
        attempts: [
          {
            reused: false,
            connectionId: `n-${startMs}`,
            durationMs: 400,
            attributes: { 'wirescope.expect_continue': true, ...recorded },
          },
        ],
      });
    const c = (
      await analyze([
        ...upload(0, { 'wirescope.expect_continue.wait_ms': 80 }),
        ...upload(1_000, {
          'wirescope.expect_continue.wait_ms': 80,
          'wirescope.expect_continue.ended_by': 'server',
        }),
      ])
    ).coverage;
    expect(rule(c, 'expect-continue-timeout')).toMatchObject({ judged: 1, of: 2, reason: TIMEOUT_MISSING });
    // expect-continue-no-reuse reads the wait, not how it ended: both judged.
    expect(rule(c, 'expect-continue-no-reuse')).toMatchObject({ judged: 2, of: 2 });
  });
});
