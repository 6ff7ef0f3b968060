// Issue 11: the analyzer on traces made by the standard OpenTelemetry instrumentations (aws-sdk, http,
// undici, dns, net) against the local s3rver, alone and beside the plugin (test/fixtures/standard,
// recorded by scripts/record-standard-fixtures.ts; shapes in its README).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AnalysisResult,
  analyze,
  checkBudget,
  formatText,
  readSpans,
  type WireSpan,
} from '@wirescope/analyzer';
import { describe, expect, it, onTestFinished } from 'vitest';

const DIR = fileURLToPath(new URL('./fixtures/standard/', import.meta.url));
const WIRESCOPE_SCOPE = '@wirescope/';

/** The exact set of finding codes per recording. */
const EXPECTED: Record<string, string[]> = {
  // A new TLS connection per call to `localhost`: churn, and a lookup per connection.
  'std-churn-https': ['connection-churn', 'dns-lookup-per-connection'],
  'std-churn-http': ['connection-churn', 'dns-lookup-per-connection'],
  'std-churn-fetch': ['connection-churn', 'dns-lookup-per-connection'],
  'std-reuse-https': [],
  'std-reuse-fetch': [],
  // Signing for eu-west-1 from a process whose resource says us-east-1, against a local server: the
  // configuration says cross-region, the 1–2 ms round trip says near; the finding says both, no cost.
  'std-cross-region-config': ['cross-region'],
  // Through a proxy delaying data 32 ms each way: TCP completes in the local kernel.
  'std-near-proxy': ['cross-region'],
  // Keep-alive through a proxy that resets connections idle over 200 ms, 400 ms between calls: every
  // call after the first writes into a reset socket (ECONNRESET, from the exception event) and is
  // retried on a new connection, which pays a lookup.
  'std-stale-reset-https': ['stale-connection-reset', 'dns-lookup-per-connection'],
  // Fetch through a proxy that FINs idle connections: every other call fails with UND_ERR_SOCKET,
  // unretried; the next call connects again (explained by the reset, not churn) and pays a lookup.
  'std-unretried-fin-fetch': [
    'unretried-socket-error',
    'stale-connection-reset',
    'dns-lookup-per-connection',
  ],
  'mixed-churn-https': ['connection-churn', 'dns-lookup-per-connection'],
  'mixed-reuse-https': [],
  'wirescope-churn-https': ['connection-churn', 'dns-lookup-per-connection'],
};

async function spansOf(name: string): Promise<WireSpan[]> {
  const spans: WireSpan[] = [];
  for await (const span of readSpans({ path: `${DIR}${name}.otlp.json` })) spans.push(span);
  return spans;
}

async function analyzed(
  name: string,
  keep: (span: WireSpan) => boolean = () => true,
): Promise<AnalysisResult> {
  return analyze((await spansOf(name)).filter(keep));
}

const codes = (result: AnalysisResult) => result.findings.map((f) => f.code).sort();
const finding = (result: AnalysisResult, code: string) => result.findings.find((f) => f.code === code);
const rule = (result: AnalysisResult, code: string) => result.coverage.rules.find((r) => r.code === code);

