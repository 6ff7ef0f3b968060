import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ConnectionGauge, type MetricScope, metricGuard } from '@wirescope/instrumentation';
import type { SessionState } from './http2-internal-types.js';

// The pool metrics of HTTP/2 sessions, through the kernel's `ConnectionGauge` as node:http sockets
// record them (request-metrics.ts): a session is one open connection, active while a stream is in
// flight on it and idle otherwise (`http.client.open_connections`, `smithy.client.http.connections.usage`),
// and its life and bytes are recorded when it closes. The gauge is made only for a session opened
// with a MetricScope (a MeterProvider registered when it was opened), so one opened before is never
// counted, as on node:http. Every step is guarded; none throws into the host.

/** Opens the session's gauge at `openedAt` (its `http2.connect`), idle until a stream starts. */
export function openSessionGauge(
  state: SessionState,
  scope: MetricScope | undefined,
  openedAt: number,
): void {
  if (!scope) return;
  const gauge = metricGuard.value(
    'opening an HTTP/2 session gauge',
    () => new ConnectionGauge(scope, state.host, openedAt),
    undefined,
  );
  if (!gauge) return;
  // The kernel's gauge starts active (node:http makes it for the request that took the socket); a
  // session is opened before its first stream.
  gauge.release();
  state.gauge = gauge;
}

/** A stream started on the session: active (no-op while it already is). */
export function sessionBusy(state: SessionState): void {
  state.gauge?.acquire();
}

/** No stream is in flight on the session any more: idle (no-op while it already is). */
export function sessionIdle(state: SessionState): void {
  state.gauge?.release();
}

/**
 * The session closed: out of the gauges, its lifetime recorded, and the bytes of its socket (the one
 * its 'connect' gave; none when it never connected) read once, as node:http reads a socket's.
 */
export function closeSessionGauge(state: SessionState, socket: Socket | undefined): void {
  const { gauge } = state;
  if (!gauge) return;
  state.gauge = undefined;
  const sent = metricGuard.value('reading an HTTP/2 socket', () => socket?.bytesWritten, undefined);
  const received = metricGuard.value('reading an HTTP/2 socket', () => socket?.bytesRead, undefined);
  gauge.close(performance.now(), numberOrUndefined(sent), numberOrUndefined(received));
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
