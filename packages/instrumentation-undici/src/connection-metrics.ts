import type { Socket } from 'node:net';
import {
  type AttemptScope,
  ConnectionGauge,
  INFERRED_QUEUE_NOISE_MS,
  metricGuard,
  nowMs,
  poolTallyOf,
  recordAcquire,
  recordDnsLookup,
  recordPhaseMetric,
  recordQueueWait,
  recordSocketReset,
} from '@wirescope/instrumentation';
import { ATTR_CONNECTION_REUSED, HTTP_HANDLER_FETCH } from '@wirescope/semconv';
import { poolLimitOf } from './dispatcher-limit.js';
import type { ConnectRecord, PhaseWindow, RequestState, SocketState } from './internal-types.js';
import { waitingRequests } from './ledger.js';

// The connection metrics of fetch (issue 14), recorded only for requests whose attempt carries a
// MetricScope (a MeterProvider is registered). undici publishes no queue event and no socket close:
// the queue wait is inferred as on the span (INFERRED_QUEUE_NOISE_MS), the close is the socket's own.
//
// The queued count (`smithy.client.http.requests.usage` queued) is read from the events around a
// request. A metered request counts as queued from `request:create` (undici made it and put it in a
// Client's queue) until the first of: `sendHeaders` (written: in flight from then); a `beforeConnect`
// for it (undici opens a connection for this request, which waits for its own connection, not for a
// pooled one: neither queued nor, until written, in flight); `request:error` (failed, aborted, or its
// connect failed: undici errors every request queued on a Client whose connect fails). Each leaves
// the count once, however many of these follow (undici can publish `error` twice for one request).
// At create, nobody knows yet whether undici will connect for the request. When it does, it announces
// the connect in the same dispatch (or in the microtask it defers an iterable body's dispatch to), in
// the request's async context: the connect goes to the queued request of the current attempt scope.
// A connect in another context (undici reconnecting for a queued request from the closed socket's
// callback, or a request outside the plugin, whose scope is made per event) goes to the oldest queued
// request to the same origin. So a request's queued time ends where the span's inferred
// `wirescope.connection.queue_ms` stops counting (created → written, less the connect of the socket
// it is first written on), but for the turn between `connected` and the write. A request waiting in a
// Pool at its `connections` limit is no request yet: undici makes it (`create`) only when a connection
// frees up, in the context of the request whose connection freed. find-attempt.ts finds its attempt by
// the SDK's per-attempt headers, and its wait counts from when its attempt handed it to the handler
// (`waitStartMs`), for the span's `queue_ms`, time_in_queue and acquire alike; the queued count sees
// it only from `create` (undici announces nothing while it sits in the Pool's queue).

/** A metered request was written on its socket (`sendHeaders`); `connect` when it opened the socket. */
export function meterSendHeaders(
  state: RequestState,
  socket: Socket,
  sock: SocketState,
  connect: ConnectRecord | undefined,
  now: number,
  queuedMs: number,
): void {
  leaveQueue(state);
  const metrics = state.scope.metrics;
  if (!metrics) return;
  if (queuedMs >= INFERRED_QUEUE_NOISE_MS) recordQueueWait(metrics, queuedMs, undefined);
  recordAcquire(metrics, now - state.waitStartMs, undefined);
  const pool = poolTallyOf(metrics, undefined);
  state.inFlight = pool;
  pool.inFlight += 1;
  if (!connect) {
    sock.gauge?.acquire();
    return;
  }
  // `smithy.client.http.connections.limit`, when the connection's pool and its limit are known.
  const limit = metricGuard.value(
    'reading the pool limit',
    () => poolLimitOf(connect.connector, connect.origin),
    undefined,
  );
  const gauge = metricGuard.value(
    'opening a connection gauge',
    () => new ConnectionGauge(metrics, connect.hostname, connect.endMs, limit),
    undefined,
  );
  if (!gauge) return;
  sock.gauge = gauge;
  // Bytes are the socket's own totals, read once when it closes: one add per connection.
  socket.once('close', () => gauge.close(nowMs(), socket.bytesWritten, socket.bytesRead));
}

