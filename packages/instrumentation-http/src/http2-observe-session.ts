import { errorMonitor } from 'node:events';
import type { RequestOptions } from 'node:http';
import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import { isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { TLSSocket } from 'node:tls';
import type { Attributes } from '@opentelemetry/api';
import { nextConnectionId, roundMs, shortestGracePeriod } from '@wirescope/instrumentation';
import { ATTR_NETWORK_PROTOCOL_VERSION, HTTP_HANDLER_NODE_HTTP2 } from '@wirescope/semconv';
import type { Http2Registry, IdleGoaway, SessionRequest, SessionState } from './http2-internal-types.js';
import { beginStream, goawayOnOpenStreams } from './http2-observe-stream.js';
import { failHttp2Phases } from './http2-record-error.js';
import { closeSessionGauge, openSessionGauge } from './http2-session-metrics.js';
import { sessionSocket } from './http2-session-socket.js';
import { type ConnectionProducer, observeConnection } from './observe-connection.js';
import { resolveTarget } from './resolve-target.js';
import { guard } from './version.js';

/** Where a session goes: what its authority says (`http2.connect`'s first argument). */
interface Authority {
  readonly protocol: string;
  readonly host: string | undefined;
  readonly port: number | undefined;
}

/** The phase watcher's settings for a session: the handler, and the ALPN result on `tls.handshake`. */
const HTTP2_PRODUCER: ConnectionProducer = {
  handler: HTTP_HANDLER_NODE_HTTP2,
  handshakeAttributes: (socket): Attributes =>
    (socket as { alpnProtocol?: unknown }).alpnProtocol === 'h2'
      ? { [ATTR_NETWORK_PROTOCOL_VERSION]: '2' }
      : {},
};

/**
 * Starts watching a session `http2.connect` just made: gives it a connection id, watches its DNS, TCP
 * and TLS phases when it was opened inside an attempt (or a recording span, for an instrumentation in
 * active-span mode), listens to it until it closes, and wraps its `request` so each stream's facts go
 * to the attempt that made it. Never throws.
 */
export function observeSession(
  registry: Http2Registry,
  session: ClientHttp2Session,
  authority: unknown,
  options: unknown,
  startAt: number,
): void {
  guard.run('observing an HTTP/2 session', () => {
    if (!session || registry.sessions.has(session)) return;
    const where = authorityOf(authority);
    const origin = originOf(where);
    const target = resolveTarget(registry.consumers, hookOptions(where));
    // This session replaces the origin's last one if the peer closed that one while idle: taken once.
    const replaces = registry.idleGoaways.get(origin);
    if (replaces) registry.idleGoaways.delete(origin);
    const state: SessionState = {
      id: nextConnectionId(),
      protocol: where.protocol,
      host: where.host,
      port: where.port,
      streams: 0,
      open: new Set(),
      idleSince: undefined,
      setup: target?.span.spanContext(),
      settingsKnown: false,
      goawayCode: undefined,
      replaces,
      phases: undefined,
      peerAddress: undefined,
      peerPort: undefined,
      gauge: undefined,
    };
    registry.sessions.set(session, state);
    openSessionGauge(state, target?.metrics, startAt);
    const socket = sessionSocket(session);
    if (target && socket?.connecting) {
      const sni = (options as { servername?: unknown } | undefined)?.servername;
      const servername =
        typeof sni === 'string' && sni ? sni : where.host && !isIP(where.host) ? where.host : undefined;
      const producer: ConnectionProducer = {
        ...HTTP2_PRODUCER,
        // The proxy answers `instanceof` with the real socket's prototype.
        tls: session.socket instanceof TLSSocket,
      };
      state.phases = observeConnection(target, socket, state.id, where.host, servername, startAt, producer);
    }
    listen(session, state, (goaway) => rememberIdleGoaway(registry, origin, goaway));
    wrapRequest(registry, session, state);
  });
}

/** Origins whose idle GOAWAY is remembered at most; the oldest goes first. */
export const MAX_IDLE_GOAWAY_ORIGINS = 256;

function rememberIdleGoaway(registry: Http2Registry, origin: string, goaway: IdleGoaway): void {
  const memo = registry.idleGoaways;
  memo.delete(origin);
  memo.set(origin, goaway);
  if (memo.size > MAX_IDLE_GOAWAY_ORIGINS) {
    const oldest = memo.keys().next().value;
    if (oldest !== undefined) memo.delete(oldest);
  }
}

function listen(
  session: ClientHttp2Session,
  state: SessionState,
  onIdleGoaway: (goaway: IdleGoaway) => void,
): void {
  // The real socket ('connect' gives it, not the proxy): its byte counts stay readable after the
  // session is cleaned up, when `session.socket` throws.
  let connected: Socket | undefined;
  const onConnect = (_session: unknown, socket: Socket) =>
    guard.run('HTTP/2 session connect', () => {
      session.removeListener('connect', onConnect);
      connected = socket;
      state.peerAddress = socket?.remoteAddress;
      state.peerPort = socket?.remotePort;
      if (state.open.size === 0) state.idleSince = performance.now();
    });
  // Node calls into JS for SETTINGS only while someone listens: off again after the first.
  const onSettings = () =>
    guard.run('HTTP/2 remote settings', () => {
      state.settingsKnown = true;
      session.removeListener('remoteSettings', onSettings);
    });
  const onGoaway = (code: unknown) =>
    guard.run('HTTP/2 goaway', () => {
      if (typeof code !== 'number') return;
      state.goawayCode = code;
      goawayOnOpenStreams(state, code);
      // Idle (connected, no stream open): no attempt sees it; the origin's next session will say why.
      if (state.idleSince !== undefined && state.open.size === 0) {
        onIdleGoaway({ code, idleMs: roundMs(performance.now() - state.idleSince) });
      }
    });
  const onError = (error: unknown) => guard.run('HTTP/2 session error', () => failHttp2Phases(state, error));
  const onClose = () => {
    guard.run('HTTP/2 session close', () => {
      // Closed with a phase still open and no error: destroyed locally while connecting (an SDK timeout
      // or abort destroys the session without an error).
      state.phases?.fail({
        errorType: 'ABORT_ERR',
        message: 'session destroyed before the connection was established',
      });
      state.phases?.detach();
      state.phases = undefined;
      state.idleSince = undefined;
    });
    guard.run('HTTP/2 session metrics', () => closeSessionGauge(state, connected));
    connected = undefined;
    session.removeListener('connect', onConnect);
    session.removeListener('remoteSettings', onSettings);
    session.removeListener('goaway', onGoaway);
    session.removeListener(errorMonitor, onError);
    session.removeListener('close', onClose);
  };
  session.on('connect', onConnect);
  session.on('remoteSettings', onSettings);
  session.on('goaway', onGoaway);
  session.on(errorMonitor, onError);
  session.on('close', onClose);
}

/**
 * Wraps `request` on this session only (an own, non-enumerable property over the prototype's). The
 * alternative, patching `ClientHttp2Session.prototype.request` once, would put us in front of every
 * client session in the process (gRPC's, any library's, ones opened before we were enabled, which we
 * know nothing about), behind a prototype reached only through a live session, and leave a global to
 * restore. Per session, the change stays on objects we watch from birth; it dies with them, and with
 * no consumer left it passes every call straight through.
 */
function wrapRequest(registry: Http2Registry, session: ClientHttp2Session, state: SessionState): void {
  const original = session.request as unknown as SessionRequest;
  if (typeof original !== 'function') return;
  const request = function request(this: ClientHttp2Session, ...args: unknown[]): ClientHttp2Stream {
    if (registry.consumers.size === 0) return Reflect.apply(original, this, args);
    const requestedAt = performance.now();
    // Read without a chance to throw: a `this` that is no session must meet the original's own error.
    const connecting = (this as { connecting?: unknown } | undefined)?.connecting === true;
    const target = guard.value(
      'deciding where to record an HTTP/2 stream',
      () => resolveTarget(registry.consumers, streamHookOptions(state, args[0])),
      undefined,
    );
    // The host's own errors (bad headers, a closed session) pass through unchanged.
    const stream: ClientHttp2Stream = Reflect.apply(original, this, args);
    const grace = target ? shortestGracePeriod(registry.consumers) : undefined;
    beginStream(session, state, stream, target, requestedAt, connecting, grace);
    return stream;
  };
  Object.defineProperty(session, 'request', {
    value: request,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

function authorityOf(authority: unknown): Authority {
  let url: URL | undefined;
  if (authority instanceof URL) url = authority;
  else if (typeof authority === 'string' && URL.canParse(authority)) url = new URL(authority);
  if (url) {
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = Number(url.port) || (url.protocol === 'http:' ? 80 : 443);
    return { protocol: url.protocol, host: host || undefined, port };
  }
  // The legacy object form: { protocol, host | hostname, port }.
  const fields = (authority ?? {}) as {
    protocol?: unknown;
    host?: unknown;
    hostname?: unknown;
    port?: unknown;
  };
  const protocol = typeof fields.protocol === 'string' ? fields.protocol : 'https:';
  const raw = typeof fields.hostname === 'string' ? fields.hostname : fields.host;
  const host = typeof raw === 'string' && raw ? raw.replace(/^\[(.*)\]$/, '$1') : undefined;
  const port = Number(fields.port) || (protocol === 'http:' ? 80 : 443);
  return { protocol, host, port };
}

function originOf(where: Authority): string {
  return `${where.protocol}//${where.host ?? ''}:${where.port ?? ''}`;
}

/** What `ignoreRequestHook` sees for a session: where it goes, as node:http's options would say it. */
function hookOptions(where: Authority): RequestOptions {
  const options: RequestOptions = { protocol: where.protocol };
  if (where.host) {
    options.host = where.host;
    options.hostname = where.host;
  }
  if (where.port) options.port = where.port;
  return options;
}

/** For a stream: the session's options plus the method and path (never other headers). */
function streamHookOptions(state: SessionState, headers: unknown): RequestOptions {
  const options = hookOptions(state);
  const fields = (headers ?? {}) as Record<string, unknown>;
  const method = fields[':method'];
  const path = fields[':path'];
  options.method = typeof method === 'string' ? method : 'GET';
  if (typeof path === 'string') options.path = path;
  return options;
}
