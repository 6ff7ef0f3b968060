// Asks Prometheus the fleet's questions (one aggregated instant query each, in parallel) and files the
// answers by service (`job`) and endpoint (`server_address`).
import type { PrometheusClient, VectorSample } from './prometheus-client.js';
import { FLEET_LABELS as L, FLEET_METRICS as M, SERVICE_LABEL } from './prometheus-names.js';
import { gaugeOverWindow, increaseBy, type QueryScope, selector } from './promql.js';

/** Roles of the metrics whose presence decides what each rule can judge. */
export const METRIC_ROLES = {
  calls: M.calls,
  attempts: M.attempts,
  phase: M.phase.count,
  resets: M.resets,
  expectContinue: M.expectContinue.count,
  redirects: M.redirects,
  timeInQueue: M.timeInQueue.count,
  connectionsUsage: M.connectionsUsage,
  connectionsLimit: M.connectionsLimit,
  requestsUsage: M.requestsUsage,
  acquire: M.acquire.count,
} as const;

/** One of {@link METRIC_ROLES}. */
export type MetricRole = keyof typeof METRIC_ROLES;

/** Every answer, raw, by question. */
export type FleetAnswers = Record<keyof ReturnType<typeof fleetQueries>, VectorSample[]>;

/** The questions: name → PromQL. */
export function fleetQueries(scope: QueryScope) {
  const s = SERVICE_LABEL;
  const pool = [s, 'instance'];
  const presence = Object.fromEntries(
    Object.entries(METRIC_ROLES).map(([role, metric]) => [
      `has_${role}`,
      `count by (${s}) (last_over_time(${selector(metric, scope)}[${scope.window}]))`,
    ]),
  ) as Record<`has_${MetricRole}`, string>;
  return {
    ...presence,
    calls: increaseBy(M.calls, [s, L.mismatch, L.callerRegion, L.cloudRegion], scope),
    attempts: increaseBy(M.attempts, [s, L.endpoint, L.reused], scope),
    phaseCount: increaseBy(M.phase.count, [s, L.endpoint, L.phase, L.callerRegion, L.cloudRegion], scope),
    phaseSum: increaseBy(M.phase.sum, [s, L.endpoint, L.phase, L.callerRegion, L.cloudRegion], scope),
    tlsBuckets: increaseBy(M.phase.bucket, [s, L.endpoint, 'le'], scope, { [L.phase]: 'tls' }),
    resets: increaseBy(M.resets, [s, L.endpoint, L.reused, L.handler], scope),
    expectCount: increaseBy(M.expectContinue.count, [s, L.endpoint, L.reused, L.endedBy, L.handler], scope),
    expectSum: increaseBy(M.expectContinue.sum, [s, L.endpoint, L.reused, L.endedBy], scope),
    redirects: increaseBy(M.redirects, [s, L.rpcService, L.rpcMethod, L.cloudRegion, L.bucketRegion], scope),
    queueCount: increaseBy(M.timeInQueue.count, [s, L.endpoint], scope),
    queueSum: increaseBy(M.timeInQueue.sum, [s, L.endpoint], scope),
    queueBuckets: increaseBy(M.timeInQueue.bucket, [s, L.endpoint, 'le'], scope),
    limitMax: gaugeOverWindow('max_over_time', M.connectionsLimit, pool, scope),
    acquiredMin: gaugeOverWindow('min_over_time', M.connectionsUsage, pool, scope, { [L.state]: 'acquired' }),
    acquiredMax: gaugeOverWindow('max_over_time', M.connectionsUsage, pool, scope, { [L.state]: 'acquired' }),
    idleMax: gaugeOverWindow('max_over_time', M.connectionsUsage, pool, scope, { [L.state]: 'idle' }),
    queuedMax: gaugeOverWindow('max_over_time', M.requestsUsage, pool, scope, { [L.state]: 'queued' }),
    acquireCount: increaseBy(M.acquire.count, [s], scope),
    acquireSum: increaseBy(M.acquire.sum, [s], scope),
  };
}

/** Runs every question, a few at a time; the first failure rejects (one clear error, not a dozen). */
export async function askFleet(client: PrometheusClient, scope: QueryScope): Promise<FleetAnswers> {
  const queries = Object.entries(fleetQueries(scope));
  const answers: Record<string, VectorSample[]> = {};
  // The first query alone: an unreachable or wrong URL fails once, not once per question.
  const [firstName, firstExpr] = queries[0] as [string, string];
  answers[firstName] = await client.query(firstExpr);
  const rest = queries.slice(1);
  const parallel = 4;
  for (let i = 0; i < rest.length; i += parallel) {
    const batch = rest.slice(i, i + parallel);
    const results = await Promise.all(batch.map(([, expr]) => client.query(expr)));
    batch.forEach(([name], j) => {
      answers[name] = (results[j] as VectorSample[]).filter((r) => Number.isFinite(r.value));
    });
  }
  return answers as FleetAnswers;
}