describe('standard-instrumentation traces (test/fixtures/standard)', () => {
  it('has an expectation for every recording', () => {
    const names = readdirSync(DIR)
      .filter((f) => f.endsWith('.otlp.json'))
      .map((f) => f.replace(/\.otlp\.json$/, ''));
    expect(names.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s gives exactly %j, judging 8 calls', async (name, expected) => {
    const result = await analyzed(name);
    expect(codes(result)).toEqual([...expected].sort());
    expect(result.coverage.calls).toBe(8);
    expect(result.stats.operations).toBe(8);
    // One attempt per call, and a retry for each call after the first when the proxy resets idle sockets.
    expect(result.stats.attempts).toBe(name === 'std-stale-reset-https' ? 15 : 8);
    for (const code of [
      'connection-churn',
      'dns-lookup-per-connection',
      'cross-region',
      'unretried-socket-error',
    ])
      expect(rule(result, code)).toMatchObject({ judged: 8, of: 8 });
  });

  it.each(['std-churn-fetch', 'mixed-churn-https', 'std-near-proxy'])(
    '%s reads the same as OTLP JSON Lines (the byte-scanning fast path)',
    async (name) => {
      const doc = JSON.parse(readFileSync(`${DIR}${name}.otlp.json`, 'utf8')) as { resourceSpans: unknown[] };
      // One resourceSpans entry per line, as the collector's file exporter writes batches.
      const lines = doc.resourceSpans.map((rs) => JSON.stringify({ resourceSpans: [rs] })).join('\n');
      const dir = mkdtempSync(join(tmpdir(), 'wirescope-std-'));
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
      const path = join(dir, `${name}.otlp.jsonl`);
      writeFileSync(path, `${lines}\n`);
      const fromLines = await analyze(readSpans({ path }));
      const fromJson = await analyzed(name);
      expect(fromLines.findings).toEqual(fromJson.findings);
      expect(fromLines.coverage).toEqual(fromJson.coverage);
      expect(fromLines.stats).toEqual(fromJson.stats);
    },
  );

  it('infers new and reused connections from the net spans (std https)', async () => {
    const churn = await analyzed('std-churn-https');
    expect(churn.stats.reusedAttempts).toBe(0);
    expect(finding(churn, 'connection-churn')?.evidence.counts).toMatchObject({
      newConnections: 8,
      extraConnections: 7,
    });
    expect(rule(churn, 'connection-churn')?.inferred).toBe(8);
    // What only the plugin records is said, not assumed healthy.
    expect(rule(churn, 'socket-pool-saturation')).toMatchObject({ judged: 0, of: 8 });
    expect(rule(churn, 'region-redirect')?.reason).toMatch(/wirescope plugin only/);
    const reuse = await analyzed('std-reuse-https');
    expect(reuse.stats.reusedAttempts).toBe(7);
  });

  it("takes the phases' own time from instrumentation-net's nested spans: churn costs match the sum of the parts", async () => {
    const spans = await spansOf('std-churn-https');
    const result = await analyze(spans);
    // By hand from the spans: per connection, dns.lookup + (tcp.connect end − dns end) + (tls.connect end
    // − tcp.connect end) = tls.connect end − dns.lookup start; the first connection is free.
    const ms = (ns: bigint) => Number(ns) / 1e6;
    const perTrace = new Map<string, number>();
    for (const trace of new Set(spans.map((s) => s.traceId))) {
      const of = (name: string) => spans.find((s) => s.traceId === trace && s.name === name) as WireSpan;
      const tls = of('tls.connect');
      const dns = of('dns.lookup');
      perTrace.set(trace, ms(tls.endTimeUnixNano) - ms(dns.startTimeUnixNano));
    }
    const churn = finding(result, 'connection-churn');
    const extra = new Set(churn?.evidence.traceIds);
    const expected = [...perTrace].filter(([trace]) => extra.has(trace)).reduce((sum, [, v]) => sum + v, 0);
    expect(churn?.costMs).toBeCloseTo(expected, 0);
  });

  it('counts a call recorded by the plugin and the standard instrumentations once, with the plugin’s costs', async () => {
    const mixed = await analyzed('mixed-churn-https');
    // The same recording with only the plugin's spans: what wirescope alone says of these calls.
    const alone = await analyzed('mixed-churn-https', (s) => (s.scope ?? '').startsWith(WIRESCOPE_SCOPE));
    expect(codes(mixed)).toEqual(codes(alone));
    expect(mixed.stats.operations).toBe(alone.stats.operations);
    expect(mixed.stats.spanCountsByName).toEqual({
      ...alone.stats.spanCountsByName,
      PUT: 0,
      'tls.connect': 0,
    });
    // 8 aws-sdk operation spans, 8 http spans, 8 × (dns.lookup, tcp.connect, tls.connect).
    expect(mixed.stats.duplicateSpans).toBe(8 + 8 + 24);
    for (const f of alone.findings) {
      const m = finding(mixed, f.code);
      expect(Math.abs((m?.costMs ?? 0) - f.costMs)).toBeLessThanOrEqual(0.15 * f.costMs);
    }
    // And against a separate recording of the plugin alone on the same workload: same calls, same codes.
    const separate = await analyzed('wirescope-churn-https');
    expect(codes(mixed)).toEqual(codes(separate));
    expect(mixed.stats.operations).toBe(separate.stats.operations);
    const reuse = await analyzed('mixed-reuse-https');
    expect(reuse.stats).toMatchObject({ operations: 8, attempts: 8, reusedAttempts: 7 });
  });

  it('flags TCP ending at a near proxy from the TLS handshake and the reused requests', async () => {
    const result = await analyzed('std-near-proxy');
    const f = finding(result, 'cross-region');
    expect(f?.summary).toMatch(/ends nearby/);
    // The proxy injects 64 ms per round trip; the measurement is bounded by the reused requests (each
    // one round trip plus the server's time).
    expect(f?.evidence.measurements.measuredRttMs).toBeGreaterThanOrEqual(64);
    expect(f?.evidence.measurements.measuredRttMs).toBeLessThanOrEqual(64 * 1.5);
    expect(f?.evidence.measurements.tcpConnectMinMs).toBeLessThan(16);
    expect(result.coverage.callerRegion).toMatchObject({ known: 8, fromResource: 8 });
  });

  it('says which said what when configuration and measurement disagree', async () => {
    const result = await analyzed('std-cross-region-config');
    const f = finding(result, 'cross-region');
    expect(f?.summary).toMatch(/configured from us-east-1 to eu-west-1 .*the peer is near the caller/);
    expect(f?.costMs).toBe(0);
    expect(f?.severity).toBe('info');
  });
});

describe('errors from the standard instrumentations', () => {
  it('reads the socket error code from the exception event (error.type says only "Error")', async () => {
    const result = await analyzed('std-stale-reset-https');
    const stale = finding(result, 'stale-connection-reset');
    expect(stale?.summary).toMatch(
      /^7 requests \(S3\.PutObject\) to localhost:\d+ wrote into a dead keep-alive socket \(ECONNRESET\); 7 retried on a new connection/,
    );
    expect(stale?.evidence.counts).toEqual({ resets: 7, retried: 7, retriedOnNew: 7 });
    const fin = await analyzed('std-unretried-fin-fetch');
    expect(finding(fin, 'unretried-socket-error')?.summary).toMatch(/UND_ERR_SOCKET/);
  });
});

describe('budgets on standard-instrumentation traces', () => {
  it('count instrumentation-net tls.connect spans under a tls.handshake limit (8: max 8 passes, max 7 fails)', async () => {
    const result = await analyzed('std-churn-https');
    expect(checkBudget(result, { spans: { 'tls.handshake': { max: 8 } } }).ok).toBe(true);
    expect(checkBudget(result, { spans: { 'tls.handshake': { max: 7 } } }).violations).toEqual([
      { kind: 'spans', subject: 'tls.handshake', expected: 'max 7', actual: '8', warnOnly: false },
    ]);
  });

  it('fail a forbidden code the traces cannot show (no instrumentation-net), and pass it when it is judged and absent', async () => {
    const noNet = await analyzed('std-churn-https', (s) => !s.scope?.includes('instrumentation-net'));
    const checked = checkBudget(noNet, { forbid: ['connection-churn'] });
    expect(checked.ok).toBe(false);
    expect(checked.violations[0]).toMatchObject({
      kind: 'coverage',
      subject: 'connection-churn',
      actual: 'not judged (0 of 8 calls)',
      reason: expect.stringMatching(/instrumentation-net/),
    });
    expect(checkBudget(await analyzed('std-reuse-https'), { forbid: ['connection-churn'] })).toEqual({
      ok: true,
      violations: [],
    });
  });
});

describe('reports that say what they could not judge', () => {
  it('a trace with no AWS call: no healthy headline, nothing judged', async () => {
    // The std churn recording without the aws-sdk spans: HTTP, net and dns spans of no AWS call.
    const result = await analyzed('std-churn-https', (s) => !s.scope?.includes('aws-sdk'));
    expect(result.coverage.calls).toBe(0);
    const text = formatText(result);
    expect(text).toMatch(/^wirescope: no AWS SDK calls in 32 spans: nothing to judge/);
    expect(text).not.toMatch(/healthy/);
  });

  it('calls that no rule could judge: coverage shown, no healthy headline', async () => {
    // Only instrumentation-aws-sdk: calls, but no attempts, no phases, no caller region.
    const result = await analyzed('std-churn-https', (s) => s.scope?.includes('aws-sdk') === true);
    expect(result.coverage.calls).toBe(8);
    expect(result.coverage.rules.every((r) => r.judged === 0)).toBe(true);
    const text = formatText(result);
    expect(text).toMatch(/^wirescope: nothing judged: no rule had the facts it needs for any of 8 calls/);
    expect(text).toMatch(/connection-churn +0 of 8 +no connection facts/);
    expect(text).not.toMatch(/healthy/);
  });

  it('prints the text report of a standard-instrumentation churn trace (the note quotes it)', async () => {
    const text = formatText(await analyzed('std-churn-https'), { width: 100 });
    expect(text).toMatch(/^wirescope: 2 findings/);
    expect(text).toMatch(/spans by instrumentation: @opentelemetry\/instrumentation-net 16/);
    expect(readFileSync(`${DIR}README.md`, 'utf8')).toContain('std-churn-https');
  });
});
