import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { TLSSocket } from 'node:tls';
import type { Attributes } from '@opentelemetry/api';
import {
  dnsLookupAttributes,
  emitPhaseSpan,
  epochMs,
  type PhaseFailure,
  recordDnsLookup,
  recordPhaseMetric,
  socketConnectAttributes,
  tlsFactsOf,
} from '@wirescope/instrumentation';
import {
  ATTR_CONNECTION_ID,
  ATTR_HTTP_HANDLER,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_SERVER_ADDRESS,
  type AttributeName,
  errorTypeOf,
  HTTP_HANDLER_NODE,
  type PhaseSpanName,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import type { RecordTarget } from './internal-types.js';
import { guard } from './version.js';

type Phase = 'dns' | 'tcp' | 'tls' | 'done';

/**
 * The socket members {@link observeConnection} uses: a `net.Socket`, or the view of an HTTP/2 session's
 * socket (http2-session-socket.ts). Listeners take whatever the event gives.
 */
export interface ObservedSocket {
  // biome-ignore lint/suspicious/noExplicitAny: a socket event listener, as node:events types it
  on(event: string, listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: a socket event listener, as node:events types it
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
}

/** Which producer watches a connection, and what it adds to the spans. */
export interface ConnectionProducer {
  /** `wirescope.http.handler` on every phase span. */
  readonly handler: string;
  /** The socket speaks TLS; default: it is a `tls.TLSSocket`. */
  readonly tls?: boolean;
  /** More `tls.handshake` attributes, read from the socket once the handshake is done (ALPN on HTTP/2). */
  readonly handshakeAttributes?: (socket: ObservedSocket) => Attributes;
}

const NODE_HTTP: ConnectionProducer = { handler: HTTP_HANDLER_NODE };

/** Watches the phases of a socket that is still connecting; made by the request that opened it. */
export interface ConnectionPhases {
  /** performance.now() when the connection could carry bytes (connect, or secureConnect for TLS). */
  readonly readyAt: number | undefined;
  /** Ends the phase still open with an error (the request failed or closed first) and detaches. */
  fail(failure: PhaseFailure): void;
  /** Removes every listener it added; idempotent. */
  detach(): void;
}

/**
 * Emits `dns.lookup` (only when a lookup happened: not for IP literals), `tcp.connect` and, for TLS,
 * `tls.handshake` as children of the target's span, with the times the socket events give, and
 * records the peer and TLS facts on the target. `startAt` is when the socket was created. Phase
 * attributes follow OpenTelemetry's network-span convention through the kernel (`dns.question.name`,
 * `dns.answers`; `network.peer.*`, `network.transport`, `network.type`), plus the connection id and
 * the handler on each.
 */
export function observeConnection(
  target: RecordTarget,
  socket: ObservedSocket,
  connectionId: string,
  host: string | undefined,
  servername: string | undefined,
  startAt: number,
  producer: ConnectionProducer = NODE_HTTP,
): ConnectionPhases {
  const isTls = producer.tls ?? socket instanceof TLSSocket;
  let phase: Phase = host !== undefined && isIP(host) === 0 ? 'dns' : 'tcp';
  let phaseStart = startAt;
  let readyAt: number | undefined;
  let attached = true;
  // On every phase span: which connection, and which producer (they tell our spans apart from the
  // same-named ones of @opentelemetry/instrumentation-dns and -net).
  const common: Attributes = { [ATTR_CONNECTION_ID]: connectionId, [ATTR_HTTP_HANDLER]: producer.handler };
  // Start and end of a phase go through the kernel's clock together (one wall-clock correction), so a
  // phase span lasts exactly what performance.now() measured.
  const emit = (
    name: PhaseSpanName,
    start: number,
    end: number,
    attributes: Attributes,
    failure?: PhaseFailure,
  ) => emitPhaseSpan(target, name, epochMs(start), epochMs(end), { ...common, ...attributes }, failure);
  // Each handler moves to the next phase before it emits: a tracer that throws loses that span, not the
  // phases after it.
  const advance = (next: Phase, now: number): number => {
    const start = phaseStart;
    phase = next;
    phaseStart = now;
    if (next === 'done') detach();
    return start;
  };

  const onLookup = (err: Error | null, address: unknown, _family: unknown, lookupHost: unknown) =>
    guard.run('dns lookup', () => {
      if (phase !== 'dns') return; // with autoSelectFamily Node emits one 'lookup' per address
      const now = performance.now();
      const start = advance(err ? 'done' : 'tcp', now);
      const name = typeof lookupHost === 'string' ? lookupHost : (host ?? '');
      const { metrics } = target;
      if (metrics && err) recordDnsLookup(metrics, now - start, name, errorTypeOf(err));
      else if (metrics) recordPhaseMetric(metrics, 'dns', now - start, name, producer.handler);
      const attributes = dnsLookupAttributes(name, typeof address === 'string' ? [address] : undefined);
      emit(SPAN_DNS_LOOKUP, start, now, attributes, err ? failureOf(err) : undefined);
    });

  const onConnect = () =>
    guard.run('tcp connect', () => {
      if (phase !== 'dns' && phase !== 'tcp') return;
      // 'dns' here means no 'lookup' event came (a custom createConnection): the span starts at creation.
      const now = performance.now();
      if (!isTls) readyAt = now;
      const start = advance(isTls ? 'tls' : 'done', now);
      if (target.metrics) recordPhaseMetric(target.metrics, 'tcp', now - start, host, producer.handler);
      const { remoteAddress, remotePort } = socket;
      emit(SPAN_TCP_CONNECT, start, now, socketConnectAttributes(remoteAddress, remotePort));
      if (remoteAddress) target.record(ATTR_NETWORK_PEER_ADDRESS, remoteAddress);
      if (remotePort) target.record(ATTR_NETWORK_PEER_PORT, remotePort);
    });

  const onSecureConnect = () =>
    guard.run('tls handshake', () => {
      if (phase !== 'tls') return;
      const now = performance.now();
      readyAt = now;
      const start = advance('done', now);
      if (target.metrics) recordPhaseMetric(target.metrics, 'tls', now - start, host, producer.handler);
      const tls = tlsFactsOf(socket);
      const name = tlsServername(socket) ?? servername;
      const more = producer.handshakeAttributes?.(socket);
      emit(SPAN_TLS_HANDSHAKE, start, now, {
        ...tls,
        ...more,
        ...(name ? { [ATTR_SERVER_ADDRESS]: name } : {}),
      });
      for (const [key, value] of Object.entries(tls)) target.record(key as AttributeName, value);
    });

  function detach(): void {
    if (!attached) return;
    attached = false;
    socket.removeListener('lookup', onLookup);
    socket.removeListener('ready', onConnect);
    if (isTls) socket.removeListener('secureConnect', onSecureConnect);
  }

  socket.on('lookup', onLookup);
  // 'ready' follows 'connect' in the same tick; Node's http client already puts several 'connect'
  // listeners on a new socket, so we stay off that event to keep a low maxListeners quiet.
  socket.on('ready', onConnect);
  if (isTls) socket.on('secureConnect', onSecureConnect);

  return {
    get readyAt() {
      return readyAt;
    },
    fail(failure: PhaseFailure) {
      guard.run('failing the open phase', () => {
        if (phase === 'done') return;
        const open = phase;
        const now = performance.now();
        const start = advance('done', now);
        if (open === 'dns') {
          if (target.metrics) recordDnsLookup(target.metrics, now - start, host, failure.errorType);
          emit(SPAN_DNS_LOOKUP, start, now, dnsLookupAttributes(host ?? ''), failure);
        } else if (open === 'tcp') {
          emit(
            SPAN_TCP_CONNECT,
            start,
            now,
            socketConnectAttributes(socket.remoteAddress, socket.remotePort),
            failure,
          );
        } else {
          const name = servername ? { [ATTR_SERVER_ADDRESS]: servername } : {};
          emit(SPAN_TLS_HANDSHAKE, start, now, name, failure);
        }
      });
      detach();
    },
    detach,
  };
}

/** The failure of a phase, from the error Node gave. */
export function failureOf(error: unknown): PhaseFailure {
  const message = error instanceof Error ? error.message : undefined;
  return { errorType: errorTypeOf(error), message };
}

function tlsServername(socket: ObservedSocket): string | undefined {
  // Node sets `servername` on the client socket after the handshake (false when no SNI was sent).
  const name = (socket as { servername?: unknown }).servername;
  return typeof name === 'string' && name.length > 0 ? name : undefined;
}
