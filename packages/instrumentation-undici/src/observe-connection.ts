import { isIP, type Socket } from 'node:net';
import type { Attributes } from '@opentelemetry/api';
import {
  type AttemptScope,
  currentAttemptScope,
  dnsLookupAttributes,
  emitPhaseSpan,
  isTlsErrorCode,
  nowMs,
  type PhaseFailure,
  recordFact,
  safeErrorMessage,
  socketConnectAttributes,
  tlsFactsOf,
} from '@wirescope/instrumentation';
import {
  ATTR_CONNECTION_ID,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_HANDLER,
  ATTR_SERVER_ADDRESS,
  ATTR_SOCKET_ERROR,
  type AttributeName,
  errorTypeOf,
  HTTP_HANDLER_FETCH,
  type PhaseSpanName,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import { meterConnectStart, meterFailedLookup, meterPhases } from './connection-metrics.js';
import { originOf } from './dispatcher-limit.js';
import type { ActiveSpanTarget, ConnectParams, ConnectRecord, PhaseWindow } from './internal-types.js';
import { pushPendingConnect, shiftPendingConnect, socketState } from './ledger.js';
import { claimDnsLookup, claimNetConnect } from './phase-entries.js';
import { guard } from './version.js';

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
  const scope = currentAttemptScope() ?? target.scopeForActiveSpan();
  pushPendingConnect(connector, { startMs: nowMs(), scope, hostname: connectParams?.hostname ?? '' });
  guard.run('counting a request out of the queue', () => meterConnectStart(scope, originOf(connectParams)));
}

/** `undici:client:connected`: published on `secureConnect` (TLS) or `connect`, with the socket. */
export function onConnected(message: unknown): void {
  const { connectParams, connector, socket } = message as ConnectMessage;
  const pending = shiftPendingConnect(connector);
  if (!socket) return;
  const state = socketState(socket);
  // Without a beforeConnect (we subscribed mid-connect) there is no start: trace no phases.
  if (!pending) return;
  const tls = connectParams?.protocol === 'https:';
  const hostname = pending.hostname || connectParams?.hostname || '';
  const name = tls ? serverName(connectParams, hostname)[ATTR_SERVER_ADDRESS] : undefined;
  state.connect = {
    startMs: pending.startMs,
    endMs: nowMs(),
    hostname,
    tls,
    servername: typeof name === 'string' ? name : undefined,
    connector,
    origin: originOf(connectParams),
    scope: pending.scope,
  };
}

/**
 * `undici:client:connectError`: DNS, TCP, TLS or connect-timeout failure of a new connection. One
 * phase span with ERROR status: `dns.lookup` for resolver codes, `tls.handshake` for TLS and
 * certificate codes, else `tcp.connect`.
 */
export function onConnectError(message: unknown): void {
  const { connectParams, connector, error } = message as ConnectMessage;
  const pending = shiftPendingConnect(connector);
  const scope: AttemptScope | undefined = pending?.scope;
  if (!pending || !scope) return;
  const errorType = errorTypeOf(error);
  const text = safeErrorMessage(error);
  if (!scope.facts.has(ATTR_ERROR_TYPE)) recordFact(scope, ATTR_ERROR_TYPE, errorType);
  if (text) recordFact(scope, ATTR_SOCKET_ERROR, text);
  const hostname = pending.hostname || connectParams?.hostname || '';
  const window = { startMs: pending.startMs, endMs: nowMs() };
  const failure = { errorType, message: text };
  const handler = { [ATTR_HTTP_HANDLER]: HTTP_HANDLER_FETCH };
  if (DNS_ERROR.test(errorType)) meterFailedLookup(scope, window, hostname, errorType);
  if (DNS_ERROR.test(errorType))
    emit(scope, SPAN_DNS_LOOKUP, window, { ...handler, ...dnsLookupAttributes(hostname) }, failure);
  else if (isTlsErrorCode(errorType))
    emit(scope, SPAN_TLS_HANDSHAKE, window, { ...handler, ...serverName(connectParams, hostname) }, failure);
  else
    emit(
      scope,
      SPAN_TCP_CONNECT,
      window,
      {
        ...handler,
        [ATTR_SERVER_ADDRESS]: hostname,
        ...socketConnectAttributes(isIP(hostname) ? hostname : undefined, portOf(connectParams)),
      },
      failure,
    );
}

