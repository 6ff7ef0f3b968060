import type { Socket } from 'node:net';
import { type AttemptScope, currentAttemptScope, recordFact } from '@wirescope/instrumentation';
import { ATTR_ERROR_TYPE, ATTR_SOCKET_ERROR, errorTypeOf } from '@wirescope/semconv';
import { nowMs } from './clock.js';
import type { ActiveSpanTarget, ConnectParams } from './internal-types.js';
import { pushPendingConnect, shiftPendingConnect, socketState } from './ledger.js';
import { traceFailedConnect } from './phase-spans.js';
import { safeErrorMessage } from './safe-message.js';

interface ConnectMessage {
  connectParams?: ConnectParams;
  connector?: unknown;
  socket?: Socket;
  error?: unknown;
}

/**
 * `undici:client:beforeConnect`: runs in the context of the request that made undici connect, so the
 * attempt scope is current here. Phase spans still go to the request first written on the socket
 * (see onSendHeaders): that is the one that waited for it, even when undici reconnects for a queued
 * request from a socket callback's context.
 */
export function onBeforeConnect(message: unknown, target: ActiveSpanTarget): void {
  const { connectParams, connector } = message as ConnectMessage;
  pushPendingConnect(connector, {
    startMs: nowMs(),
    scope: currentAttemptScope() ?? target.scopeForActiveSpan(),
    hostname: connectParams?.hostname ?? '',
  });
}

/** `undici:client:connected`: published on `secureConnect` (TLS) or `connect`, with the socket. */
export function onConnected(message: unknown): void {
  const { connectParams, connector, socket } = message as ConnectMessage;
  const pending = shiftPendingConnect(connector);
  if (!socket) return;
  const state = socketState(socket);
  // Without a beforeConnect (we subscribed mid-connect) there is no start: trace no phases.
  if (!pending) return;
  state.connect = {
    startMs: pending.startMs,
    endMs: nowMs(),
    hostname: pending.hostname || connectParams?.hostname || '',
    tls: connectParams?.protocol === 'https:',
  };
}

/** `undici:client:connectError`: DNS, TCP, TLS or connect-timeout failure of a new connection. */
export function onConnectError(message: unknown): void {
  const { connectParams, connector, error } = message as ConnectMessage;
  const pending = shiftPendingConnect(connector);
  const scope: AttemptScope | undefined = pending?.scope;
  if (!pending || !scope) return;
  const type = errorTypeOf(error);
  const text = safeErrorMessage(error);
  if (!scope.facts.has(ATTR_ERROR_TYPE)) recordFact(scope, ATTR_ERROR_TYPE, type);
  if (text) recordFact(scope, ATTR_SOCKET_ERROR, text);
  const window = { startMs: pending.startMs, endMs: nowMs() };
  traceFailedConnect(scope, window, pending.hostname || connectParams?.hostname || '', type, text);
}
