// Issue 14, fleet side: `wirescope analyze --prometheus` and `check --prometheus` against a real
// Prometheus (Debian's package) scraping endpoints that serve chosen samples with explicit timestamps,
// so every increase over the window is exact and the findings' numbers can be pinned.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from './support/cli-main.js';
import {
  counter,
  gauge,
  histogram,
  type StepSeries,
  type StepServer,
  serveMetricSteps,
} from './support/metric-steps-server.js';
import {
  prometheusMissing,
  type RunningPrometheus,
  startPrometheus,
  waitForScrapes,
} from './support/prometheus.js';

const STEPS = 3;
// Whole 10 s, two minutes back: the samples sit at t0, t0 + 30 s, t0 + 60 s; the window is `--since 1m
// --until t0 + 60 s`, so it holds exactly the three samples and increase() is last − first.
const T0 = Math.floor(Date.now() / 10_000) * 10_000 - 120_000;
const TIMES = [T0, T0 + 30_000, T0 + 60_000];
const UNTIL = String((T0 + 60_000) / 1000);
const S3_WEST = 's3.us-west-2.amazonaws.com';
const S3_EAST = 's3.us-east-1.amazonaws.com';

const calls = (caller: string, cloud: string, mismatch: boolean, n: number) =>
  counter(
    'wirescope_calls_total',
    {
      rpc_service: 'S3',
      rpc_method: 'PutObject',
      wirescope_caller_region: caller,
      cloud_region: cloud,
      wirescope_region_mismatch: String(mismatch),
    },
    n,
    STEPS,
  );
const attempts = (endpoint: string, reused: boolean, n: number) =>
  counter(
    'wirescope_attempts_total',
    { server_address: endpoint, wirescope_connection_reused: String(reused) },
    n,
    STEPS,
  );
const phase = (endpoint: string, name: string, seconds: number[], regions: Record<string, string>) =>
  histogram(
    'wirescope_connection_phase_duration',
    { server_address: endpoint, wirescope_phase: name, ...regions },
    seconds,
    STEPS,
  );
const WEST = { wirescope_caller_region: 'us-west-2', cloud_region: 'us-west-2' };

/** A client per call: every one of 40 requests opens a connection (dns 1 ms, tcp 2 ms, tls 6 ms). */
const CHURN: StepSeries[] = [
  calls('us-west-2', 'us-west-2', false, 40),
  attempts(S3_WEST, false, 40),
  ...phase(S3_WEST, 'dns', Array(40).fill(0.001), WEST),
  ...phase(S3_WEST, 'tcp', Array(40).fill(0.002), WEST),
  ...phase(S3_WEST, 'tls', Array(40).fill(0.006), WEST),
  counter(
    'wirescope_socket_resets_total',
    { server_address: S3_WEST, wirescope_connection_reused: 'false' },
    0,
    STEPS,
  ),
];
/** One client, keep-alive: 2 connections for 400 requests, a pool of 50 with a few in use. */
const HEALTHY: StepSeries[] = [
  calls('us-west-2', 'us-west-2', false, 400),
  attempts(S3_WEST, false, 2),
  attempts(S3_WEST, true, 398),
  ...phase(S3_WEST, 'dns', [0.001, 0.001], WEST),
  ...phase(S3_WEST, 'tcp', [0.002, 0.002], WEST),
  ...phase(S3_WEST, 'tls', [0.006, 0.006], WEST),
  gauge('smithy_client_http_connections_limit', {}, [50], STEPS),
  gauge('smithy_client_http_connections_usage', { state: 'acquired' }, [1, 2, 1], STEPS),
  gauge('smithy_client_http_connections_usage', { state: 'idle' }, [1, 0, 1], STEPS),
];
/** Code in us-west-2 calling a bucket in us-east-1, keep-alive, and a keep-alive socket reset twice. */
const FARAWAY: StepSeries[] = [
  calls('us-west-2', 'us-east-1', true, 100),
  attempts(S3_EAST, false, 2),
  attempts(S3_EAST, true, 100),
  ...phase(S3_EAST, 'tcp', [0.07, 0.07], { wirescope_caller_region: 'us-west-2', cloud_region: 'us-east-1' }),
  counter(
    'wirescope_socket_resets_total',
    { server_address: S3_EAST, wirescope_connection_reused: 'true', wirescope_http_handler: 'node-http' },
    2,
    STEPS,
  ),
];
/** A process with no wirescope metric at all. */
const OTHER: StepSeries[] = [counter('http_server_requests_total', {}, 10, STEPS)];

const run = runMain;

const skip = prometheusMissing();