/** Resolver failures (getaddrinfo): the lookup is the phase that failed. */
const DNS_ERROR = /^(ENOTFOUND|EAI_)/;

/** `server.address` of a TLS handshake: the SNI name undici sends (none for an IP literal). */
function serverName(params: ConnectParams | undefined, hostname: string): Attributes {
  const name = typeof params?.servername === 'string' && params.servername ? params.servername : undefined;
  if (name) return { [ATTR_SERVER_ADDRESS]: name };
  return hostname && isIP(hostname) === 0 ? { [ATTR_SERVER_ADDRESS]: hostname } : {};
}

function portOf(params: ConnectParams | undefined): number | undefined {
  const port = Number(params?.port);
  if (Number.isInteger(port) && port > 0) return port;
  return params?.protocol === 'https:' ? 443 : params?.protocol === 'http:' ? 80 : undefined;
}

/** One phase span through the kernel, in a guard of its own: a span that fails loses no other. */
function emit(
  scope: AttemptScope,
  name: PhaseSpanName,
  window: PhaseWindow,
  attributes: Attributes,
  failure?: PhaseFailure,
): void {
  guard.run(`recording ${name}`, () =>
    emitPhaseSpan(scope, name, window.startMs, window.endMs, attributes, failure),
  );
}

/**
 * Emits the phase spans of a new connection as children of the attempt that waited for it, once per
 * connection (the caller drops the connect record afterwards):
 * - `dns.lookup`: Node's perf 'dns' entry for the host (none for an IP literal);
 * - `tcp.connect`: Node's perf 'net' entry for the socket's remote address and port; for plain HTTP
 *   without an entry, beforeConnect (or the lookup's end) → connected;
 * - `tls.handshake`: end of TCP connect (or of the lookup, or beforeConnect) → `connected`, which
 *   undici publishes on `secureConnect`.
 * Attributes follow OpenTelemetry's network-span convention through the kernel, as on node:http
 * (`dns.question.name`, `dns.answers`; `network.peer.*`, `network.transport`, `network.type`; the SNI
 * name as `server.address` of the handshake). Each carries `wirescope.connection.id` and
 * `wirescope.http.handler`, which also tell them apart from the same-named spans of
 * @opentelemetry/instrumentation-dns and -net.
 */
export function traceConnection(
  scope: AttemptScope,
  socket: Socket,
  id: string,
  connect: ConnectRecord,
): void {
  const address = socket.remoteAddress;
  const port = socket.remotePort;
  const tcp = address && port ? claimNetConnect(address, port, connect.startMs, connect.endMs) : undefined;
  const dns =
    isIP(connect.hostname) === 0
      ? claimDnsLookup(connect.hostname, connect.startMs, tcp?.startMs ?? connect.endMs)
      : undefined;
  const common: Attributes = { [ATTR_CONNECTION_ID]: id, [ATTR_HTTP_HANDLER]: HTTP_HANDLER_FETCH };
  // The answer the connection used is the one address we know the lookup gave.
  if (dns)
    emit(scope, SPAN_DNS_LOOKUP, dns, {
      ...common,
      ...dnsLookupAttributes(connect.hostname, address ? [address] : undefined),
    });
  const peer: Attributes = { ...common, ...socketConnectAttributes(address, port) };
  if (tcp) emit(scope, SPAN_TCP_CONNECT, tcp, peer);
  const afterTcp = tcp?.endMs ?? dns?.endMs ?? connect.startMs;
  const rest = { startMs: afterTcp, endMs: connect.endMs };
  guard.run('recording the connection metrics', () => meterPhases(scope, connect, dns, tcp, rest));
  if (connect.tls) {
    const tlsFacts = guard.value('reading the TLS facts', () => tlsFactsOf(socket), {});
    guard.run('recording the TLS facts', () => {
      for (const [key, value] of Object.entries(tlsFacts)) recordFact(scope, key as AttributeName, value);
    });
    const name = connect.servername ? { [ATTR_SERVER_ADDRESS]: connect.servername } : {};
    emit(scope, SPAN_TLS_HANDSHAKE, rest, { ...common, ...tlsFacts, ...name });
  } else if (!tcp) {
    emit(scope, SPAN_TCP_CONNECT, rest, peer);
  }
}
