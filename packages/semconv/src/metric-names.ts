/**
 * The metric contract (issue 14, PRODUCT.md "Metric contract"): every call counted when an
 * OpenTelemetry MeterProvider is registered, sampled or not. Three families:
 * - the Smithy client metrics under the names the AWS SDKs for Kotlin, Swift and Go use (their
 *   "observability telemetry metrics" tables: instrument type, unit and attributes as there);
 * - OpenTelemetry's semantic-convention metrics where one exists for the fact;
 * - wirescope's own.
 * Durations are histograms in seconds (`s`), as both conventions say. Attributes are bounded: never a
 * bucket, key, request id or connection id; `server.address` is the service endpoint (see
 * `normalizeServerAddress`). Exported to Prometheus by @opentelemetry/exporter-prometheus (0.223), a
 * name's dots become underscores and a counter gets `_total` (`wirescope_calls_total`); no unit suffix
 * is added (`wirescope_connection_phase_duration_bucket`), as its /metrics text shows.
 */

// ── Smithy client metrics (per SDK call and attempt: rpc.service, rpc.method) ──────────────────────
/** Histogram, s: the whole call, retries included. */
export const METRIC_SMITHY_CALL_DURATION = 'smithy.client.call.duration';
/** Counter, {attempt}: attempts of an operation (one per attempt). */
export const METRIC_SMITHY_CALL_ATTEMPTS = 'smithy.client.call.attempts';
/** Counter, {error}: calls that ended in an error; attribute `exception.type`. */
export const METRIC_SMITHY_CALL_ERRORS = 'smithy.client.call.errors';
/** Histogram, s: one attempt, from before the connection was acquired to the response's headers. */
export const METRIC_SMITHY_CALL_ATTEMPT_DURATION = 'smithy.client.call.attempt_duration';
/** Histogram, s: endpoint resolution (the endpoint resolver, not DNS). */
export const METRIC_SMITHY_CALL_RESOLVE_ENDPOINT_DURATION = 'smithy.client.call.resolve_endpoint_duration';
/** Histogram, s: serializing the request. */
export const METRIC_SMITHY_CALL_SERIALIZATION_DURATION = 'smithy.client.call.serialization_duration';
/** Histogram, s: deserializing the response. */
export const METRIC_SMITHY_CALL_DESERIALIZATION_DURATION = 'smithy.client.call.deserialization_duration';
/** Histogram, s: signing the request; attribute `auth.scheme_id`. */
export const METRIC_SMITHY_CALL_SIGNING_DURATION = 'smithy.client.call.auth.signing_duration';
/** Histogram, s: resolving the identity (credentials); attribute `auth.scheme_id`. */
export const METRIC_SMITHY_CALL_RESOLVE_IDENTITY_DURATION =
  'smithy.client.call.auth.resolve_identity_duration';

// ── Smithy HTTP client metrics ──────────────────────────────────────────────────────────────────────
/** Histogram, s: acquiring a connection for a request (pool wait plus a new connection's setup). */
export const METRIC_SMITHY_HTTP_CONNECTIONS_ACQUIRE_DURATION =
  'smithy.client.http.connections.acquire_duration';
