import {
  type MetricScope,
  metricGuard,
  type PoolTally,
  poolTallyOf,
  recordAcquire,
  recordExpectContinue,
  recordQueueWait,
  recordSocketReset,
} from '@wirescope/instrumentation';
import { HTTP_HANDLER_NODE_HTTP2 } from '@wirescope/semconv';

/** What a stream waits for before it can go out: its session's connection, or a slot under the limit. */
export type StreamWait = 'connection' | 'slot';

/**
 * The pool metrics of one node:http2 stream, as node:http's RequestMeter records a request's
 * (request-metrics.ts), made only when its attempt carries a MetricScope. The stream's "connection" is
 * its session, so the pool's moments map to the stream's:
 * - queued (`smithy.client.http.requests.usage` queued, then `http.client.request.time_in_queue` and
 *   `queued_duration`): a stream that joined a session still connecting (not its first stream, whose
 *   wait is the session's setup, as a node:http request that opens a socket is not queued), or one held
 *   at the peer's SETTINGS_MAX_CONCURRENT_STREAMS, until the moment the span side ends its
 *   `wirescope.connection.queue_ms` (http2-observe-stream.ts): one measurement for both;
 * - in flight: from then (or from `session.request()` when it did not wait) until its response is read
 *   to the end or it closes, as the session's active gauge counts it;
 * - acquired (`smithy.client.http.connections.acquire_duration`): `session.request()` → the session can
 *   carry the stream: at once on a connected session with a free slot, at the stream's 'ready' on a
 *   session still connecting, when its slot frees at the limit. A stream that never got that far (its
 *   session failed to connect, it was closed while held) records none, as on node:http;
 * - `wirescope.expect_continue.duration`: an `Expect: 100-continue` stream's wait, measured once with
 *   its span attributes (expect-continue-wait.ts).
 * Every step is guarded; none throws into the host.
 */
export class StreamMeter {
  readonly #scope: MetricScope;
  readonly #host: string | undefined;
  readonly #requestedAt: number;
  readonly #reused: boolean;
  #tally: PoolTally | undefined;
  #waiting: StreamWait | undefined;
  /** Counted in the pool's queued (true) or in-flight (false) requests; undefined: in neither. */
  #queued: boolean | undefined;
  #acquired = false;

  /** `reused`: not the session's first stream (`wirescope.connection.reused`, for the reset counter). */
  constructor(scope: MetricScope, host: string | undefined, requestedAt: number, reused: boolean) {
    this.#scope = scope;
    this.#host = host;
    this.#requestedAt = requestedAt;
    this.#reused = reused;
  }

  /**
   * The stream was requested at `now`: `wait` says what it waits for, if anything; `queued` whether
   * that wait counts as queued (every wait but the opener's wait for its own session).
   */
  begin(now: number, wait: StreamWait | undefined, queued: boolean): void {
    metricGuard.run('counting an HTTP/2 stream', () => {
      this.#waiting = wait;
      this.#queued = wait !== undefined && queued;
      if (this.#queued) this.#pool().queued += 1;
      else this.#pool().inFlight += 1;
      if (wait === undefined) this.#acquire(now);
    });
  }

  /** The wait for `wait` ended at `now` (no-op if the stream was not waiting for it). */
  ready(wait: StreamWait, now: number): void {
    if (this.#waiting !== wait) return;
    this.#waiting = undefined;
    metricGuard.run('counting an HTTP/2 stream', () => {
      if (this.#queued === true) {
        const pool = this.#pool();
        pool.queued -= 1;
        pool.inFlight += 1;
        this.#queued = false;
        recordQueueWait(this.#scope, now - this.#requestedAt, this.#host);
      }
      this.#acquire(now);
    });
  }

  /** The 100-continue wait ended after `ms` (http2-observe-stream.ts, as node:http's RequestMeter). */
  expectEnded(ms: number, endedBy: string): void {
    recordExpectContinue(this.#scope, ms, endedBy, this.#reused, this.#host, HTTP_HANDLER_NODE_HTTP2);
  }

  /** The stream failed; `reset`: the span side called it a socket reset (http2-record-error.ts). */
  failed(reset: boolean): void {
    if (reset) recordSocketReset(this.#scope, this.#reused, this.#host, HTTP_HANDLER_NODE_HTTP2);
  }

  /** The stream is done (its response read to the end, or it closed): out of the counts, once. */
  done(): void {
    const queued = this.#queued;
    if (queued === undefined) return;
    this.#queued = undefined;
    this.#waiting = undefined;
    metricGuard.run('counting an HTTP/2 stream', () => {
      if (queued) this.#pool().queued -= 1;
      else this.#pool().inFlight -= 1;
    });
  }

  #acquire(now: number): void {
    if (this.#acquired) return;
    this.#acquired = true;
    recordAcquire(this.#scope, now - this.#requestedAt, this.#host);
  }

  #pool(): PoolTally {
    this.#tally ??= poolTallyOf(this.#scope, this.#host);
    return this.#tally;
  }
}
