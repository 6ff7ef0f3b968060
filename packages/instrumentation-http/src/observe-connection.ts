import { isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { TLSSocket } from 'node:tls';
import { diag } from '@opentelemetry/api';
import {
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_SERVER_ADDRESS,
  ATTR_TLS_PROTOCOL_VERSION,
  ATTR_TLS_RESUMED,
  type AttributeName,
  errorTypeOf,
  SPAN_DNS_LOOKUP,
  SPAN_TCP_CONNECT,
  SPAN_TLS_HANDSHAKE,
} from '@wirescope/semconv';
import type { RecordTarget } from './internal-types.js';
import { emitPhaseSpan, epochClock, type PhaseFailure, tlsVersionOf } from './phase-span.js';
import { checkpoint } from './test-seams.js';

type Phase = 'dns' | 'tcp' | 'tls' | 'done';

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
 * records the peer and TLS facts on the target. `startAt` is when the socket was created.
 */
export function observeConnection(
  target: RecordTarget,
  socket: Socket,
  host: string | undefined,
  servername: string | undefined,
  startAt: number,
): ConnectionPhases {
  const isTls = socket instanceof TLSSocket;
  let phase: Phase = host !== undefined && isIP(host) === 0 ? 'dns' : 'tcp';
  let phaseStart = startAt;
  let readyAt: number | undefined;
  let attached = true;
  const toEpoch = epochClock();

  const guard = (stage: string, fn: () => void) => {
    try {
      checkpoint(stage);
      fn();
    } catch (error) {
      diag.warn(`@wirescope/instrumentation-http: bookkeeping failed at ${stage}`, error);
    }
  };

  const onLookup = (err: Error | null, address: unknown, _family: unknown, lookupHost: unknown) =>
    guard('lookup', () => {
      if (phase !== 'dns') return; // with autoSelectFamily Node emits one 'lookup' per address
      const now = performance.now();
      const attributes = {
        [ATTR_SERVER_ADDRESS]: typeof lookupHost === 'string' ? lookupHost : (host ?? ''),
        ...(typeof address === 'string' ? { [ATTR_NETWORK_PEER_ADDRESS]: address } : {}),
      };
      emitPhaseSpan(
        target,
        toEpoch,
        SPAN_DNS_LOOKUP,
        phaseStart,
        now,
        attributes,
        err ? failureOf(err) : undefined,
      );
      phase = err ? 'done' : 'tcp';
      phaseStart = now;
    });

  const onConnect = () =>
    guard('connect', () => {
      if (phase !== 'dns' && phase !== 'tcp') return;
      // 'dns' here means no 'lookup' event came (a custom createConnection): the span starts at creation.
      const now = performance.now();
      const peer = peerAttributes(socket);
      emitPhaseSpan(target, toEpoch, SPAN_TCP_CONNECT, phaseStart, now, peer);
      for (const [key, value] of Object.entries(peer)) target.record(key as AttributeName, value);
      phaseStart = now;
      if (isTls) {
        phase = 'tls';
      } else {
        phase = 'done';
        readyAt = now;
        detach();
      }
    });

  const onSecureConnect = () =>
    guard('secureConnect', () => {
      if (phase !== 'tls') return;
      const now = performance.now();
      const tlsSocket = socket as TLSSocket;
      const version = tlsVersionOf(tlsSocket.getProtocol());
      const resumed = tlsSocket.isSessionReused();
      const name = tlsServername(tlsSocket) ?? servername;
      emitPhaseSpan(target, toEpoch, SPAN_TLS_HANDSHAKE, phaseStart, now, {
        ...(version ? { [ATTR_TLS_PROTOCOL_VERSION]: version } : {}),
        [ATTR_TLS_RESUMED]: resumed,
        ...(name ? { [ATTR_SERVER_ADDRESS]: name } : {}),
      });
      if (version) target.record(ATTR_TLS_PROTOCOL_VERSION, version);
      target.record(ATTR_TLS_RESUMED, resumed);
      phase = 'done';
      readyAt = now;
      detach();
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
      guard('phase-fail', () => {
        const now = performance.now();
        if (phase === 'dns') {
          emitPhaseSpan(
            target,
            toEpoch,
            SPAN_DNS_LOOKUP,
            phaseStart,
            now,
            { [ATTR_SERVER_ADDRESS]: host ?? '' },
            failure,
          );
        } else if (phase === 'tcp') {
          emitPhaseSpan(target, toEpoch, SPAN_TCP_CONNECT, phaseStart, now, peerAttributes(socket), failure);
        } else if (phase === 'tls') {
          const name = servername ? { [ATTR_SERVER_ADDRESS]: servername } : {};
          emitPhaseSpan(target, toEpoch, SPAN_TLS_HANDSHAKE, phaseStart, now, name, failure);
        }
        phase = 'done';
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

function peerAttributes(socket: Socket): Record<string, string | number> {
  const attributes: Record<string, string | number> = {};
  if (socket.remoteAddress) attributes[ATTR_NETWORK_PEER_ADDRESS] = socket.remoteAddress;
  if (socket.remotePort) attributes[ATTR_NETWORK_PEER_PORT] = socket.remotePort;
  return attributes;
}

function tlsServername(socket: TLSSocket): string | undefined {
  // Node sets `servername` on the client socket after the handshake (false when no SNI was sent).
  const name = (socket as TLSSocket & { servername?: unknown }).servername;
  return typeof name === 'string' && name.length > 0 ? name : undefined;
}
