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
import type { ConnectRecord, PhaseWindow, RequestState, SocketState } from './internal-types.js';

// The connection metrics of fetch (issue 14), recorded only for requests whose attempt carries a
// MetricScope (a MeterProvider is registered). undici publishes no queue event and no socket close:
// the queue wait is inferred as on the span (INFERRED_QUEUE_NOISE_MS), the close is the socket's own.

/** A metered request was written on its socket (`sendHeaders`); `connect` when it opened the socket. */
export function meterSendHeaders(
  state: RequestState,
  socket: Socket,
  sock: SocketState,
  connect: ConnectRecord | undefined,
  now: number,
  queuedMs: number,
): void {
  const metrics = state.scope.metrics;
  if (!metrics) return;
  if (queuedMs >= INFERRED_QUEUE_NOISE_MS) recordQueueWait(metrics, queuedMs, undefined);
  recordAcquire(metrics, now - state.createdMs, undefined);
  const pool = poolTallyOf(metrics, undefined);
  state.inFlight = pool;
  pool.inFlight += 1;
  if (!connect) {
    sock.gauge?.acquire();
    return;
  }
  const gauge = metricGuard.value(
    'opening a connection gauge',
    () => new ConnectionGauge(metrics, connect.hostname, connect.endMs),
    undefined,
  );
  if (!gauge) return;
  sock.gauge = gauge;
  // Bytes are the socket's own totals, read once when it closes: one add per connection.
  socket.once('close', () => gauge.close(nowMs(), socket.bytesWritten, socket.bytesRead));
}

/** The request is done (trailers, or an error): out of in-flight, its connection idle again. */
export function meterRequestDone(state: RequestState | undefined, sock: SocketState | undefined): void {
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
