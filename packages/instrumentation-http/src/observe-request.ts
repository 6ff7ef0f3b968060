import { errorMonitor } from 'node:events';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { linkToConnection, nextConnectionId, roundMs, shortestGracePeriod } from '@wirescope/instrumentation';
import {
  ATTR_AGENT_KEEP_ALIVE,
  ATTR_AGENT_MAX_SOCKETS,
  ATTR_AGENT_ONE_OFF,
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_IDLE_MS,
  ATTR_CONNECTION_QUEUE_MS,
  ATTR_CONNECTION_REQUESTS,
  ATTR_CONNECTION_REUSED,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_REQUEST_BODY_SIZE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TTFB_MS,
  HTTP_HANDLER_NODE,
} from '@wirescope/semconv';
import { asksForContinue, ExpectContinueWait } from './expect-continue-wait.js';
import type { AgentInternals, PatchRegistry, RecordTarget } from './internal-types.js';
import { observeBody } from './observe-body.js';
import { type ConnectionPhases, observeConnection } from './observe-connection.js';
import { recordRequestError } from './record-error.js';
import { RequestMeter } from './request-metrics.js';
import { guard } from './version.js';

/** One request being observed, from `addRequest` to its 'close'. */
interface RequestState {
  readonly registry: PatchRegistry;
  readonly target: RecordTarget;
  readonly agent: AgentInternals;
  readonly req: ClientRequest;
  readonly host: string | undefined;
  readonly servername: string | undefined;
  readonly addedAt: number;
  /** A socket was created for this request inside `addRequest` (so its phases start at `addedAt`). */
  createdSync: boolean;
  /** The agent was at `maxSockets`: the request waited in `agent.requests`. */
  queued: boolean;
  socket: Socket | undefined;
  phases: ConnectionPhases | undefined;
  readyAt: number | undefined;
  finishedAt: number | undefined;
  /** Its `Expect: 100-continue` wait, once the headers say so. */
  expect: ExpectContinueWait | undefined;
  statusRecorded: boolean;
  errored: boolean;
  closed: boolean;
  /** The 'continue' listener, added once the headers say `Expect: 100-continue`. */
  onContinue: (() => void) | undefined;
  /** The 'pipe' listener (a streamed body starts), added with the 'continue' one. */
  onPipe: (() => void) | undefined;
  /** Our 'response' listener is on (the host listens too). */
  listensForResponse: boolean;
  /** The first error the request saw (a socket error, for the body watcher). */
  error: unknown;
  /** Its connection metrics, when a MeterProvider is registered. */
  readonly meter: RequestMeter | undefined;
}

/** What `beginRequest` hands to `settleAddRequest`. */
export interface PendingRequest {
  readonly state: RequestState;
  readonly totalSocketsBefore: number | undefined;
}

/** Before the original `addRequest`: records what the request says about itself and listens to it. */
export function beginRequest(
  registry: PatchRegistry,
  agent: AgentInternals,
  req: ClientRequest,
  options: RequestOptions | string,
  target: RecordTarget,
): PendingRequest | undefined {
  return guard.value('beginning a request', () => begin(registry, agent, req, options, target), undefined);
}

function begin(
  registry: PatchRegistry,
  agent: AgentInternals,
  req: ClientRequest,
  options: RequestOptions | string,
  target: RecordTarget,
): PendingRequest {
  const opts: RequestOptions = typeof options === 'string' ? { host: options } : options;
  const host = hostOf(opts);
  const port = Number(opts.port) || agent.defaultPort;
  const sni = (opts as { servername?: unknown }).servername;
  const servername = typeof sni === 'string' && sni ? sni : host && !isIP(host) ? host : undefined;
  target.record(ATTR_HTTP_HANDLER, HTTP_HANDLER_NODE);
  if (req.method) target.record(ATTR_HTTP_REQUEST_METHOD, req.method);
  if (host) target.record(ATTR_SERVER_ADDRESS, host);
  if (port) target.record(ATTR_SERVER_PORT, port);
  target.record(ATTR_AGENT_KEEP_ALIVE, agent.keepAlive === true);
  if (typeof agent.maxSockets === 'number' && Number.isFinite(agent.maxSockets)) {
    target.record(ATTR_AGENT_MAX_SOCKETS, agent.maxSockets);
  }
  registry.agentRequests.set(agent, (registry.agentRequests.get(agent) ?? 0) + 1);
  const addedAt = performance.now();
  const state: RequestState = {
    registry,
    target,
    agent,
    req,
    host,
    servername,
    addedAt,
    createdSync: false,
    queued: false,
    socket: undefined,
    phases: undefined,
    readyAt: undefined,
    finishedAt: undefined,
    expect: undefined,
    statusRecorded: false,
    errored: false,
    closed: false,
    onContinue: undefined,
    onPipe: undefined,
    listensForResponse: false,
    error: undefined,
    meter: target.metrics ? new RequestMeter(target.metrics, host, addedAt, poolOf(agent)) : undefined,
  };
  listen(state);
  return { state, totalSocketsBefore: agent.totalSocketCount };
}

