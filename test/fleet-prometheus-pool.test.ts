// Issue 14, fleet side: the pool diagnoses (the AWS SDK for Java 2.x guide's leak, starvation and slow
// TLS while connections are free) and the remaining fleet rules, from a real Prometheus: the gauges
// through min/max_over_time subqueries, the TLS histogram's buckets, the redirect and 100-continue
// counters, a far peer by its connect time.
import { sameRegionRttMs } from '@wirescope/analyzer';
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
const T0 = Math.floor(Date.now() / 10_000) * 10_000 - 120_000;
const TIMES = [T0, T0 + 30_000, T0 + 60_000];
const EP = 'dynamodb.us-east-1.amazonaws.com';
const EAST = { wirescope_caller_region: 'us-east-1', cloud_region: 'us-east-1' };

const calls = (n: number) =>
  counter('wirescope_calls_total', { ...EAST, wirescope_region_mismatch: 'false' }, n, STEPS);
const attempts = (fresh: number, reused: number) => [
  counter(
    'wirescope_attempts_total',
    { server_address: EP, wirescope_connection_reused: 'false' },
    fresh,
    STEPS,
  ),
  counter(
    'wirescope_attempts_total',
    { server_address: EP, wirescope_connection_reused: 'true' },
    reused,
    STEPS,
  ),
];
const pool = (limit: number, acquired: number[], idle: number[], queued: number[]) => [
  gauge('smithy_client_http_connections_limit', {}, [limit], STEPS),
  gauge('smithy_client_http_connections_usage', { state: 'acquired' }, acquired, STEPS),
  gauge('smithy_client_http_connections_usage', { state: 'idle' }, idle, STEPS),
  gauge('smithy_client_http_requests_usage', { state: 'queued' }, queued, STEPS),
];
/** 40 requests, 20 of them waited 100 ms each for a connection. */
const queue = histogram(
  'http_client_request_time_in_queue',
  { server_address: EP },
  [...Array(20).fill(0), ...Array(20).fill(0.1)],
  STEPS,
);

const JOBS: Record<string, StepSeries[]> = {
  /** Every connection stays acquired all window: bodies never read. */
  leaky: [calls(40), ...attempts(10, 30), ...pool(10, [10, 10, 10], [0], [5, 8, 12]), ...queue],
  /** At the limit with requests queued only at peak. */
  starving: [calls(40), ...attempts(10, 30), ...pool(10, [4, 10, 5], [2, 0, 2], [0, 4, 0]), ...queue],
  /** TLS handshakes of 600 ms to a 1-ms-away peer while 3 connections sat idle. */
  slowtls: [
    calls(100),
    ...attempts(10, 90),
    ...pool(50, [2], [3], [0]),
    ...histogram(
      'wirescope_connection_phase_duration',
      { server_address: EP, wirescope_phase: 'tcp', ...EAST },
      Array(10).fill(0.001),
      STEPS,
    ),
    ...histogram(
      'wirescope_connection_phase_duration',
      { server_address: EP, wirescope_phase: 'tls', ...EAST },
      Array(10).fill(0.6),
      STEPS,
    ),
  ],
  /** Calls that S3 redirected, and ≥ 2 MiB uploads that never reused a connection. */
  s3: [
    calls(50),
    counter(
      'wirescope_region_redirects_total',
      {
        rpc_service: 'S3',
        rpc_method: 'GetObject',
        cloud_region: 'us-east-1',
        wirescope_bucket_region: 'eu-west-1',
      },
      5,
      STEPS,
    ),
    ...histogram(
      'wirescope_expect_continue_duration',
      {
        server_address: 's3.us-east-1.amazonaws.com',
        wirescope_connection_reused: 'false',
        wirescope_expect_continue_ended_by: 'server',
      },
      Array(4).fill(0.05),
      STEPS,
    ),
  ],
  /** Configured for us-east-1, but every connect takes 70 ms: the peer is elsewhere. */
  farpeer: [
    calls(20),
    ...attempts(4, 16),
    ...histogram(
      'wirescope_connection_phase_duration',
      { server_address: EP, wirescope_phase: 'tcp', ...EAST },
      Array(4).fill(0.07),
      STEPS,
    ),
  ],
};

const run = runMain;

interface JsonFinding {
  code: string;
  summary: string;
  costMs: number;
  fix: string;
  evidence: {
    series: Record<string, string>;
    diagnosis?: string;
    counts: Record<string, number>;
    measurements: Record<string, number>;
  };
}

