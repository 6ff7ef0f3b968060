import type { Socket } from 'node:net';
import { nextConnectionId } from './ids.js';
import type { PendingConnect, RequestState, SocketState } from './internal-types.js';

// undici's `request:headers` and `request:trailers` run in the context of whoever created the socket,
// not of the request (FIELD-NOTES, Correlation): every piece of state is keyed by the request or the
// socket object, never read from the async context after `request:create`.

/** Requests we record on (created under an attempt scope or an active span). */
export const recordedRequests = new WeakMap<object, RequestState>();

/** The socket each request was written on, for every request (recorded or not). */
export const socketOfRequest = new WeakMap<object, Socket>();

/** Every socket undici used since we subscribed. */
const sockets = new WeakMap<Socket, SocketState>();

/**
 * Connects announced by `beforeConnect`, per connector function (one per undici Pool/Client), in
 * announce order: `connected` and `connectError` carry the same connector but not the request.
 */
const pendingConnects = new WeakMap<object, PendingConnect[]>();
const NO_CONNECTOR = {};

/** Remembers a connect undici is starting. */
export function pushPendingConnect(connector: unknown, pending: PendingConnect): void {
  const key = connectorKey(connector);
  const list = pendingConnects.get(key);
  if (list) list.push(pending);
  else pendingConnects.set(key, [pending]);
}

/** The oldest connect still pending for this connector (the likeliest to finish first). */
export function shiftPendingConnect(connector: unknown): PendingConnect | undefined {
  return pendingConnects.get(connectorKey(connector))?.shift();
}

function connectorKey(connector: unknown): object {
  return (
    typeof connector === 'function' || (typeof connector === 'object' && connector !== null)
      ? connector
      : NO_CONNECTOR
  ) as object;
}

/** The state of a socket, created on first sight. `openedBefore` marks sockets older than us. */
export function socketState(socket: Socket): SocketState {
  let state = sockets.get(socket);
  if (!state) {
    state = { id: nextConnectionId(), connect: undefined, requests: 0, lastDoneMs: undefined };
    sockets.set(socket, state);
  }
  return state;
}

/** True when we saw this socket connect (so its first request is on a new connection). */
export function knowsSocket(socket: Socket): boolean {
  return sockets.has(socket);
}
