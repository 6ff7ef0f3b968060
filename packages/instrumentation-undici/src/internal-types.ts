import type { Socket } from 'node:net';
import type { PerformanceObserver } from 'node:perf_hooks';
import type { SpanContext, Tracer } from '@opentelemetry/api';
import type {
  AttemptScope,
  BodyPhase,
  ConnectionGauge,
  MetricScope,
  PoolTally,
} from '@wirescope/instrumentation';

/** A time span in wall-clock milliseconds. */
export interface PhaseWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** `connectParams` of undici's client channels (undici 6 and 7). */
export interface ConnectParams {
  host?: string;
  hostname?: string;
  protocol?: string;
  port?: string | number;
  servername?: string | null;
}

/** A connect undici announced on `beforeConnect` and has not finished yet. */
export interface PendingConnect {
  readonly startMs: number;
  /** The attempt whose request made undici connect (the beforeConnect context). */
  readonly scope: AttemptScope | undefined;
  readonly hostname: string;
}

/** How a connection was opened, kept until its first request is written. */
export interface ConnectRecord {
  readonly startMs: number;
  readonly endMs: number;
  readonly hostname: string;
  readonly tls: boolean;
  /** The SNI name of a TLS connection (undici sends none for an IP literal). */
  readonly servername: string | undefined;
  /** The connector undici connected with (one per Pool, or per lone Client): finds its pool's limit. */
  readonly connector: unknown;
  /** `protocol//host`, the key an undici Agent files the connection's pool under. */
  readonly origin: string | undefined;
  /** The attempt scope current when undici started the connect (the request it connected for). */
  readonly scope: AttemptScope | undefined;
}

/** An undici pool with a finite connection limit, as the kernel's ConnectionGauge takes it. */
export interface PoolLimit {
  /** The per-origin Pool (or lone Client) itself: every connection of one pool counts its limit once. */
  readonly key: object;
  readonly limit: number;
}

/** What we know about one socket undici uses. */
export interface SocketState {
  /** `wirescope.connection.id`. */
  readonly id: string;
  /** How the connection was opened; undefined once traced, or when it opened before we subscribed. */
  connect: ConnectRecord | undefined;
  /** Requests written on this socket so far. */
  requests: number;
  /** When the last request on it completed (for idle time on reuse). */
  lastDoneMs: number | undefined;
  /** The attempt (or active) span that waited for it to open, which later requests on it link to. */
  setup: SpanContext | undefined;
  /** Its place in the open-connection metrics, when a metered request opened it. */
  gauge?: ConnectionGauge | undefined;
}

/** What we know about one undici request we record on. */
export interface RequestState {
  readonly scope: AttemptScope;
  readonly createdMs: number;
  /**
   * Where its wait for a connection starts: `createdMs`, or for a request undici made outside its
   * attempt's context (it waited in a Pool's own queue, no request yet) the attempt's `startMs`.
   */
  readonly waitStartMs: number;
  socket: Socket | undefined;
  headersSentMs: number | undefined;
  bodySentMs: number | undefined;
  /** The response body's phase, from `request:headers` to trailers, error or grace period. */
  body: BodyPhase | undefined;
  /** The pool tally it is counted in flight in, until it is done (metered requests only). */
  inFlight?: PoolTally | undefined;
  /**
   * The pool tally it is counted queued in, from `request:create` until it is written, undici starts
   * a connection for it, or it fails (metered requests only; see connection-metrics.ts).
   */
  queued?: PoolTally | undefined;
  /** `protocol//host` of a metered request, to match a connect to the request it is for. */
  origin?: string | undefined;
}

/** Where facts go when no attempt scope is current (standalone use, e.g. plain `fetch()`). */
export interface ActiveSpanTarget {
  /** A scope on the active span, or undefined when nothing is recording. */
  scopeForActiveSpan(): AttemptScope | undefined;
  /** The shortest body grace period any consumer asked for (undefined: the default). */
  bodyGracePeriodMs(): number | undefined;
}

/** Something that wants undici facts: an enabled instrumentation, or the plugin's switch. */
export interface HubConsumer {
  readonly recordOnActiveSpan: boolean;
  tracer(): Tracer;
  /** Where connection metrics go outside the plugin; undefined: no MeterProvider, no metric work. */
  metrics?(): MetricScope | undefined;
  /** Grace period of a response body before it is `unread`; undefined: the default. */
  readonly bodyGracePeriodMs?: number | undefined;
}

/** A Node perf_hooks `dns` or `net` entry kept until a connection claims it. */
export interface BufferedEntry extends PhaseWindow {
  /** `host` (an IP) for net entries, `hostname` for dns entries. */
  readonly host: string;
  /** Remote port, for net entries. */
  readonly port: number | undefined;
  claimed: boolean;
}

/** A diagnostics-channel subscriber as `diagnostics_channel.subscribe` takes it. */
export type ChannelSubscriber = (message: unknown, name: string | symbol) => void;

/**
 * Everything process-wide, shared by every copy of this package through the kernel's `processState`
 * (`@wirescope/instrumentation-undici:hub`): the first copy to get a consumer subscribes with its own
 * functions and every later copy only adds its consumer, so a connection is recorded once. The
 * functions kept here (subscribers, the perf_hooks observer) are the subscribing copy's, so any copy
 * can unsubscribe exactly what was subscribed.
 */
export interface HubState {
  /** Everyone who asked for facts, from every copy; the subscriptions stay while this is non-empty. */
  readonly consumers: Set<HubConsumer>;
  /** Channel name → the subscriber we gave `diagnostics_channel.subscribe`. */
  readonly subscriptions: Map<string, ChannelSubscriber>;
  /** Requests we record on (created under an attempt scope or an active span). */
  readonly recordedRequests: WeakMap<object, RequestState>;
  /** The socket each request was written on, for every request (recorded or not). */
  readonly socketOfRequest: WeakMap<object, Socket>;
  /** Every socket undici used since we subscribed. */
  readonly sockets: WeakMap<Socket, SocketState>;
  /**
   * Connects announced by `beforeConnect`, per connector function (one per undici Pool/Client), in
   * announce order: `connected` and `connectError` carry the same connector but not the request.
   */
  readonly pendingConnects: WeakMap<object, PendingConnect[]>;
  /** The key of connects announced without a connector. */
  readonly noConnector: object;
  /** Node's recent `dns` lookup entries. */
  readonly dnsEntries: BufferedEntry[];
  /** Node's recent `net` connect entries. */
  readonly netEntries: BufferedEntry[];
  /** The perf_hooks observer filling the entry lists, while subscribed. */
  observer: PerformanceObserver | undefined;
  /** The AWS SDK plugin's switch (`enableUndiciConnectionFacts`), whichever copy turned it on. */
  pluginSwitch: { disable(): void } | undefined;
  /**
   * Metered requests counted queued right now, oldest first. Optional: a hub made by an older copy of
   * this package has none until a request needs it.
   */
  waiting?: Set<RequestState>;
  /**
   * The attempt scopes a request was recorded for: such a scope, current where undici makes another
   * request, is that other request's context, not its attempt. Optional, as `waiting`.
   */
  boundScopes?: WeakSet<AttemptScope>;
}
