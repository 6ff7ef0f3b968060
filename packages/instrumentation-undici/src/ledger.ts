import type { Socket } from 'node:net';
import { type AttemptScope, nextConnectionId, processState } from '@wirescope/instrumentation';
import type { HubState, PendingConnect, RequestState, SocketState } from './internal-types.js';

// undici's `request:headers` and `request:trailers` run in the context of whoever created the socket,
// not of the request (FIELD-NOTES, Correlation): every piece of state is keyed by the request or the
// socket object, never read from the async context after `request:create`.

let cached: HubState | undefined;

/**
 * The process-wide state of this package, made by the first copy that needs it and shared by every
 * copy (the kernel's registry on `globalThis`): two installed copies see one set of consumers, one set
 * of subscriptions and one record of every request and socket.
 */
export function hubState(): HubState {
  cached ??= processState<HubState>('@wirescope/instrumentation-undici:hub', () => ({
    consumers: new Set(),
    subscriptions: new Map(),
    recordedRequests: new WeakMap(),
    socketOfRequest: new WeakMap(),
    sockets: new WeakMap(),
    pendingConnects: new WeakMap(),
    noConnector: {},
    dnsEntries: [],
    netEntries: [],
    observer: undefined,
    pluginSwitch: undefined,
    waiting: new Set(),
    boundScopes: new WeakSet(),
  }));
  return cached;
}

/** The metered requests counted queued right now (made here when an older copy made the hub). */
export function waitingRequests(): Set<RequestState> {
  const hub = hubState();
  hub.waiting ??= new Set();
  return hub.waiting;
}

/** The attempt scopes a request was recorded for (made here when an older copy made the hub). */
export function boundScopes(): WeakSet<AttemptScope> {
  const hub = hubState();
  hub.boundScopes ??= new WeakSet();
  return hub.boundScopes;
}

/** The state of a request we record on, if we do. */
export function recordedRequest(request: object): RequestState | undefined {
  return hubState().recordedRequests.get(request);
}

/** Remembers a connect undici is starting. */
export function pushPendingConnect(connector: unknown, pending: PendingConnect): void {
  const { pendingConnects } = hubState();
  const key = connectorKey(connector);
  const list = pendingConnects.get(key);
  if (list) list.push(pending);
  else pendingConnects.set(key, [pending]);
}

/** The oldest connect still pending for this connector (the likeliest to finish first). */
export function shiftPendingConnect(connector: unknown): PendingConnect | undefined {
  return hubState().pendingConnects.get(connectorKey(connector))?.shift();
}

function connectorKey(connector: unknown): object {
  return (
    typeof connector === 'function' || (typeof connector === 'object' && connector !== null)
      ? connector
      : hubState().noConnector
  ) as object;
}

/** The state of a socket, created on first sight, with the kernel's connection id (`c<pid>-<n>`). */
export function socketState(socket: Socket): SocketState {
  const { sockets } = hubState();
  let state = sockets.get(socket);
  if (!state) {
    state = {
      id: nextConnectionId(),
      connect: undefined,
      requests: 0,
      lastDoneMs: undefined,
      setup: undefined,
    };
    sockets.set(socket, state);
  }
  return state;
}