/** After the original `addRequest`: did it create a socket for the request, or queue it? */
export function settleAddRequest({ state, totalSocketsBefore }: PendingRequest): void {
  guard.run('settling addRequest', () => {
    const after = state.agent.totalSocketCount;
    if (typeof after === 'number' && typeof totalSocketsBefore === 'number' && after > totalSocketsBefore) {
      state.createdSync = true;
    } else if (!state.req.reusedSocket && isQueued(state.agent, state.req)) {
      state.queued = true;
      state.meter?.queued();
    }
  });
}

/** The agent as a pool with a known limit (`maxSockets` per origin), for the limit metric. */
function poolOf(agent: AgentInternals): { key: object; limit: number } | undefined {
  const limit = agent.maxSockets;
  return typeof limit === 'number' && Number.isFinite(limit) ? { key: agent, limit } : undefined;
}

function isQueued(agent: AgentInternals, req: ClientRequest): boolean {
  const queues = agent.requests;
  if (!queues) return false;
  for (const name in queues) {
    const queue = queues[name];
    if (queue && queue[queue.length - 1] === req) return true;
  }
  return false;
}

function hostOf(options: RequestOptions): string | undefined {
  const raw = options.host ?? options.hostname;
  if (typeof raw !== 'string' || raw.length === 0) return undefined;
  return raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
}

function listen(state: RequestState): void {
  const { req } = state;
  const onSocket = (socket: Socket) =>
    guard.run('taking a socket', () => takeSocket(state, socket, onResponse));
  const onFinish = () =>
    guard.run('request finish', () => {
      state.finishedAt = performance.now();
      if (state.socket !== undefined) state.expect?.bodyWithoutAnswer(state.finishedAt);
    });
  const onContinue = () => guard.run('100 Continue', () => state.expect?.answered());
  const onPipe = () => guard.run('request pipe', () => state.expect?.piped());
  const onResponse = (res: IncomingMessage) => guard.run('response', () => gotResponse(state, res));
  const onError = (error: unknown) =>
    guard.run('request error', () => {
      state.error ??= error;
      if (state.closed || state.errored) return;
      state.errored = true;
      const type = recordRequestError(state.target, req, error, state.phases);
      state.meter?.failed(type);
    });
  const onClose = () => {
    guard.run('request close', () => closeRequest(state));
    req.removeListener('socket', onSocket);
    req.removeListener('finish', onFinish);
    req.removeListener(errorMonitor, onError);
    req.removeListener('close', onClose);
    if (state.expect) {
      req.removeListener('continue', onContinue);
      req.removeListener('pipe', onPipe);
    }
    if (state.listensForResponse) req.removeListener('response', onResponse);
  };
  // `on`, not `once`: each of these events comes at most once per request, `once` would wrap every
  // listener in two more objects, and 'close' takes them all off anyway. 'continue' and 'response' are
  // listened to from takeSocket, only when needed.
  req.on('socket', onSocket);
  req.on('finish', onFinish);
  req.on(errorMonitor, onError);
  req.on('close', onClose);
  state.onContinue = onContinue;
  state.onPipe = onPipe;
}

