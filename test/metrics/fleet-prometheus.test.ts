// Issue 14, "Must be shown by tests": a real Prometheus server (Debian's `prometheus`, which .ci/run
// installs like chromium) started on loopback with a generated config scrapes three service
// processes (test/metrics/fleet-workload.ts), each with a global MeterProvider, the Prometheus
// exporter on its own port and the wirescope plugin, making S3 calls against s3rver over HTTPS:
// - churn-svc creates an S3Client per call (a new connection and TLS handshake per call);
// - healthy-svc keeps one client (one connection, reused);
// - xregion-svc runs in us-east-1 and calls us-west-2 through the latency proxy, whose added round
//   trip stands in for the cross-region one.
// `wirescope analyze --prometheus` (the CLI from source, as a user runs it) must name the churning
// service and the cross-region one with its region pair, and nothing for the healthy one; `check
// --prometheus` with a budget forbidding connection-churn exits 1. The counts Prometheus holds are
// pinned against what the workloads did and what the proxy accepted.
//
// Without /usr/bin/prometheus this test FAILS, saying so: the issue asks for the real server. Set
// WIRESCOPE_SKIP_PROMETHEUS=1 to skip it on a machine without Debian's package.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  promQuery,
  readmePromql,
  runCli,
  startWorkload,
  type Workload,
  waitUntil,
} from '../support/fleet.js';
import { prometheusMissing, type RunningPrometheus, startPrometheus } from '../support/prometheus.js';
import { type S3ServerHandle, startS3Server } from '../support/s3-server.js';
import { startTcpProxy, type TcpProxyHandle } from '../support/tcp-proxy.js';
import type { WorkloadConfig } from './fleet-workload.js';

const SKIP = process.env.WIRESCOPE_SKIP_PROMETHEUS === '1';
/** Object calls per service (plus its CreateBucket), 100 ms apart: spread over several 1 s scrapes. */
const CALLS = 30;
const INTERVAL_MS = 100;
/** The proxy's added latency each way: one round trip of 2 × 25 = 50 ms, us-east-1 ↔ us-west-2 is ~64 ms. */
const PROXY_LATENCY_MS = 25;
const CALLER_REGION = 'us-east-1';
const REMOTE_REGION = 'us-west-2';

let s3: S3ServerHandle | undefined;
let proxy: TcpProxyHandle | undefined;
let prometheus: RunningPrometheus | undefined;
const workloads: Workload[] = [];
const done = new Map<string, { calls: number; errors: number }>();
let tmp: string;

/** `sum by (job) (<query>)` as a map job → value. */
async function byJob(query: string): Promise<Record<string, number>> {
  const url = (prometheus as RunningPrometheus).url;
  const samples = await promQuery(url, `sum by (job) (${query})`);
  return Object.fromEntries(samples.map((s) => [s.metric['job'] ?? '', s.value]));
}

