import type { Socket } from 'node:net';
import type { AttemptScope, BodyPhase } from '@wirescope/instrumentation';

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
}

/** What we know about one undici request we record on. */
export interface RequestState {
  readonly scope: AttemptScope;
  readonly createdMs: number;
  socket: Socket | undefined;
  headersSentMs: number | undefined;
  bodySentMs: number | undefined;
  /** The response body's phase, from `request:headers` to trailers, error or grace period. */
  body: BodyPhase | undefined;
}

/** Where facts go when no attempt scope is current (standalone use, e.g. plain `fetch()`). */
export interface ActiveSpanTarget {
  /** A scope on the active span, or undefined when nothing is recording. */
  scopeForActiveSpan(): AttemptScope | undefined;
  /** The shortest body grace period any consumer asked for (undefined: the default). */
  bodyGracePeriodMs(): number | undefined;
}