/** Async up-down counter, {connection}: the pool's configured maximum of open connections (node:http: the in-use agents' finite `maxSockets`, summed per endpoint). */
export const METRIC_SMITHY_HTTP_CONNECTIONS_LIMIT = 'smithy.client.http.connections.limit';
/** Async up-down counter, {connection}: open connections by `state` (idle | acquired). */
export const METRIC_SMITHY_HTTP_CONNECTIONS_USAGE = 'smithy.client.http.connections.usage';
/** Histogram, s: how long a connection was open, recorded when it closes. */
export const METRIC_SMITHY_HTTP_CONNECTIONS_UPTIME = 'smithy.client.http.connections.uptime';
/** Async up-down counter, {request}: requests by `state` (queued | in-flight). */
export const METRIC_SMITHY_HTTP_REQUESTS_USAGE = 'smithy.client.http.requests.usage';
/** Histogram, s: time a request waited for a connection from the pool. */
export const METRIC_SMITHY_HTTP_REQUESTS_QUEUED_DURATION = 'smithy.client.http.requests.queued_duration';
/** Counter, By: request bytes written to the wire. */
export const METRIC_SMITHY_HTTP_BYTES_SENT = 'smithy.client.http.bytes_sent';
/** Counter, By: response bytes read from the wire. */
export const METRIC_SMITHY_HTTP_BYTES_RECEIVED = 'smithy.client.http.bytes_received';
/** The `state` attribute of the Smithy usage metrics. */
export const ATTR_SMITHY_STATE = 'state';
export const SMITHY_STATE_IDLE = 'idle';
export const SMITHY_STATE_ACQUIRED = 'acquired';
export const SMITHY_STATE_QUEUED = 'queued';
export const SMITHY_STATE_IN_FLIGHT = 'in-flight';
/** The Smithy metrics' error attribute (`smithy.client.call.errors`). */
export const ATTR_EXCEPTION_TYPE = 'exception.type';
/** The auth scheme of the signing and identity durations, e.g. `aws.auth#sigv4`. */
export const ATTR_AUTH_SCHEME_ID = 'auth.scheme_id';

// ── OpenTelemetry semantic-convention metrics ───────────────────────────────────────────────────────
/** Histogram, s: one HTTP request (per attempt); server.address, server.port, http.request.method, http.response.status_code, error.type. */
export const METRIC_HTTP_CLIENT_REQUEST_DURATION = 'http.client.request.duration';
/** Observable up-down counter, {connection}: open connections by `http.connection.state` (active | idle). */
export const METRIC_HTTP_CLIENT_OPEN_CONNECTIONS = 'http.client.open_connections';
/** Histogram, s: how long an outbound connection stayed open. */
export const METRIC_HTTP_CLIENT_CONNECTION_DURATION = 'http.client.connection.duration';
/** Histogram, s: a request's wait for a connection (the name the conventions give .NET's pool wait). */
export const METRIC_HTTP_CLIENT_REQUEST_TIME_IN_QUEUE = 'http.client.request.time_in_queue';
/** Histogram, s: one DNS lookup; `dns.question.name`, `error.type`. */
export const METRIC_DNS_LOOKUP_DURATION = 'dns.lookup.duration';
/** `http.client.open_connections`' state attribute. */
export const ATTR_HTTP_CONNECTION_STATE = 'http.connection.state';
export const HTTP_CONNECTION_STATE_ACTIVE = 'active';
export const HTTP_CONNECTION_STATE_IDLE = 'idle';

// ── wirescope's own ─────────────────────────────────────────────────────────────────────────────────
/** Counter, {call}: SDK calls; rpc.service, rpc.method, cloud.region, wirescope.caller.region, wirescope.region.mismatch, error.type. */
export const METRIC_CALLS = 'wirescope.calls';
/** Counter, {attempt}: attempts; wirescope.connection.reused, rpc.service, rpc.method, cloud.region, error.type (plus server.address, wirescope.http.handler). */
export const METRIC_ATTEMPTS = 'wirescope.attempts';
/** Histogram, s: a new connection's setup phases; `wirescope.phase` = dns | tcp | tls. */
export const METRIC_CONNECTION_PHASE_DURATION = 'wirescope.connection.phase.duration';
/** Counter, {reset}: sockets reset under a request; `wirescope.connection.reused`. */
export const METRIC_SOCKET_RESETS = 'wirescope.socket.resets';
/**
 * Histogram, s: the wait for `100 Continue`; `wirescope.expect_continue.ended_by` = server | timer,
 * `wirescope.connection.reused`, `wirescope.http.handler`.
 */
export const METRIC_EXPECT_CONTINUE_DURATION = 'wirescope.expect_continue.duration';
/** Counter, {redirect}: S3 region redirects the SDK followed. */
export const METRIC_REGION_REDIRECTS = 'wirescope.region.redirects';
/** `wirescope.connection.phase.duration`'s phase attribute. */
export const ATTR_PHASE = 'wirescope.phase';
export const PHASE_DNS = 'dns';
export const PHASE_TCP = 'tcp';
export const PHASE_TLS = 'tls';

/** The instrumentation scope every wirescope meter is created under. */
export const METER_NAME = '@wirescope/metrics';
