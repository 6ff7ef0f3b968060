import type { ClientHttp2Session } from 'node:http2';
import type { ObservedSocket } from './observe-connection.js';

/** The socket of a client session as the phase watcher reads it, plus what a TLS socket tells. */
export interface SessionSocket extends ObservedSocket {
  /** Still connecting (TCP, or the TLS handshake): the session's phases are still ahead. */
  readonly connecting: boolean;
  /** The negotiated ALPN protocol (`h2`), once the handshake is done. */
  readonly alpnProtocol: unknown;
  readonly servername: unknown;
  getProtocol(): string | null;
  isSessionReused(): boolean;
}

type Listener = Parameters<ObservedSocket['on']>[1];

/**
 * A view of a client session's socket that stays safe to use for the session's whole life and after.
 * Node hands that socket out only as `session.socket`, a Proxy that forwards reads to the real socket
 * and binds its functions to it, but throws `ERR_HTTP2_SOCKET_UNBOUND` once the session is cleaned up
 * (before the session's 'close', so also when we detach a failed phase) and
 * `ERR_HTTP2_NO_SOCKET_MANIPULATION` on `emit`, `destroy` and the like. So `on` and `removeListener` are
 * taken once, now (bound to the real socket, they keep working), and the rest is read through the proxy
 * while it answers, `undefined` after. Undefined when the session has no socket.
 */
export function sessionSocket(session: ClientHttp2Session): SessionSocket | undefined {
  const proxy = session.socket as unknown as Record<string, unknown> | undefined;
  if (!proxy) return undefined;
  const on = proxy['on'] as (event: string, listener: Listener) => unknown;
  const removeListener = proxy['removeListener'] as (event: string, listener: Listener) => unknown;
  const read = (key: string): unknown => {
    try {
      return proxy[key];
    } catch {
      return undefined;
    }
  };
  const call = (key: string): unknown => {
    const fn = read(key);
    return typeof fn === 'function' ? fn() : undefined;
  };
  return {
    on: (event, listener) => on(event, listener),
    removeListener: (event, listener) => removeListener(event, listener),
    get remoteAddress() {
      const value = read('remoteAddress');
      return typeof value === 'string' ? value : undefined;
    },
    get remotePort() {
      const value = read('remotePort');
      return typeof value === 'number' ? value : undefined;
    },
    get connecting() {
      return read('connecting') === true || read('secureConnecting') === true;
    },
    get alpnProtocol() {
      return read('alpnProtocol');
    },
    get servername() {
      return read('servername');
    },
    getProtocol: () => {
      const value = call('getProtocol');
      return typeof value === 'string' ? value : null;
    },
    isSessionReused: () => call('isSessionReused') === true,
  };
}
