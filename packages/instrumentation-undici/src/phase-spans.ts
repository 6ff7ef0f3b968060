import { isIP, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { type Attributes, context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { type AttemptScope, recordFact } from '@wirescope/instrumentation';
import {
  ATTR_CONNECTION_ID,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_HANDLER,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_SERVER_ADDRESS,
  ATTR_TLS_PROTOCOL_VERSION,
  ATTR_TLS_RESUMED,
  type AttributeName,
  HTTP_HANDLER_FETCH,
  type PhaseSpanName,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import type { ConnectRecord, PhaseWindow } from './internal-types.js';
import { claimDnsLookup, claimNetConnect } from './phase-entries.js';

/**
 * Emits the phase spans of a new connection as children of the attempt that waited for it, once per
 * connection (the caller drops the connect record afterwards):
 * - `dns.lookup`: Node's perf 'dns' entry for the host (none for an IP literal);
 * - `tcp.connect`: Node's perf 'net' entry for the socket's remote address and port; for plain HTTP
 *   without an entry, beforeConnect (or the lookup's end) → connected;
 * - `tls.handshake`: end of TCP connect (or of the lookup, or beforeConnect) → `connected`, which
 *   undici publishes on `secureConnect`.
 * Each carries `wirescope.connection.id` and `wirescope.http.handler`, which also tell them apart from
 * the same-named spans of @opentelemetry/instrumentation-dns and -net.
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
  if (dns) startPhase(scope, SPAN_DNS_LOOKUP, dns, { ...common, [ATTR_SERVER_ADDRESS]: connect.hostname });
  const peer: Attributes = { ...common };
  if (address) peer[ATTR_NETWORK_PEER_ADDRESS] = address;
  if (port) peer[ATTR_NETWORK_PEER_PORT] = port;
  if (tcp) startPhase(scope, SPAN_TCP_CONNECT, tcp, peer);
  const afterTcp = tcp?.endMs ?? dns?.endMs ?? connect.startMs;
  if (connect.tls) {
    const tlsFacts = tlsFactsOf(socket);
    for (const [key, value] of Object.entries(tlsFacts)) recordFact(scope, key as AttributeName, value);
    startPhase(
      scope,
      SPAN_TLS_HANDSHAKE,
      { startMs: afterTcp, endMs: connect.endMs },
      { ...peer, ...tlsFacts },
    );
  } else if (!tcp) {
    startPhase(scope, SPAN_TCP_CONNECT, { startMs: afterTcp, endMs: connect.endMs }, peer);
  }
}

/** A failed connect: one phase span with ERROR status (`tls.handshake` for TLS errors). */
export function traceFailedConnect(
  scope: AttemptScope,
  window: PhaseWindow,
  hostname: string,
  errorType: string,
  message: string | undefined,
): void {
  const name = isTlsError(errorType) ? SPAN_TLS_HANDSHAKE : SPAN_TCP_CONNECT;
  const attributes = {
    [ATTR_HTTP_HANDLER]: HTTP_HANDLER_FETCH,
    [ATTR_SERVER_ADDRESS]: hostname,
    [ATTR_ERROR_TYPE]: errorType,
  };
  startPhase(scope, name, window, attributes, message ? `${errorType}: ${message}` : errorType);
}

function startPhase(
  scope: AttemptScope,
  name: PhaseSpanName,
  window: PhaseWindow,
  attributes: Attributes,
  errorMessage?: string,
): void {
  const parent = trace.setSpan(context.active(), scope.span);
  const span = scope.tracer.startSpan(
    name,
    { kind: SpanKind.INTERNAL, startTime: window.startMs, attributes },
    parent,
  );
  if (errorMessage !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage });
  span.end(Math.max(window.startMs, window.endMs));
}

function tlsFactsOf(socket: Socket): Record<string, string | boolean> {
  const tls = socket as Partial<TLSSocket>;
  const facts: Record<string, string | boolean> = {};
  const protocol = typeof tls.getProtocol === 'function' ? tls.getProtocol() : null;
  // 'TLSv1.3' → '1.3', 'TLSv1' → '1.0', as the OTel TLS conventions spell tls.protocol.version.
  const version = protocol ? /^TLSv(\d)(?:\.(\d))?$/.exec(protocol) : null;
  if (version) facts[ATTR_TLS_PROTOCOL_VERSION] = `${version[1]}.${version[2] ?? '0'}`;
  if (typeof tls.isSessionReused === 'function') facts[ATTR_TLS_RESUMED] = tls.isSessionReused();
  return facts;
}

function isTlsError(code: string): boolean {
  return /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY))/.test(code);
}
