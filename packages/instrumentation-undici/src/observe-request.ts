import type { Socket } from 'node:net';
import {
  type AttemptScope,
  BodyPhase,
  INFERRED_QUEUE_NOISE_MS,
  linkToConnection,
  nowMs,
  recordFact,
  roundMs,
  safeErrorMessage,
} from '@wirescope/instrumentation';
import {
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_IDLE_MS,
  ATTR_CONNECTION_QUEUE_MS,
  ATTR_CONNECTION_REQUESTS,
  ATTR_CONNECTION_REUSED,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SOCKET_ERROR,
  ATTR_SOCKET_RESET,
  ATTR_TTFB_MS,
  errorTypeOf,
  HTTP_HANDLER_FETCH,
  isSocketReset,
} from '@wirescope/semconv';
import { meterCreate, meterRequestDone, meterReset, meterSendHeaders } from './connection-metrics.js';
import { findAttempt, NOT_OURS } from './find-attempt.js';
import type { ActiveSpanTarget, RequestState } from './internal-types.js';
import { boundScopes, hubState, recordedRequest, socketState } from './ledger.js';
import { traceConnection } from './observe-connection.js';
import { guard } from './version.js';

interface RequestMessage {
  request?: { origin?: unknown; method?: unknown; headers?: unknown };
  socket?: Socket;
  response?: { statusCode?: unknown };
  error?: unknown;
}

/**
 * `undici:request:create`: runs in the caller's context (or, for a request that waited in a Pool, in
 * the context of the request whose connection freed: see findAttempt), the one place we find the
 * attempt scope.
 */
export function onCreate(message: unknown, target: ActiveSpanTarget): void {
  const { request } = message as RequestMessage;
  const { recordedRequests } = hubState();
  if (!request || recordedRequests.has(request)) return;
  const found = findAttempt(request);
  if (found === NOT_OURS) return;
  const attempt = found?.scope;
  const scope = attempt ?? target.scopeForActiveSpan();
  if (!scope) return;
  const createdMs = nowMs();
  const startMs = found?.madeElsewhere ? found.scope.startMs : undefined;
  const state: RequestState = {
    scope,
    createdMs,
    waitStartMs: startMs !== undefined && startMs < createdMs ? startMs : createdMs,
    socket: undefined,
    headersSentMs: undefined,
    bodySentMs: undefined,
    body: undefined,
  };
  recordedRequests.set(request, state);
  if (attempt) boundScopes().add(attempt);
  // Metered requests only: no closure for the others, on every request.
  if (scope.metrics) guard.run('counting a queued request', () => meterCreate(state, request.origin));
  recordFact(scope, ATTR_HTTP_HANDLER, HTTP_HANDLER_FETCH);
  if (!attempt) recordRequestTarget(scope, request);
}

/**
 * `undici:client:sendHeaders`: the request is written on a socket. The message also holds the RAW
 * header block (Authorization included): it is never read here.
 */
export function onSendHeaders(message: unknown): void {
  const { request, socket } = message as RequestMessage;
  if (!request || !socket) return;
  hubState().socketOfRequest.set(request, socket);
  const sock = socketState(socket);
  sock.requests += 1;
  const state = recordedRequest(request);
  const now = nowMs();
  // A socket is new for the request that first writes on it after we saw it connect; any other
  // (a later request, or a socket opened before we subscribed) is reused.
  const connect = sock.requests === 1 ? sock.connect : undefined;
  sock.connect = undefined;
  if (!state) return;
  state.socket = socket;
  state.headersSentMs = now;
  const { scope } = state;
  // The facts and the phase spans fail apart: a span that refuses attributes loses no phase span.
  guard.run('recording connection facts', () => {
    recordFact(scope, ATTR_CONNECTION_ID, sock.id);
    recordFact(scope, ATTR_CONNECTION_REUSED, connect === undefined);
    recordFact(scope, ATTR_CONNECTION_REQUESTS, sock.requests);
    if (connect === undefined && sock.lastDoneMs !== undefined)
      recordFact(scope, ATTR_CONNECTION_IDLE_MS, roundMs(now - sock.lastDoneMs));
    if (socket.remoteAddress) recordFact(scope, ATTR_NETWORK_PEER_ADDRESS, socket.remoteAddress);
    if (socket.remotePort) recordFact(scope, ATTR_NETWORK_PEER_PORT, socket.remotePort);
    const connectMs = connect ? connect.endMs - Math.max(connect.startMs, state.waitStartMs) : 0;
    // Inferred, not measured (undici publishes no queue event): short waits are event-loop turns. A
    // request whose own dispatch started its connection waited for that connection, not for a pooled
    // one (node:http's rule for a request that opens a socket): undici defers a request with a body by
    // a microtask, and the turns before its connect starts are no queue.
    const ownConnect = connect !== undefined && connect.scope === scope;
    const queued = ownConnect ? 0 : now - state.waitStartMs - connectMs;
    if (queued >= INFERRED_QUEUE_NOISE_MS) recordFact(scope, ATTR_CONNECTION_QUEUE_MS, roundMs(queued));
    meterSendHeaders(state, socket, sock, connect, now, queued);
  });
  // OpenTelemetry's connection-span convention: a request on a reused connection links to the span
  // that waited for it to open, in whatever trace that was.
  if (connect) {
    sock.setup = guard.value('reading the attempt span context', () => scope.span.spanContext(), undefined);
    traceConnection(scope, socket, sock.id, connect);
  } else guard.run('linking to the connection', () => linkToConnection(scope.span, sock.setup, sock.id));
}