const skip = prometheusMissing();

describe.skipIf(skip !== undefined)(
  `pool diagnoses from a real Prometheus${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    const servers: StepServer[] = [];
    let prometheus: RunningPrometheus;
    let findings: JsonFinding[];

    beforeAll(async () => {
      const targets = [];
      for (const [job, series] of Object.entries(JOBS)) {
        const server = await serveMetricSteps(series, TIMES);
        servers.push(server);
        targets.push({ job, target: server.target });
      }
      prometheus = await startPrometheus({ scrapeTargets: targets });
      await waitForScrapes(prometheus.url, STEPS + 1);
      const argv = [
        'analyze',
        '--prometheus',
        prometheus.url,
        '--since',
        '1m',
        '--until',
        String((TIMES[2] as number) / 1000),
        '--format',
        'json',
      ];
      const { code, stdout, stderr } = await run(argv);
      expect([code, stderr]).toEqual([0, '']);
      findings = JSON.parse(stdout).findings;
    }, 60_000);
    afterAll(async () => {
      await prometheus?.stop();
      await Promise.all(servers.map((s) => s.close()));
    });

    const of = (job: string) =>
      findings
        .filter((f) => f.evidence.series['job'] === job)
        .map((f) => `${f.code}${f.evidence.diagnosis ? `/${f.evidence.diagnosis}` : ''}`)
        .sort();

    it('a pool acquired at its limit all window leaks; one at the limit only at peak starves', () => {
      expect(of('leaky')).toEqual(['socket-pool-saturation/pool-leak']);
      const leak = findings.find((f) => f.evidence.diagnosis === 'pool-leak') as JsonFinding;
      expect(leak.summary).toMatch(
        /^leaky: the connection pool leaks: all 10 connections stayed acquired for the whole 1m on 1 of 1 instances \(127\.0\.0\.1:\d+\)$/,
      );
      expect([leak.costMs, leak.evidence.counts['acquiredMin'], leak.evidence.counts['waited']]).toEqual([
        2000, 10, 20,
      ]);
      expect(of('starving')).toEqual(['socket-pool-saturation/pool-starvation']);
      const starving = findings.find((f) => f.evidence.diagnosis === 'pool-starvation') as JsonFinding;
      expect(starving.evidence.counts).toMatchObject({
        connectionLimit: 10,
        acquiredMax: 10,
        queuedMax: 4,
        waited: 20,
      });
      expect(starving.fix).toContain('Raise the pool size from 10 to 14, the requests in flight at peak');
    });

    it('slow TLS while connections sat idle is a slow-handshake, not the pool', () => {
      expect(of('slowtls')).toEqual(['slow-handshake/slow-tls-idle-pool']);
      const slow = findings.find((f) => f.evidence.series['job'] === 'slowtls') as JsonFinding;
      // The round trip is the table's inside us-east-1 (caller and signing region known), not the 1 ms connect.
      const rtt = Math.round(sameRegionRttMs('us-east-1') * 10) / 10;
      expect(slow.evidence.measurements).toMatchObject({ tlsP90BucketLowerMs: 500, rttMs: rtt });
      expect(slow.evidence.counts).toEqual({ tlsHandshakes: 10, idleConnectionsMax: 3 });
    });

    it('redirects, one-off 100-continue uploads, and a far peer by its connect time', () => {
      expect(of('s3')).toEqual(['expect-continue-no-reuse', 'region-redirect']);
      const redirect = findings.find((f) => f.code === 'region-redirect') as JsonFinding;
      expect(redirect.summary).toMatch(
        /^s3: 5 S3\.GetObject calls were sent to us-east-1 and redirected to eu-west-1: ≈ \+\d+ ms each$/,
      );
      const upload = findings.find((f) => f.code === 'expect-continue-no-reuse') as JsonFinding;
      expect([upload.evidence.counts['uploads'], upload.evidence.measurements['continueWaitMeanMs']]).toEqual(
        [4, 50],
      );
      expect(of('farpeer')).toEqual(['cross-region']);
      const far = findings.find((f) => f.evidence.series['job'] === 'farpeer') as JsonFinding;
      expect(far.summary).toMatch(
        /^farpeer: 4 connects to dynamodb\.us-east-1\.amazonaws\.com took 70 ms on average from a caller in us-east-1 \(same-region ~[\d.]+ ms\): the peer is not in us-east-1/,
      );
      expect(far.evidence.counts).toEqual({ tcpConnects: 4, attempts: 20, roundTrips: 32 });
    });
  },
);