describe.skipIf(skip !== undefined)(
  `fleet findings from a real Prometheus${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const servers: StepServer[] = [];
    let prometheus: RunningPrometheus;
    let dir: string;
    const fleet = (...more: string[]) => [
      '--prometheus',
      prometheus.url,
      '--since',
      '1m',
      '--until',
      UNTIL,
      ...more,
    ];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'wirescope-fleet-'));
      const jobs = { churn: CHURN, healthy: HEALTHY, faraway: FARAWAY, other: OTHER };
      const targets = [];
      for (const [job, series] of Object.entries(jobs)) {
        const server = await serveMetricSteps(series, TIMES);
        servers.push(server);
        targets.push({ job, target: server.target });
      }
      prometheus = await startPrometheus({ scrapeTargets: targets, scrapeIntervalS: 1 });
      await waitForScrapes(prometheus.url, STEPS + 1);
    }, 60_000);
    afterAll(async () => {
      await prometheus?.stop();
      await Promise.all(servers.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    });

    it('names the churning and the cross-region service, and finds nothing for the healthy one', async () => {
      const { code, stdout, stderr } = await run(['analyze', ...fleet()]);
      expect([code, stderr]).toEqual([0, '']);
      const lines = stdout.split('\n');
      expect(lines[0]).toBe(
        'wirescope: 4 findings, ≈ 7.0 s estimated cost (10 rules could not judge every call: see coverage)',
      );
      expect(lines[1]).toBe(
        '  540 calls, 542 attempts, 498 attempts on a reused connection (metrics, 1m window)',
      );
      expect(stdout).toContain(`churn → ${S3_WEST}: 40 of 40 requests opened a new TLS connection`);
      expect(stdout).toContain('faraway: 100 calls from us-west-2 went to us-east-1: one round trip ≈');
      expect(stdout).toContain(`faraway → ${S3_EAST}: 2 requests wrote into a dead keep-alive socket`);
      expect(stdout).toContain(`series: job="churn" server_address="${S3_WEST}"`);
      expect(stdout).not.toMatch(/healthy( →|: \d)/);
    });

    it('gives the same result as JSON, with the services and their counts', async () => {
      const { code, stdout } = await run(['analyze', ...fleet('--format', 'json')]);
      expect(code).toBe(0);
      const report = JSON.parse(stdout);
      expect(
        report.findings
          .map((f: { code: string; evidence: { series: { job: string } } }) => [
            f.code,
            f.evidence.series.job,
          ])
          .sort(),
      ).toEqual([
        ['connection-churn', 'churn'],
        ['cross-region', 'faraway'],
        ['dns-lookup-per-connection', 'churn'],
        ['stale-connection-reset', 'faraway'],
      ]);
      const churn = report.findings.find((f: { code: string }) => f.code === 'connection-churn');
      expect([churn.costMs, churn.costPerCallMs, churn.evidence.counts.newConnections]).toEqual([360, 9, 40]);
      expect(report.fleet.services).toEqual([
        { service: 'churn', calls: 40, attempts: 40, newConnections: 40 },
        { service: 'faraway', calls: 100, attempts: 102, newConnections: 2 },
        { service: 'healthy', calls: 400, attempts: 400, newConnections: 2 },
      ]);
      const reset = report.coverage.rules.find((r: { code: string }) => r.code === 'stale-connection-reset');
      expect(reset).toMatchObject({ judged: 140, of: 540 });
      expect(reset.reason).toMatch(
        /^no wirescope_socket_resets_total series for healthy: no socket was reset/,
      );
    });

    it('--service limits the analysis to one job, and says what it could not judge rather than "healthy"', async () => {
      const { code, stdout } = await run(['analyze', ...fleet('--service', 'healthy')]);
      expect(code).toBe(0);
      expect(stdout.split('\n')[0]).toBe(
        'wirescope: no findings in what could be judged; 8 rules of 13 could not judge every call (see coverage)',
      );
      expect(stdout).toContain('Prometheus http://127.0.0.1:');
      expect(stdout.replace(/\s+/g, ' ')).toContain('1 service (healthy), 400 AWS calls');
    });

    it('exits 2 with one line when the window or the service holds no wirescope metric', async () => {
      const none = await run([
        'analyze',
        '--prometheus',
        prometheus.url,
        '--since',
        '1m',
        '--until',
        String(T0 / 1000 - 600),
      ]);
      expect(none.code).toBe(2);
      expect(none.stderr).toBe(
        `wirescope: ${prometheus.url}: no wirescope metrics in the last 1m (no wirescope_calls_total, wirescope_attempts_total, wirescope_connection_phase_duration_count series): nothing to judge; is the plugin given a MeterProvider, and is its exporter scraped?\n`,
      );
      const other = await run(['analyze', ...fleet('--service', 'other')]);
      expect(other.code).toBe(2);
      expect(other.stderr).toBe(
        `wirescope: ${prometheus.url}: no wirescope metrics for service "other" (the job label) in the last 1m: nothing to judge (services with wirescope metrics: churn, faraway, healthy)\n`,
      );
    });

    it('check --prometheus: exit 1 on a forbidden fleet finding, 0 within budget; span limits not judged', async () => {
      const budget = join(dir, 'budget.json');
      writeFileSync(
        budget,
        JSON.stringify({ spans: { 'tls.handshake': { max: 2 } }, forbid: ['connection-churn'] }),
      );
      const over = await run(['check', ...fleet('--budget', budget)]);
      expect(over.code).toBe(1);
      expect(over.stdout).toMatch(/finding connection-churn +1 finding +none +FAIL/);
      expect(over.stdout).toContain(
        'tls.handshake could not be judged: span counts cannot be judged from metrics',
      );
      const within = await run(['check', ...fleet('--service', 'healthy', '--budget', budget)]);
      expect([within.code, within.stdout.trim().split('\n').at(-1)]).toEqual([
        0,
        'wirescope check: within budget (2 limits, 1 warning)',
      ]);
      writeFileSync(budget, JSON.stringify({ forbid: ['stale-connection-reset'] }));
      const unjudged = await run(['check', ...fleet('--service', 'healthy', '--budget', budget)]);
      expect(unjudged.code).toBe(1);
      expect(unjudged.stdout).toContain(
        'stale-connection-reset could not be judged: no wirescope_socket_resets_total series for healthy',
      );
    });

    it('writes Markdown and HTML reports of the fleet', async () => {
      const md = await run(['analyze', ...fleet('--format', 'markdown')]);
      expect(md.stdout).toContain(
        'Series: job=&quot;churn&quot; server\\_address=&quot;s3.us-west-2.amazonaws.com&quot;',
      );
      const html = await run(['analyze', ...fleet('--format', 'html')]);
      expect(html.stdout).toContain('data-finding-code="connection-churn"');
      expect(html.stdout).toContain('<dt>series</dt>');
    });
  },
);
