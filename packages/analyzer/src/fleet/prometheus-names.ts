// The one place that knows how the metric contract's OpenTelemetry names look in Prometheus, as
// @opentelemetry/exporter-prometheus 0.223 writes them (checked against its /metrics text): dots and
// other characters outside [a-zA-Z0-9_:] become `_`, a counter gets `_total`, a histogram is
// `_bucket{le}` / `_sum` / `_count`, no unit suffix is added (a histogram in `s` stays
// `wirescope_connection_phase_duration`), attribute keys become labels the same way
// (`rpc.service` → `rpc_service`, booleans as "true" / "false"), and every series gets
// `otel_scope_name`. The service is Prometheus's `job` label: the OTel → Prometheus convention maps
// `service.name` to `job` (the resource itself goes to `target_info`).
import {
  ATTR_BUCKET_REGION,
  ATTR_CALLER_REGION,
  ATTR_CLOUD_REGION,
  ATTR_CONNECTION_REUSED,
  ATTR_EXPECT_CONTINUE_ENDED_BY,
  ATTR_HTTP_HANDLER,
  ATTR_PHASE,
  ATTR_REGION_MISMATCH,
  ATTR_RPC_METHOD,
  ATTR_RPC_SERVICE,
  ATTR_SERVER_ADDRESS,
  ATTR_SMITHY_STATE,
  METRIC_ATTEMPTS,
  METRIC_CALLS,
  METRIC_CONNECTION_PHASE_DURATION,
  METRIC_EXPECT_CONTINUE_DURATION,
  METRIC_HTTP_CLIENT_REQUEST_TIME_IN_QUEUE,
  METRIC_REGION_REDIRECTS,
  METRIC_SMITHY_HTTP_CONNECTIONS_ACQUIRE_DURATION,
  METRIC_SMITHY_HTTP_CONNECTIONS_LIMIT,
  METRIC_SMITHY_HTTP_CONNECTIONS_USAGE,
  METRIC_SMITHY_HTTP_REQUESTS_USAGE,
  METRIC_SOCKET_RESETS,
} from '@wirescope/semconv';

/** How an instrument is exposed: a counter gets `_total`, a histogram three series, a gauge its name. */
export type InstrumentKind = 'counter' | 'histogram' | 'gauge';

/** The Prometheus label of the service (`service.name`). */
export const SERVICE_LABEL = 'job';

/** `wirescope.calls` → `wirescope_calls`: the exporter's sanitizing of a metric or attribute name. */
export function sanitizeName(name: string): string {
  const out = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

/** An attribute key as a Prometheus label (`rpc.service` → `rpc_service`). */
export function promLabel(attribute: string): string {
  return sanitizeName(attribute);
}

/** The series name of a counter (`wirescope_calls_total`) or gauge; a histogram's base name. */
export function promMetric(name: string, kind: InstrumentKind): string {
  const base = sanitizeName(name);
  return kind === 'counter' && !base.endsWith('_total') ? `${base}_total` : base;
}

/** A histogram's `_bucket`, `_sum` and `_count` series. */
export function promHistogram(name: string): { bucket: string; sum: string; count: string } {
  const base = promMetric(name, 'histogram');
  return { bucket: `${base}_bucket`, sum: `${base}_sum`, count: `${base}_count` };
}

/** The metrics the fleet analysis reads, by role. */
export const FLEET_METRICS = {
  calls: promMetric(METRIC_CALLS, 'counter'),
  attempts: promMetric(METRIC_ATTEMPTS, 'counter'),
  phase: promHistogram(METRIC_CONNECTION_PHASE_DURATION),
  resets: promMetric(METRIC_SOCKET_RESETS, 'counter'),
  expectContinue: promHistogram(METRIC_EXPECT_CONTINUE_DURATION),
  redirects: promMetric(METRIC_REGION_REDIRECTS, 'counter'),
  timeInQueue: promHistogram(METRIC_HTTP_CLIENT_REQUEST_TIME_IN_QUEUE),
  connectionsUsage: promMetric(METRIC_SMITHY_HTTP_CONNECTIONS_USAGE, 'gauge'),
  connectionsLimit: promMetric(METRIC_SMITHY_HTTP_CONNECTIONS_LIMIT, 'gauge'),
  requestsUsage: promMetric(METRIC_SMITHY_HTTP_REQUESTS_USAGE, 'gauge'),
  acquire: promHistogram(METRIC_SMITHY_HTTP_CONNECTIONS_ACQUIRE_DURATION),
} as const;

/** The labels the fleet analysis groups and filters by. */
export const FLEET_LABELS = {
  service: SERVICE_LABEL,
  endpoint: promLabel(ATTR_SERVER_ADDRESS),
  reused: promLabel(ATTR_CONNECTION_REUSED),
  phase: promLabel(ATTR_PHASE),
  mismatch: promLabel(ATTR_REGION_MISMATCH),
  callerRegion: promLabel(ATTR_CALLER_REGION),
  cloudRegion: promLabel(ATTR_CLOUD_REGION),
  bucketRegion: promLabel(ATTR_BUCKET_REGION),
  rpcService: promLabel(ATTR_RPC_SERVICE),
  rpcMethod: promLabel(ATTR_RPC_METHOD),
  endedBy: promLabel(ATTR_EXPECT_CONTINUE_ENDED_BY),
  state: promLabel(ATTR_SMITHY_STATE),
  handler: promLabel(ATTR_HTTP_HANDLER),
} as const;