/** `undici:request:bodySent`: the last request byte is written; TTFB counts from here. */
export function onBodySent(message: unknown): void {
  const state = stateOf(message);
  if (state) state.bodySentMs = nowMs();
}

/** `undici:request:headers`: runs in the socket's context; state comes from the request object. */
export function onHeaders(message: unknown, target: ActiveSpanTarget): void {
  const state = stateOf(message);
  if (!state) return;
  const { request } = message as RequestMessage;
  // An unsampled attempt (kept for its metrics) has no span to give the body phase.
  if (request && state.scope.span.isRecording()) watchBody(state, request, target.bodyGracePeriodMs());
  const { scope } = state;
  const sent = state.bodySentMs ?? state.headersSentMs;
  if (sent !== undefined) recordFact(scope, ATTR_TTFB_MS, roundMs(nowMs() - sent));
  const status = (message as RequestMessage).response?.statusCode;
  if (scope.attempt === 0 && typeof status === 'number')
    recordFact(scope, ATTR_HTTP_RESPONSE_STATUS_CODE, status);
}

/** `undici:request:trailers`: the response is complete; the socket goes idle from now. */
export function onTrailers(message: unknown): void {
  const { request } = message as RequestMessage;
  if (!request) return;
  const socket = hubState().socketOfRequest.get(request);
  const sock = socket ? socketState(socket) : undefined;
  if (sock) sock.lastDoneMs = nowMs();
  const state = recordedRequest(request);
  state?.body?.complete();
  meterRequestDone(state, sock);
}

/** `undici:request:error`: the real error, before fetch wraps it in `TypeError: fetch failed`. */
export function onError(message: unknown): void {
  const state = stateOf(message);
  if (!state) return;
  const { error } = message as RequestMessage;
  // After the headers the error is the body's: its phase ends with it.
  if (state.body?.open) endBody(state.body, error);
  const { scope } = state;
  const type = (scope.facts.get(ATTR_ERROR_TYPE) as string | undefined) ?? errorTypeOf(error);
  recordFact(scope, ATTR_ERROR_TYPE, type);
  // Written on every failed request, as node:http writes it (record-error.ts): true for a socket error
  // after the request was written (the peer reset or closed the connection under us), false for any
  // other (a refused connect, an abort); an answered request has none.
  const reset = isSocketReset(type) && state.socket !== undefined;
  if (reset || !scope.facts.has(ATTR_SOCKET_RESET)) recordFact(scope, ATTR_SOCKET_RESET, reset);
  if (reset) meterReset(state);
  meterRequestDone(state, state.socket ? socketState(state.socket) : undefined);
  const text = safeErrorMessage(error);
  if (text && !scope.facts.has(ATTR_SOCKET_ERROR)) recordFact(scope, ATTR_SOCKET_ERROR, text);
}

function stateOf(message: unknown): RequestState | undefined {
  const { request } = message as RequestMessage;
  return request ? recordedRequest(request) : undefined;
}

function recordRequestTarget(scope: AttemptScope, request: { origin?: unknown; method?: unknown }): void {
  if (typeof request.method === 'string') recordFact(scope, ATTR_HTTP_REQUEST_METHOD, request.method);
  const origin = typeof request.origin === 'string' ? request.origin : String(request.origin ?? '');
  if (!URL.canParse(origin)) return;
  const url = new URL(origin);
  recordFact(scope, ATTR_SERVER_ADDRESS, url.hostname);
  recordFact(scope, ATTR_SERVER_PORT, Number(url.port) || (url.protocol === 'https:' ? 443 : 80));
}

/**
 * Starts the body phase of a recorded request. Bytes are counted by a wrapper over the request's own
 * `onData` (undici's internal object, which the parser calls with each body chunk and whose return
 * value is undici's backpressure): Node 20's undici has no body-chunk channel
 * (`undici:request:bodyChunkReceived` came in undici 7).
 */
function watchBody(state: RequestState, request: object, gracePeriodMs: number | undefined): void {
  const attributes: Record<string, string> = { [ATTR_HTTP_HANDLER]: HTTP_HANDLER_FETCH };
  const socket = state.socket ?? hubState().socketOfRequest.get(request);
  if (socket) attributes[ATTR_CONNECTION_ID] = socketState(socket).id;
  const phase = new BodyPhase({
    parent: state.scope.span,
    tracer: state.scope.tracer,
    startTime: nowMs(),
    attributes,
    gracePeriodMs,
    body: request,
    now: nowMs,
  });
  state.body = phase;
  const original = (request as { onData?: unknown }).onData;
  if (typeof original !== 'function') return;
  const counting = function onData(this: unknown, chunk: unknown): unknown {
    const result: unknown = original.call(this, chunk);
    guard.run('counting body bytes', () => {
      const length = (chunk as { length?: unknown } | null)?.length;
      phase.received(typeof length === 'number' ? length : 0, result !== false);
    });
    return result;
  };
  Object.defineProperty(request, 'onData', { value: counting, writable: true, configurable: true });
}

/**
 * An error while the body flowed: the body dropped (when the collector takes a Response, fetch cancels
 * its body with a string reason, 'Response object has been garbage collected'; the SDK keeps only the
 * body, so this happens to bodies it still holds), the caller's abort (`AbortError`: cancel, signal; or
 * a reason of its own that is no Error), or a failure.
 */
function endBody(phase: BodyPhase, error: unknown): void {
  if (
    error === undefined ||
    error === null ||
    (typeof error === 'string' && /garbage.collected/i.test(error))
  )
    phase.dropped();
  else if (typeof error !== 'object' || (error as { name?: unknown }).name === 'AbortError') phase.abort();
  else phase.fail(errorTypeOf(error), safeErrorMessage(error));
}