describe.skipIf(SKIP)('fleet view from a real Prometheus (skipped when WIRESCOPE_SKIP_PROMETHEUS=1)', () => {
  beforeAll(async () => {
    const missing = prometheusMissing();
    if (missing) throw new Error(`${missing}; or set WIRESCOPE_SKIP_PROMETHEUS=1 to skip the fleet test`);
    tmp = mkdtempSync(join(tmpdir(), 'wirescope-fleet-'));
    s3 = await startS3Server();
    proxy = await startTcpProxy({
      target: { host: '127.0.0.1', port: s3.port },
      latencyMs: PROXY_LATENCY_MS,
    });
    const base = {
      region: CALLER_REGION,
      callerRegion: CALLER_REGION,
      calls: CALLS,
      intervalMs: INTERVAL_MS,
    };
    const configs: WorkloadConfig[] = [
      { ...base, service: 'churn-svc', kind: 'churn', endpoint: s3.endpoint },
      { ...base, service: 'healthy-svc', kind: 'healthy', endpoint: s3.endpoint },
      {
        ...base,
        service: 'xregion-svc',
        kind: 'xregion',
        endpoint: `https://localhost:${proxy.port}`,
        region: REMOTE_REGION,
      },
    ];
    workloads.push(...(await Promise.all(configs.map((config) => startWorkload(config)))));
    prometheus = await startPrometheus({
      scrapeTargets: workloads.map((w) => ({ job: w.config.service, target: w.target })),
      scrapeIntervalS: 1,
    });
    const url = prometheus.url;
    // Every target scraped once before the first call.
    await waitUntil('every workload scraped (up == 1)', async () => {
      return (await promQuery(url, 'up == 1')).length === workloads.length;
    });
    const results = await Promise.all(workloads.map((w) => w.go()));
    for (const [i, w] of workloads.entries()) {
      done.set(w.config.service, results[i] as { calls: number; errors: number });
    }
    // Scraped after the last call: the calls counter holds every call of every service.
    await waitUntil(
      'Prometheus to hold every call (wirescope_calls_total)',
      async () => {
        const calls = await byJob('wirescope_calls_total');
        return workloads.every((w) => calls[w.config.service] === done.get(w.config.service)?.calls);
      },
      20_000,
    );
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all(workloads.map((w) => w.stop()));
    await proxy?.close();
    await s3?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 30_000);

  it('every workload made its calls without an error', () => {
    for (const w of workloads) {
      expect(done.get(w.config.service), w.stderr()).toEqual({ calls: CALLS + 1, errors: 0 });
    }
  });

  it('Prometheus holds every call and the new connections exactly, per service', async () => {
    expect(await byJob('wirescope_calls_total')).toEqual({
      'churn-svc': CALLS + 1,
      'healthy-svc': CALLS + 1,
      'xregion-svc': CALLS + 1,
    });
    // New connections: one per call for churn-svc; one in all for the keep-alive clients, which for
    // xregion-svc is the one connection the proxy accepted.
    expect(await byJob('wirescope_attempts_total{wirescope_connection_reused="false"}')).toEqual({
      'churn-svc': CALLS + 1,
      'healthy-svc': 1,
      'xregion-svc': proxy?.connectionsAccepted,
    });
    expect(proxy?.connectionsAccepted).toBe(1);
    // The cross-region calls carry their region pair.
    const mismatched = await promQuery(
      (prometheus as RunningPrometheus).url,
      'sum by (job, wirescope_caller_region, cloud_region) (wirescope_calls_total{wirescope_region_mismatch="true"})',
    );
    expect(mismatched.map((s) => ({ ...s.metric, value: s.value }))).toEqual([
      {
        job: 'xregion-svc',
        wirescope_caller_region: CALLER_REGION,
        cloud_region: REMOTE_REGION,
        value: CALLS + 1,
      },
    ]);
  });

  it('the handshake through the latency proxy takes a cross-region round trip', async () => {
    const url = (prometheus as RunningPrometheus).url;
    const tls = await promQuery(
      url,
      'sum by (job, cloud_region, wirescope_caller_region) (wirescope_connection_phase_duration_sum{wirescope_phase="tls"})' +
        ' / sum by (job, cloud_region, wirescope_caller_region) (wirescope_connection_phase_duration_count{wirescope_phase="tls"})',
    );
    const mean = Object.fromEntries(tls.map((s) => [s.metric['job'], s]));
    // One handshake through the proxy: its one round trip (2 × 25 ms) and the proxy's first hold
    // (25 ms) at least, about the us-east-1 ↔ us-west-2 median (64 ms); local ones take a few ms.
    expect(mean['xregion-svc']?.metric).toMatchObject({
      cloud_region: REMOTE_REGION,
      wirescope_caller_region: CALLER_REGION,
    });
    expect(mean['xregion-svc']?.value).toBeGreaterThan((3 * PROXY_LATENCY_MS) / 1000);
    expect(mean['xregion-svc']?.value).toBeLessThan(0.5);
    expect(mean['churn-svc']?.value).toBeLessThan(mean['xregion-svc']?.value as number);
  });

  it("the example's scrape config is one Prometheus accepts (promtool, from the same package)", () => {
    const config = fileURLToPath(new URL('../../examples/prometheus/prometheus.yml', import.meta.url));
    const run = spawnSync('/usr/bin/promtool', ['check', 'config', config], { encoding: 'utf8' });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('SUCCESS');
  });

  it("the example's panels (examples/prometheus/README.md), evaluated on this fleet", async () => {
    const url = (prometheus as RunningPrometheus).url;
    const readme = readFileSync(new URL('../../examples/prometheus/README.md', import.meta.url), 'utf8');
    const [reuse, handshakes, connectP99, resets] = readmePromql(readme) as [string, string, string, string];
    // Reuse ratio: none for the client per call, all (after the first) for the keep-alive clients.
    const ratio = await promQuery(url, reuse);
    expect(Object.fromEntries(ratio.map((s) => [s.metric['job'], s.value]))).toEqual({
      'churn-svc': 0,
      'healthy-svc': 1,
      'xregion-svc': 1,
    });
    // Handshakes per second by region pair: the churn's, all same-region; the other two services
    // made one each, counted in their series' first sample, which rate() cannot count: rate 0.
    const pairs = await promQuery(url, handshakes);
    const rate = Object.fromEntries(
      pairs.map((s) => [`${s.metric['wirescope_caller_region']} → ${s.metric['cloud_region']}`, s.value]),
    );
    expect(Object.keys(rate).sort()).toEqual([
      `${CALLER_REGION} → ${CALLER_REGION}`,
      `${CALLER_REGION} → ${REMOTE_REGION}`,
    ]);
    // rate() over 5 m divides by 300 s: × 300 is the handshakes seen after the series' first sample
    // (extrapolated), at most the churn's one a call.
    const sameRegion = (rate[`${CALLER_REGION} → ${CALLER_REGION}`] ?? 0) * 300;
    expect(sameRegion).toBeGreaterThan(CALLS / 3);
    expect(sameRegion).toBeLessThan((CALLS + 1) * 1.25);
    expect(rate[`${CALLER_REGION} → ${REMOTE_REGION}`]).toBe(0);
    // Connect p99 by phase: the churn's TLS handshakes (local; the slowest is a cold process's first,
    // tens of ms on a busy 2-core machine), a finite p99 for each of its phases.
    const p99 = await promQuery(url, connectP99);
    const churn = Object.fromEntries(
      p99.filter((s) => s.metric['job'] === 'churn-svc').map((s) => [s.metric['wirescope_phase'], s.value]),
    );
    expect(Object.keys(churn)).toContain('tls');
    expect(churn['tls']).toBeGreaterThan(0);
    expect(churn['tls']).toBeLessThan(0.25);
    // Resets per second: nothing was reset, and that reads as 0 for every service (the producer's zero
    // series), not as no data.
    const resetRates = await promQuery(url, resets);
    expect([...new Set(resetRates.map((s) => s.metric['job']))].sort()).toEqual([
      'churn-svc',
      'healthy-svc',
      'xregion-svc',
    ]);
    expect(resetRates.map((s) => s.value)).toEqual(resetRates.map(() => 0));
  });

  /** `wirescope <args>` against this fleet's Prometheus. */
  function cli(args: string[]) {
    return runCli([
      args[0] as string,
      '--prometheus',
      (prometheus as RunningPrometheus).url,
      ...args.slice(1),
    ]);
  }

  it('analyze --prometheus names the churning service and the cross-region one, nothing for the healthy one', async () => {
    const run = await cli(['analyze', '--since', '5m', '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as {
      findings: { code: string; evidence: { series?: Record<string, string> } }[];
      coverage: { rules: { code: string; judged: number; of: number }[] };
    };
    // No reset and no redirect happened, and the metrics say so (zero series): judged for every call.
    const rules = new Map(result.coverage.rules.map((r) => [r.code, r]));
    for (const code of ['stale-connection-reset', 'region-redirect', 'connection-churn']) {
      expect(rules.get(code)?.of, code).toBeGreaterThan(0);
      expect(rules.get(code)?.judged, code).toBe(rules.get(code)?.of);
    }
    const byService = new Map<string, string[]>();
    for (const finding of result.findings) {
      const job = finding.evidence.series?.['job'] ?? '(none)';
      byService.set(job, [...(byService.get(job) ?? []), finding.code]);
    }
    expect(byService.get('churn-svc')).toContain('connection-churn');
    expect(byService.get('xregion-svc')).toContain('cross-region');
    expect(byService.get('xregion-svc')).not.toContain('connection-churn');
    expect(byService.has('healthy-svc')).toBe(false);
    expect(byService.has('(none)')).toBe(false);
    const crossRegion = result.findings.filter((f) => f.code === 'cross-region');
    expect(crossRegion.map((f) => f.evidence.series)).toContainEqual({
      job: 'xregion-svc',
      wirescope_caller_region: CALLER_REGION,
      cloud_region: REMOTE_REGION,
    });
    // --service keeps one service: the healthy one alone has nothing to report.
    const healthy = await cli(['analyze', '--since', '5m', '--service', 'healthy-svc', '--format', 'json']);
    expect(healthy.code, healthy.stderr).toBe(0);
    expect((JSON.parse(healthy.stdout) as { findings: unknown[] }).findings).toEqual([]);
  });

  it('the text report says it in lines', async () => {
    const run = await cli(['analyze', '--since', '5m']);
    expect(run.code, run.stderr).toBe(0);
    if (process.env['WIRESCOPE_FLEET_REPORT'])
      writeFileSync(process.env['WIRESCOPE_FLEET_REPORT'], run.stdout);
    // The findings: from the table's header to the coverage (which names every service it read).
    const text = run.stdout;
    const findings = text.slice(text.indexOf('SEVERITY'), text.indexOf('\ncoverage'));
    expect(text.split('\n')[0]).toMatch(/^wirescope: \d+ findings?, ≈ [\d.]+ m?s estimated cost/);
    // Lines wrap at the report's width: the phrases are matched with their spaces collapsed.
    const flat = (t: string) => t.replace(/\s+/g, ' ');
    expect(flat(text)).toContain('3 services (churn-svc, healthy-svc, xregion-svc)');
    expect(findings).toMatch(/^warning +cross-region .*xregion-svc: \d+ calls from us-east-1/m);
    expect(findings).toMatch(/^\S+ +connection-churn .*churn-svc → localhost: \d+ of \d+ requests/m);
    expect(flat(findings)).toContain(
      'series: job="xregion-svc" wirescope_caller_region="us-east-1" cloud_region="us-west-2"',
    );
    expect(findings).not.toContain('healthy-svc');
    expect(text).toMatch(/^coverage: /m);
  });

  it('check --prometheus: a budget forbidding connection-churn exits 1 for the fleet, 0 for the healthy service', async () => {
    const budget = join(tmp, 'budget.json');
    writeFileSync(budget, JSON.stringify({ forbid: ['connection-churn'] }));
    const fleet = await cli(['check', '--since', '5m', '--budget', budget]);
    expect(fleet.code, `${fleet.stdout}${fleet.stderr}`).toBe(1);
    expect(`${fleet.stdout}${fleet.stderr}`).toContain('connection-churn');
    const healthy = await cli(['check', '--since', '5m', '--service', 'healthy-svc', '--budget', budget]);
    expect(healthy.code, `${healthy.stdout}${healthy.stderr}`).toBe(0);
    // The example's budget (examples/prometheus/wirescope-budget.json) on the same fleet.
    const example = fileURLToPath(
      new URL('../../examples/prometheus/wirescope-budget.json', import.meta.url),
    );
    const exampleFleet = await cli(['check', '--since', '5m', '--budget', example]);
    expect(exampleFleet.code, `${exampleFleet.stdout}${exampleFleet.stderr}`).toBe(1);
    const exampleHealthy = await cli([
      'check',
      '--since',
      '5m',
      '--service',
      'healthy-svc',
      '--budget',
      example,
    ]);
    expect(exampleHealthy.code, `${exampleHealthy.stdout}${exampleHealthy.stderr}`).toBe(0);
  });
});
