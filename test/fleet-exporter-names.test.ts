// The fleet analysis reads what @opentelemetry/exporter-prometheus really writes: the metric contract's
// instruments recorded through a real MeterProvider, exposed by the exporter, scraped by a real
// Prometheus, judged by `analyzePrometheus` (the name mapping of src/fleet/prometheus-names.ts, checked
// against the exporter rather than against text this repo wrote).

import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { analyzePrometheus } from '@wirescope/analyzer';
import {
  METER_NAME,
  METRIC_ATTEMPTS,
  METRIC_CALLS,
  METRIC_CONNECTION_PHASE_DURATION,
  METRIC_SOCKET_RESETS,
} from '@wirescope/semconv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  prometheusMissing,
  type RunningPrometheus,
  startPrometheus,
  waitForScrapes,
} from './support/prometheus.js';

const EP = 's3.us-west-2.amazonaws.com';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const skip = prometheusMissing();

describe('the Prometheus names of the metric contract, as the exporter writes them', () => {
  let exporter: PrometheusExporter;
  let provider: MeterProvider;
  let port: number;
  let record: (n: number) => void;
  let prometheus: RunningPrometheus | undefined;

  beforeAll(async () => {
    port = await freePort();
    exporter = new PrometheusExporter({ port, host: '127.0.0.1' });
    provider = new MeterProvider({
      readers: [exporter],
      resource: resourceFromAttributes({ 'service.name': 'churner' }),
    });
    const meter = provider.getMeter(METER_NAME);
    const calls = meter.createCounter(METRIC_CALLS, { unit: '{call}' });
    const attempts = meter.createCounter(METRIC_ATTEMPTS, { unit: '{attempt}' });
    const phases = meter.createHistogram(METRIC_CONNECTION_PHASE_DURATION, { unit: 's' });
    const resets = meter.createCounter(METRIC_SOCKET_RESETS, { unit: '{reset}' });
    const regions = { 'cloud.region': 'us-west-2', 'wirescope.caller.region': 'us-west-2' };
    record = (n) => {
      for (let i = 0; i < n; i++) {
        calls.add(1, {
          'rpc.service': 'S3',
          'rpc.method': 'PutObject',
          ...regions,
          'wirescope.region.mismatch': false,
        });
        attempts.add(1, { 'server.address': EP, 'wirescope.connection.reused': false, 'rpc.service': 'S3' });
        for (const [phase, s] of [
          ['dns', 0.001],
          ['tcp', 0.002],
          ['tls', 0.006],
        ] as const) {
          phases.record(s, { 'wirescope.phase': phase, 'server.address': EP, ...regions });
        }
      }
      resets.add(0, { 'server.address': EP, 'wirescope.connection.reused': true });
    };
    record(1);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await provider?.shutdown();
  });

  it('writes the names and labels the fleet queries ask for', async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toContain(
      `wirescope_calls_total{rpc_service="S3",rpc_method="PutObject",cloud_region="us-west-2",wirescope_caller_region="us-west-2",wirescope_region_mismatch="false",otel_scope_name="${METER_NAME}"} 1`,
    );
    expect(text).toContain(
      `wirescope_attempts_total{server_address="${EP}",wirescope_connection_reused="false",rpc_service="S3",otel_scope_name="${METER_NAME}"} 1`,
    );
    expect(text).toMatch(
      /^wirescope_connection_phase_duration_sum\{wirescope_phase="tls",server_address="s3\.us-west-2\.amazonaws\.com",/m,
    );
    expect(text).toMatch(
      /^wirescope_connection_phase_duration_bucket\{wirescope_phase="dns",.*le="\+Inf"\} 1$/m,
    );
    expect(text).toContain('wirescope_socket_resets_total{');
    expect(text).toContain('target_info{service_name="churner"');
  });

  it.skipIf(skip !== undefined)(
    `scraped by a real Prometheus, finds the churn with the service as the job${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      prometheus = await startPrometheus({
        scrapeTargets: [{ job: 'churner', target: `127.0.0.1:${port}` }],
      });
      // Counters must rise between scrapes for increase() to see them.
      for (let i = 0; i < 3; i++) {
        await waitForScrapes(prometheus.url, i + 1);
        record(10);
        await sleep(1100);
      }
      await waitForScrapes(prometheus.url, 5);
      const result = await analyzePrometheus({ url: prometheus.url, since: '1m' });
      expect(result.findings.map((f) => [f.code, f.evidence.series?.['job']])).toContainEqual([
        'connection-churn',
        'churner',
      ]);
      const churn = result.findings.find((f) => f.code === 'connection-churn');
      // increase() extrapolates to the window's edges: about 30 new connections, every attempt new.
      expect(churn?.evidence.counts['newConnections']).toBe(churn?.evidence.counts['attempts']);
      expect(churn?.evidence.measurements['handshakeMeanMs']).toBeCloseTo(9, 0);
      const reset = result.coverage.rules.find((r) => r.code === 'stale-connection-reset');
      expect(reset?.judged).toBe(reset?.of);
    },
    60_000,
  );
});