function takeSocket(state: RequestState, socket: Socket, onResponse: (res: IncomingMessage) => void): void {
  const now = performance.now();
  const { registry, target, req } = state;
  state.socket = socket;
  let socketState = registry.sockets.get(socket);
  // A socket still connecting is one this request opened. req.reusedSocket is not enough: a queued
  // request that gets a freed keep-alive socket reports false (FIELD-NOTES, "Node core").
  if (socket.connecting) {
    socketState = {
      id: nextConnectionId(),
      requests: 1,
      countedFromStart: true,
      idleSince: undefined,
      setup: target.span.spanContext(),
    };
    registry.sockets.set(socket, socketState);
    target.record(ATTR_CONNECTION_REUSED, false);
    target.record(ATTR_CONNECTION_ID, socketState.id);
    target.record(ATTR_CONNECTION_REQUESTS, 1);
    state.phases = observeConnection(
      target,
      socket,
      socketState.id,
      state.host,
      state.servername,
      state.createdSync ? state.addedAt : now,
    );
  } else {
    if (!socketState) {
      // Opened before we were enabled: we cannot know how many requests it carried or its idle time.
      socketState = {
        id: nextConnectionId(),
        requests: 0,
        countedFromStart: false,
        idleSince: undefined,
        setup: undefined,
      };
      registry.sockets.set(socket, socketState);
    }
    socketState.requests += 1;
    target.record(ATTR_CONNECTION_REUSED, true);
    target.record(ATTR_CONNECTION_ID, socketState.id);
    if (socketState.countedFromStart) target.record(ATTR_CONNECTION_REQUESTS, socketState.requests);
    if (socketState.idleSince !== undefined) {
      target.record(ATTR_CONNECTION_IDLE_MS, roundMs(now - socketState.idleSince));
    }
    if (socket.remoteAddress) target.record(ATTR_NETWORK_PEER_ADDRESS, socket.remoteAddress);
    if (socket.remotePort) target.record(ATTR_NETWORK_PEER_PORT, socket.remotePort);
    state.readyAt = now;
    // OpenTelemetry's connection-span convention: a request on a reused connection links to the one
    // that set it up, in whatever trace that was.
    linkToConnection(target.span, socketState.setup, socketState.id);
  }
  socketState.idleSince = undefined;
  state.meter?.took(socket, socketState, state.phases !== undefined, now);
  if (state.queued) target.record(ATTR_CONNECTION_QUEUE_MS, roundMs(now - state.addedAt));
  readHeaders(state);
  // An interim 100 Continue can only arrive after the headers went out on this socket.
  if (state.expect && state.onContinue) req.on('continue', state.onContinue);
  // The body going out before any answer: the SDK's fallback timer fired (a streamed body is piped,
  // a buffer is ended: 'finish').
  if (state.expect && state.onPipe) req.on('pipe', state.onPipe);
  // Adding a 'response' listener to a request that has none would stop Node from dumping the
  // response (it checks emit()'s return): listen only when the host listens too.
  if (req.listenerCount('response') > 0) {
    state.listensForResponse = true;
    req.on('response', onResponse);
  }
}

/** Reads the only two headers we may read: content-length and expect. */
function readHeaders(state: RequestState): void {
  const { req, target, registry, agent } = state;
  const length = req.getHeader('content-length');
  const size = typeof length === 'number' ? length : typeof length === 'string' ? Number(length) : Number.NaN;
  if (Number.isFinite(size) && size >= 0) target.record(ATTR_REQUEST_BODY_SIZE, size);
  if (asksForContinue(req.getHeader('expect'))) {
    // Node sends the headers of an Expect request as soon as the connection can carry them.
    state.expect = new ExpectContinueWait(target, state.meter, () => readyAt(state));
    // Best effort: the SDK builds a fresh keepAlive:false agent for each Expect: 100-continue request
    // unless the user passed an Agent instance, so such an agent carrying its first request is one-off.
    if (agent.keepAlive !== true && registry.agentRequests.get(agent) === 1) {
      target.record(ATTR_AGENT_ONE_OFF, true);
    }
  }
}

function readyAt(state: RequestState): number | undefined {
  return state.readyAt ?? state.phases?.readyAt;
}

function gotResponse(state: RequestState, res: IncomingMessage): void {
  const now = performance.now();
  // A final answer before any 100 Continue (a 417, an error) ended the wait too.
  state.expect?.finalAnswer();
  if (res.statusCode) {
    state.target.record(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
    state.statusRecorded = true;
  }
  if (state.finishedAt !== undefined) state.target.record(ATTR_TTFB_MS, roundMs(now - state.finishedAt));
  const socketState = state.socket ? state.registry.sockets.get(state.socket) : undefined;
  const socket: Socket | null = res.socket;
  // An unsampled attempt (kept for its metrics) has no span to give the body phase.
  if (!state.target.span.isRecording()) return;
  observeBody(res, {
    target: state.target,
    handler: HTTP_HANDLER_NODE,
    connectionId: socketState?.id,
    gracePeriodMs: shortestGracePeriod(state.registry.consumers),
    socketError: () => state.error,
    peerClosed: () => socket?.readableEnded === true,
  });
}

function closeRequest(state: RequestState): void {
  state.closed = true;
  const { req, socket, phases } = state;
  // Closed with a phase still open and no error: destroyed locally while connecting (the SDK's
  // connectionTimeout and abort signals call req.destroy() without an error).
  phases?.fail({
    errorType: 'ABORT_ERR',
    message: 'request destroyed before the connection was established',
  });
  phases?.detach();
  const status = (req as ClientRequest & { res?: IncomingMessage | null }).res?.statusCode;
  if (!state.statusRecorded && status) state.target.record(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (socket && !socket.destroyed) {
    const socketState = state.registry.sockets.get(socket);
    if (socketState) socketState.idleSince = performance.now();
  }
  state.meter?.closed(socket, readyAt(state));
}
