// `analyze --prometheus`: findings across a fleet from the metric contract in Prometheus, in the shape
// of a span analysis's result, so the same report writers and budget check apply.
import type { AnalysisResult, Finding } from '../types.js';
import {
  fleetConnectionChurn,
  fleetDnsPerConnection,
  fleetExpectContinueNoReuse,
  fleetStaleReset,
} from './fleet-connection-rules.js';
import { callsOf, fleetCoverage } from './fleet-coverage.js';
import { fleetFacts } from './fleet-facts.js';
import { fleetPoolSaturation, fleetSlowTlsIdlePool } from './fleet-pool-rules.js';
import { askFleet, fleetQueries, METRIC_ROLES } from './fleet-queries.js';
import { fleetCrossRegionPairs, fleetCrossRegionRtt, fleetRegionRedirects } from './fleet-region-rules.js';
import { createPrometheusClient, PrometheusError } from './prometheus-client.js';
import { SERVICE_LABEL } from './prometheus-names.js';
import { parseDuration, quoteLabelValue } from './promql.js';

/** Options of {@link analyzePrometheus}. */
export interface PrometheusAnalysisOptions {
  /** Base URL of the Prometheus HTTP API; `user:password@` in it becomes Basic auth and is never printed. */
  url: string;
  /** The window, a Prometheus duration (`1h`, `30m`, `1h30m`). Default `1h`. */
  since?: string;
  /** End of the window (default: the server's now). */
  until?: Date;
  /** Only this service (Prometheus's `job` label, the OTel `service.name`). */
  service?: string;
  /** Timeout of each query, ms. Default 30 s. */
  timeoutMs?: number;
}

/**
 * Queries Prometheus (one aggregated instant query per question) and judges the fleet: per service and
 * endpoint, the findings the metrics support, with cost, fix, evidence and coverage. Rejects with a
 * PrometheusError (one line naming the URL, credentials redacted) when the server cannot be asked, or
 * when the window holds no wirescope metric at all (nothing to judge).
 */
export async function analyzePrometheus(options: PrometheusAnalysisOptions): Promise<AnalysisResult> {
  const window = options.since ?? '1h';
  if (parseDuration(window) === undefined) {
    throw new PrometheusError(options.url, `--since '${window}' is not a duration such as 1h, 30m or 90s`);
  }
  const client = createPrometheusClient({
    url: options.url,
    ...(options.until ? { time: options.until.getTime() / 1000 } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
  const scope = { window, ...(options.service !== undefined ? { service: options.service } : {}) };
  const answers = await askFleet(client, scope);
  const facts = fleetFacts(answers);
  const any = [...facts.services.values()].some((s) => Object.values(s.present).some((n) => (n ?? 0) > 0));
  if (!any) throw new PrometheusError(client.url, await nothingThere(client, window, options.service));

  const findings: Finding[] = [
    ...fleetCrossRegionPairs(facts),
    ...fleetCrossRegionRtt(facts),
    ...fleetRegionRedirects(facts),
    ...fleetConnectionChurn(facts),
    ...fleetStaleReset(facts),
    ...fleetExpectContinueNoReuse(facts),
    ...fleetDnsPerConnection(facts),
    ...fleetPoolSaturation(facts, window),
    ...fleetSlowTlsIdlePool(facts),
  ].sort((a, b) => b.costMs - a.costMs);
  const services = [...facts.services.values()].sort((a, b) => (a.service < b.service ? -1 : 1));
  const endpoints = facts.endpoints;
  const calls = Math.round(services.reduce((t, s) => t + callsOf(facts, s), 0));
  const attempts = Math.round(endpoints.reduce((t, e) => t + e.attempts, 0));
  const reused = Math.round(endpoints.reduce((t, e) => t + e.reused, 0));
  return {
    schemaVersion: 2,
    findings,
    coverage: {
      calls,
      callsBy: { wirescope: calls, other: 0 },
      inferredAttempts: 0,
      scopes: {},
      callerRegion: {
        known: Math.round(services.reduce((t, s) => t + s.callsWithCallerRegion, 0)),
        fromResource: 0,
        fromOption: false,
      },
      rules: fleetCoverage(facts),
    },
    stats: {
      spans: 0,
      traces: 0,
      operations: calls,
      attempts,
      reusedAttempts: reused,
      duplicateSpans: 0,
      spanCountsByName: {},
    },
    waterfalls: [],
    warnings: [],
    fleet: {
      source: 'prometheus',
      url: client.url,
      window,
      ...(options.until ? { until: options.until.toISOString() } : {}),
      ...(options.service !== undefined ? { service: options.service } : {}),
      services: services.map((s) => {
        const mine = endpoints.filter((e) => e.service === s.service);
        return {
          service: s.service,
          calls: Math.round(callsOf(facts, s)),
          attempts: Math.round(mine.reduce((t, e) => t + e.attempts, 0)),
          newConnections: Math.round(mine.reduce((t, e) => t + e.fresh, 0)),
        };
      }),
      queries: Object.keys(fleetQueries(scope)).length,
    },
  };
}

/** Why there is nothing to judge: no wirescope metric at all, or none for the service asked for. */
async function nothingThere(
  client: ReturnType<typeof createPrometheusClient>,
  window: string,
  service: string | undefined,
): Promise<string> {
  const names = [METRIC_ROLES.calls, METRIC_ROLES.attempts, METRIC_ROLES.phase].join(', ');
  if (service !== undefined) {
    const others = await client.query(
      `count by (${SERVICE_LABEL}) (last_over_time({__name__=~"wirescope_.+"}[${window}]))`,
    );
    const jobs = others
      .map((r) => r.labels[SERVICE_LABEL] ?? '')
      .filter((j) => j !== '')
      .sort();
    const seen =
      jobs.length > 0
        ? `services with wirescope metrics: ${jobs.slice(0, 10).join(', ')}${jobs.length > 10 ? ', …' : ''}`
        : 'no service has any';
    return `no wirescope metrics for service ${quoteLabelValue(service)} (the job label) in the last ${window}: nothing to judge (${seen})`;
  }
  return `no wirescope metrics in the last ${window} (no ${names} series): nothing to judge; is the plugin given a MeterProvider, and is its exporter scraped?`;
}