/** A metered request was created: queued until it is written, connected for, or failed. */
export function meterCreate(state: RequestState, origin: unknown): void {
  const metrics = state.scope.metrics;
  if (!metrics) return;
  state.origin = originKey(origin);
  const pool = poolTallyOf(metrics, undefined);
  state.queued = pool;
  pool.queued += 1;
  waitingRequests().add(state);
}

/**
 * undici starts a connection (`beforeConnect`): the queued request it is for, the one of `scope` (the
 * connect's context), else the oldest to `origin`, waits for its own connection from now.
 */
export function meterConnectStart(scope: AttemptScope | undefined, origin: string | undefined): void {
  const waiting = waitingRequests();
  if (waiting.size === 0) return;
  let ofScope: RequestState | undefined;
  let oldestToOrigin: RequestState | undefined;
  for (const state of waiting) {
    if (origin !== undefined && state.origin !== undefined && state.origin !== origin) continue;
    if (scope !== undefined && state.scope === scope) ofScope = state;
    else if (origin !== undefined && state.origin === origin) oldestToOrigin ??= state;
  }
  const owner = ofScope ?? oldestToOrigin;
  if (owner) leaveQueue(owner);
}

/** Out of the queued count, once. */
function leaveQueue(state: RequestState): void {
  const pool = state.queued;
  if (!pool) return;
  state.queued = undefined;
  pool.queued -= 1;
  waitingRequests().delete(state);
}

// The last origin string and its key: a process calls a few endpoints, and parsing a URL per request
// was a third of this file's cost on the call path.
let lastOrigin: string | undefined;
let lastOriginKey: string | undefined;

/** `protocol//host` of a request's origin (fetch gives `url.origin`), as undici keys its pools. */
function originKey(origin: unknown): string | undefined {
  if (origin instanceof URL) return origin.origin;
  if (typeof origin !== 'string') return undefined;
  if (origin === lastOrigin) return lastOriginKey;
  const key = URL.canParse(origin) ? new URL(origin).origin : undefined;
  lastOrigin = origin;
  lastOriginKey = key;
  return key;
}

/** The request is done (trailers, or an error): out of the queue or in-flight, its connection idle. */
export function meterRequestDone(state: RequestState | undefined, sock: SocketState | undefined): void {
  if (state) leaveQueue(state);
  if (state?.inFlight) {
    state.inFlight.inFlight -= 1;
    state.inFlight = undefined;
  }
  sock?.gauge?.release();
}

/** The setup phases of a new connection, with the windows `traceConnection` found for its spans. */
export function meterPhases(
  scope: AttemptScope,
  connect: ConnectRecord,
  dns: PhaseWindow | undefined,
  tcp: PhaseWindow | undefined,
  rest: PhaseWindow,
): void {
  const metrics = scope.metrics;
  if (!metrics) return;
  const host = connect.hostname;
  const ms = (window: PhaseWindow) => window.endMs - window.startMs;
  if (dns) recordPhaseMetric(metrics, 'dns', ms(dns), host, HTTP_HANDLER_FETCH);
  // Plain HTTP without a net entry: the rest of the connect is the TCP connect (as on the span).
  if (tcp || !connect.tls) recordPhaseMetric(metrics, 'tcp', ms(tcp ?? rest), host, HTTP_HANDLER_FETCH);
  if (connect.tls) recordPhaseMetric(metrics, 'tls', ms(rest), host, HTTP_HANDLER_FETCH);
}

/** A new connection that failed in its lookup: `dns.lookup.duration` with the error. */
export function meterFailedLookup(
  scope: AttemptScope,
  window: PhaseWindow,
  host: string,
  errorType: string,
): void {
  if (scope.metrics) recordDnsLookup(scope.metrics, window.endMs - window.startMs, host, errorType);
}

/** The socket was reset under a written request. */
export function meterReset(state: RequestState): void {
  const metrics = state.scope.metrics;
  if (!metrics) return;
  const reused = state.scope.facts.get(ATTR_CONNECTION_REUSED);
  recordSocketReset(metrics, typeof reused === 'boolean' ? reused : undefined, undefined, HTTP_HANDLER_FETCH);
}
