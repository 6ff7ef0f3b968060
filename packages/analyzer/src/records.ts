import type { FindingCode } from '@wirescope/semconv';
import type { Finding } from './types.js';

/** A connection phase, from the `dns.lookup` / `tcp.connect` / `tls.handshake` span names. */
export type PhaseKind = 'dns' | 'tcp' | 'tls';

/** Times kept by every record: start in ms since the epoch (float), exact duration in ms. */
interface TimedRecord {
  traceId: string;
  spanId: string;
  startMs: number;
  durationMs: number;
  /** Span status is error. */
  error: boolean;
}

/** What the rules need of an operation span (`rpc.system=aws-api`); everything else is dropped. */
export interface OperationRecord extends TimedRecord {
  name: string;
  service: string | undefined;
  method: string | undefined;
  errorType: string | undefined;
  signingRegion: string | undefined;
  callerRegion: string | undefined;
  clientRegion: string | undefined;
  bucketRegion: string | undefined;
  bucket: string | undefined;
  keyPrefix: string | undefined;
  regionMismatch: boolean;
  /** `wirescope.event_stream`: the SDK ran the call as an event stream (its own HTTP/2 session). */
  eventStream: boolean;
  /** `wirescope.region.redirects`, or the count of `wirescope.region.redirect` events when larger. */
  redirects: number;
  /** True when a `wirescope.*` attribute says the plugin made this span (not another instrumentation). */
  wirescope: boolean;
  /** True when `callerRegion` is the resource's `cloud.region` (the span did not say). */
  callerRegionFromResource: boolean;
  /** Attempts found under it (set at finish), by attempt number. */
  attempts: AttemptRecord[];
}

/** One connection phase under an attempt (several spans of one kind are summed). */
export interface PhaseRecord extends TimedRecord {
  parentSpanId: string;
  kind: PhaseKind;
}

/** What an attempt on an HTTP/2 session says of its stream (each undefined when the span did not say). */
export interface Http2Facts {
  /** `wirescope.http2.streams_in_flight`: streams open on the session before this one. */
  streamsInFlight: number | undefined;
  /** `wirescope.http2.max_concurrent_streams`: the peer's SETTINGS_MAX_CONCURRENT_STREAMS (undefined: none). */
  maxConcurrentStreams: number | undefined;
  /** `wirescope.http2.goaway_code`: a GOAWAY the peer sent while the stream was open (0: NO_ERROR). */
  goawayCode: number | undefined;
  /** `wirescope.http2.rst_stream_code`: the non-zero RST_STREAM code that ended the stream. */
  rstStreamCode: number | undefined;
  /**
   * `wirescope.http2.previous_goaway_code`, on the attempt that opened a session: the peer had closed
   * the origin's previous session with this GOAWAY while it sat idle (why a new session was needed).
   */
  previousGoawayCode: number | undefined;
}

/** What the rules need of an attempt span (`wirescope.attempt`). */
export interface AttemptRecord extends TimedRecord {
  parentSpanId: string | undefined;
  name: string;
  attempt: number;
  reused: boolean | undefined;
  connectionId: string | undefined;
  /** `service.instance.id`, `host.name` or `process.pid` of the resource: connection ids are per process. */
  origin: string;
  idleMs: number | undefined;
  queueMs: number | undefined;
  serverAddress: string | undefined;
  serverPort: number | undefined;
  httpMethod: string | undefined;
  statusCode: number | undefined;
  errorType: string | undefined;
  socketReset: boolean;
  socketError: string | undefined;
  tlsVersion: string | undefined;
  expectContinue: boolean;
  expectWaitMs: number | undefined;
  ttfbMs: number | undefined;
  bodySize: number | undefined;
  handler: string | undefined;
  keepAlive: boolean | undefined;
  maxSockets: number | undefined;
  oneOff: boolean;
  /** `wirescope.body.outcome` of the attempt's `http.response.body` span, when there was one. */
  bodyOutcome: string | undefined;
  /** Duration (ms) of that body span: headers to last byte, error, abort, or the end of the grace period. */
  bodyMs: number | undefined;
  /** `wirescope.connection.requests` of a failed attempt: requests the connection had carried, this one included. */
  connectionRequests: number | undefined;
  /**
   * `wirescope.timeout.request_ms`, `.connection_ms`, `.socket_ms` of an attempt that lasted ≥ 1 s (0: none
   * in effect; undefined: not recorded, or a shorter attempt).
   */
  requestTimeoutMs: number | undefined;
  connectionTimeoutMs: number | undefined;
  socketTimeoutMs: number | undefined;
  /** `wirescope.expect_continue.ended_by`: `server` or `timer`. */
  expectEndedBy: string | undefined;
  /**
   * The stream's facts when the attempt ran on an HTTP/2 session (`network.protocol.version` 2 or the
   * `node-http2` handler), else undefined. Its `connectionId` is the session's.
   */
  http2: Http2Facts | undefined;
  // ---- resolved at finish ----
  /** The operation (a new object on each read: compare `callKey`, not operations). */
  operation: OperationRecord | undefined;
  /** The same number for the attempts of one call (an attempt without an operation is a call of its own). */
  readonly callKey: number;
  phases: Partial<Record<PhaseKind, PhaseRecord>>;
  /** True when a phase of this kind was found under the attempt (`phases` without building it). */
  hasPhase(kind: PhaseKind): boolean;
  /** Duration of the phase of this kind, if there is one. */
  phaseMs(kind: PhaseKind): number | undefined;
  /** True when the phase of this kind is there and did not end in error. */
  phaseOk(kind: PhaseKind): boolean;
  /** The next attempt of the same call, if any. */
  next: AttemptRecord | undefined;
  /** `origin|host:port` (host `(unknown host)` when absent): the key connections are pooled by, one string per key. */
  readonly poolKey: string;
  /** `origin|host`, whatever the port: one string per key. */
  readonly hostKey: string;
  /** The previous attempt of the same call, if any. */
  previous: AttemptRecord | undefined;
  /** True when it opened a connection (`reused=false`, else a tcp/tls phase under it). */
  isNew: boolean;
  /**
   * Inferred from another instrumentation's HTTP client span (instrumentation-http, -undici): its
   * number is its place in the call, and `reused` is known only when instrumentation-net recorded
   * connections in the same process.
   */
  inferred: boolean;
}

/** Everything a rule sees. */
export interface RuleContext {
  /** Operation spans that followed region redirects (`redirects` > 0), by start. */
  redirected: OperationRecord[];
  /** Every attempt, sorted by start. */
  attempts: AttemptRecord[];
  /** Region the caller runs in when spans do not say (AnalyzeOptions.callerRegion). */
  callerRegion: string | undefined;
}

/** One rule: one finding code, zero or more findings (one per host, bucket or region pair). */
export interface Rule {
  code: FindingCode;
  run(context: RuleContext): Finding[];
}
