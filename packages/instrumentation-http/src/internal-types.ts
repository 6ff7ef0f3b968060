import type { ClientRequest, RequestOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Span, SpanContext, Tracer } from '@opentelemetry/api';
import type { FactValue, MetricScope } from '@wirescope/instrumentation';
import type { AttributeName } from '@wirescope/semconv';

/** Where one request's facts go: an SDK attempt scope, or the span active at `addRequest`. */
export interface RecordTarget {
  /** Parent of the phase spans. */
  readonly span: Span;
  /** Tracer the phase spans are started with. */
  readonly tracer: Tracer;
  /** Records one fact on the attempt (or active span). */
  record(key: AttributeName, value: FactValue): void;
  /** Where connection metrics go; absent when no MeterProvider is registered (no metric work). */
  readonly metrics?: MetricScope | undefined;
}

/** One party that asked for connection facts: an instrumentation instance or the SDK plugin switch. */
export interface Consumer {
  /** Records on the active span when no attempt scope is current. */
  readonly recordOnActiveSpan: boolean;
  /** The tracer for phase spans in active-span mode. */
  tracer(): Tracer;
  /** Where connection metrics go in active-span mode; undefined: no MeterProvider, no metric work. */
  metrics?(): MetricScope | undefined;
  /** True when this consumer wants nothing recorded for the request. */
  ignores(options: RequestOptions): boolean;
  /** Grace period of a response body before it is `unread`; undefined: the default. */
  readonly bodyGracePeriodMs?: number | undefined;
}

/** The node:http Agent members we read, beyond what @types/node declares. */
export interface AgentInternals {
  keepAlive?: boolean;
  maxSockets?: number;
  totalSocketCount?: number;
  requests?: Record<string, ClientRequest[] | undefined>;
  defaultPort?: number;
  addRequest: AddRequest;
}

/** `Agent.prototype.addRequest` as node:http calls it (the legacy form passes a host string). */
export type AddRequest = (
  this: AgentInternals,
  req: ClientRequest,
  options: RequestOptions | string,
  ...legacy: unknown[]
) => void;

/** What we know about one socket, for its whole life. */
export interface SocketState {
  /** Stable connection id, `c<pid>-<n>` (the kernel's `nextConnectionId`). */
  readonly id: string;
  /** Requests carried, counted since we first saw the socket. */
  requests: number;
  /** False when the socket was opened before we were enabled: its request count is unknown. */
  readonly countedFromStart: boolean;
  /** performance.now() when it last went idle (previous request closed), if it did. */
  idleSince: number | undefined;
  /** The span of the request that opened it (its attempt), which later requests on it link to. */
  readonly setup: SpanContext | undefined;
}

/**
 * State shared by every copy of this package in the process (the kernel's `processState`): one patch,
 * one set of consumers.
 */
export interface PatchRegistry {
  /** Everyone who asked for facts; the patch stays while this is non-empty. */
  readonly consumers: Set<Consumer>;
  /** The `addRequest` we replaced. */
  original: AddRequest | undefined;
  /** Our replacement, to check before restoring. */
  wrapper: AddRequest | undefined;
  /** Per-socket state; weak, so sockets die when Node is done with them. */
  readonly sockets: WeakMap<Socket, SocketState>;
  /** Requests each agent carried, for the one-off agent heuristic. */
  readonly agentRequests: WeakMap<object, number>;
}
