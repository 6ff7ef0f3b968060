import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import type { SpanContext } from '@opentelemetry/api';
import type { ConnectionGauge } from '@wirescope/instrumentation';
import type { ExpectContinueWait } from './expect-continue-wait.js';
import type { StreamMeter } from './http2-stream-metrics.js';
import type { Consumer, RecordTarget } from './internal-types.js';
import type { ConnectionPhases } from './observe-connection.js';

/** `http2.connect` as node:http2 exports it. */
export type Connect = (this: unknown, ...args: unknown[]) => ClientHttp2Session;

/** `ClientHttp2Session.prototype.request`, as the session's own `request` calls it. */
export type SessionRequest = (this: ClientHttp2Session, ...args: unknown[]) => ClientHttp2Stream;

/** One stream we watch, from `session.request()` to its 'close'. */
export interface StreamState {
  readonly stream: ClientHttp2Stream;
  /** Where the attempt's facts go; undefined: only counted (no scope, no recording span). */
  readonly target: RecordTarget | undefined;
  /** performance.now() at `session.request()`. */
  readonly requestedAt: number;
  /** Waiting for a free slot under the peer's SETTINGS_MAX_CONCURRENT_STREAMS (inferred, see below). */
  queued: boolean;
  /**
   * performance.now() when the session could carry the stream, so its HEADERS went out: at once on a
   * connected session with a free slot, at 'ready' on one still connecting, when its slot freed at the
   * peer's limit; undefined until then.
   */
  readyAt: number | undefined;
  /** performance.now() when the request side ended ('finish'): the start of time to first byte. */
  finishedAt: number | undefined;
  /** The stream failed (its first error is recorded, later ones are not). */
  errored: boolean;
  /** The peer-side error that failed the stream (connection reset, RST_STREAM, GOAWAY), for its body. */
  peerError: unknown;
  /** The response body's grace period before `unread` (the consumers' shortest), when recorded. */
  readonly gracePeriodMs: number | undefined;
  /** Its pool metrics (http2-stream-metrics.ts), when its attempt carries a MetricScope. */
  readonly meter: StreamMeter | undefined;
  /** Its `Expect: 100-continue` wait, when its attempt records and its headers ask for one. */
  readonly expect: ExpectContinueWait | undefined;
}

/** What we know about one client session (the HTTP/2 "connection"), for its whole life. */
export interface SessionState {
  /** Stable connection id, `c<pid>-<n>` (the kernel's `nextConnectionId`). */
  readonly id: string;
  /** Scheme, host and port of the authority the session was opened for. */
  readonly protocol: string;
  readonly host: string | undefined;
  readonly port: number | undefined;
  /** Streams requested on the session so far (while a consumer was enabled). */
  streams: number;
  /** Streams requested and not yet closed, in request order (the queued ones included). */
  readonly open: Set<StreamState>;
  /** performance.now() when the session last had no open stream; undefined while busy or never. */
  idleSince: number | undefined;
  /** The span of the attempt that opened the session, which later attempts on it link to. */
  readonly setup: SpanContext | undefined;
  /** The peer's first SETTINGS arrived (before it, `remoteSettings` holds nghttp2's assumptions). */
  settingsKnown: boolean;
  /** Error code of the peer's GOAWAY, once one came. */
  goawayCode: number | undefined;
  /** The origin's previous session, closed by the peer's GOAWAY while idle: this one replaces it. */
  readonly replaces: IdleGoaway | undefined;
  /** The connection phases, watched when the session was opened inside an attempt (or a span). */
  phases: ConnectionPhases | undefined;
  /** The peer of the connected socket. */
  peerAddress: string | undefined;
  peerPort: number | undefined;
  /**
   * The session in its endpoint's pool gauges, until it closes; made only when it was opened with a
   * MetricScope (http2-session-metrics.ts).
   */
  gauge: ConnectionGauge | undefined;
}

/** A GOAWAY that came on an idle session: no stream saw it, the origin's next session pays for it. */
export interface IdleGoaway {
  readonly code: number;
  /** How long the session had been idle, ms (rounded). */
  readonly idleMs: number;
}

/**
 * State shared by every copy of this package in the process (the kernel's `processState`): one patch
 * of `http2.connect`, one set of consumers, one state per session.
 */
export interface Http2Registry {
  /** Everyone who asked for HTTP/2 facts; the patch stays while this is non-empty. */
  readonly consumers: Set<Consumer>;
  /** The `connect` we replaced. */
  original: Connect | undefined;
  /** Our replacement, to check before restoring. */
  wrapper: Connect | undefined;
  /** Per-session state; weak, so sessions die when their owner is done with them. */
  readonly sessions: WeakMap<ClientHttp2Session, SessionState>;
  /**
   * Origin (`https://host:port`) → the GOAWAY that closed its last session while idle, until the
   * origin's next session takes it. Strings and numbers only, bounded (MAX_IDLE_GOAWAY_ORIGINS).
   */
  readonly idleGoaways: Map<string, IdleGoaway>;
}
