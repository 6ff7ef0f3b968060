import {
  type Attributes,
  diag,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_BODY_BYTES,
  ATTR_BODY_OUTCOME,
  ATTR_ERROR_TYPE,
  BODY_OUTCOME_ABORTED,
  BODY_OUTCOME_COMPLETE,
  BODY_OUTCOME_ERROR,
  BODY_OUTCOME_UNREAD,
  ERROR_TYPE_ABORTED,
  SPAN_HTTP_RESPONSE_BODY,
} from '@wirescope/semconv';
import { failureStatus } from './error-message.js';
import { describeError } from './guard.js';

// Called from the host's stream events and timers: failures go to the kernel's component logger.
const log = diag.createComponentLogger({ namespace: '@wirescope/instrumentation' });

/** Default grace period of a response body before it is reported `unread` (issue 18: "a few seconds"). */
export const DEFAULT_BODY_GRACE_PERIOD_MS = 5000;

/**
 * The shortest grace period the consumers (instrumentations, the plugin's switch) asked for, or
 * undefined for the default: several instances may share one socket layer, and the shortest wins.
 */
export function shortestGracePeriod(
  consumers: Iterable<{ readonly bodyGracePeriodMs?: number | undefined }>,
): number | undefined {
  let shortest: number | undefined;
  for (const { bodyGracePeriodMs: ms } of consumers) {
    if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 && (shortest === undefined || ms < shortest))
      shortest = ms;
  }
  return shortest;
}

/** What starts a body phase. */
export interface BodyPhaseStart {
  /** The attempt (or active) span the body belongs to: the body span becomes its child. */
  readonly parent: Span;
  readonly tracer: Tracer;
  /** When the response headers arrived, epoch milliseconds (fractional). */
  readonly startTime: number;
  readonly attributes: Attributes;
  /** See {@link DEFAULT_BODY_GRACE_PERIOD_MS}; non-finite or negative values read as the default. */
  readonly gracePeriodMs: number | undefined;
  /**
   * The object whose life is the body's (Node's IncomingMessage, undici's request). Held through a
   * WeakRef only: the phase never keeps it, its socket or the span alive.
   */
  readonly body: object;
  /** The clock `end` times are read from (epoch milliseconds, fractional). */
  readonly now: () => number;
}

/**
 * The `http.response.body` span of one response, shared by both handlers' producers so that the
 * outcome means the same on each. The span is made when the phase ends (with the start time of the
 * headers), so nothing is open meanwhile, and a body that completes with no byte (a PutObject's empty
 * 200, a HEAD, a 204) makes no span at all. The grace timer is unref'd and holds this object (the
 * parent span and a few numbers), never the body; the producer's listeners on the body hold it too,
 * and die with it. Every method is a no-op once the phase ended, and none throws (a failing tracer
 * goes to `diag`).
 */
export class BodyPhase {
  /** Body bytes received so far. */
  bytes = 0;
  #start: BodyPhaseStart | undefined;
  readonly #body: WeakRef<object>;
  readonly #graceMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #allReceived = false;
  #backpressured = false;
  #bytesAtLastCheck = 0;

  constructor(start: BodyPhaseStart) {
    // Keep the start facts, not the body: `start.body` is only ever held through the WeakRef.
    const { body, ...rest } = start;
    this.#start = rest as BodyPhaseStart;
    this.#body = new WeakRef(body);
    const grace = start.gracePeriodMs;
    this.#graceMs =
      typeof grace === 'number' && Number.isFinite(grace) && grace >= 0
        ? grace
        : DEFAULT_BODY_GRACE_PERIOD_MS;
    this.#schedule();
  }

  /** True until the phase ended. */
  get open(): boolean {
    return this.#start !== undefined;
  }

  /** `n` more bytes arrived; `accepted` false when the body's buffer is full (the reader is behind). */
  received(n: number, accepted: boolean): void {
    this.bytes += n;
    this.#backpressured = !accepted;
  }

  /** The last byte arrived from the wire (the reader may not have taken it yet). */
  receivedAll(): void {
    this.#allReceived = true;
  }

  /** The last byte was handed on: outcome `complete` (no span for an empty body). */
  complete(): void {
    if (this.bytes === 0) this.#close();
    else this.#end(BODY_OUTCOME_COMPLETE);
  }

  /** The body failed while it flowed: outcome `error`, `error.type`, ERROR status (message redacted, bounded). */
  fail(errorType: string, message: string | undefined): void {
    this.#end(BODY_OUTCOME_ERROR, errorType, failureStatus(errorType, message));
  }

  /** The caller stopped the body: outcome `aborted`, `error.type` = `ABORT_ERR`, status left unset. */
  abort(): void {
    this.#end(BODY_OUTCOME_ABORTED, ERROR_TYPE_ABORTED);
  }

  /** The body was dropped unfinished (garbage-collected, its request cancelled without a reason): `unread`. */
  dropped(): void {
    this.#end(BODY_OUTCOME_UNREAD);
  }

  /** Ends the phase with no span (the producer stops watching). */
  #close(): BodyPhaseStart | undefined {
    const start = this.#start;
    this.#start = undefined;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    return start;
  }

  #end(outcome: string, errorType?: string, errorMessage?: string): void {
    const start = this.#close();
    if (!start) return;
    try {
      const attributes: Attributes = {
        ...start.attributes,
        [ATTR_BODY_OUTCOME]: outcome,
        [ATTR_BODY_BYTES]: this.bytes,
      };
      if (errorType !== undefined) attributes[ATTR_ERROR_TYPE] = errorType;
      const span = start.tracer.startSpan(
        SPAN_HTTP_RESPONSE_BODY,
        { kind: SpanKind.INTERNAL, startTime: start.startTime, attributes },
        trace.setSpan(ROOT_CONTEXT, start.parent),
      );
      if (errorMessage !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage });
      span.end(Math.max(start.startTime, start.now()));
    } catch (error) {
      // Called from the host's stream events and timers: a tracer that throws stays ours.
      log.warn('could not record the response body span', describeError(error));
    }
  }

  #schedule(): void {
    const timer = setTimeout(() => this.#check(), this.#graceMs);
    timer.unref();
    this.#timer = timer;
  }

  // At the end of each grace period: a body still moving (bytes arrived since the last check, the
  // reader keeping up) gets another period; one that stopped with all its bytes in, or with its buffer
  // full, or that was garbage-collected, is `unread`. A server that stalls while the reader waits is
  // no reader's fault: the phase stays open until bytes, an error or the reader's abort.
  #check(): void {
    this.#timer = undefined;
    if (!this.#start) return;
    const stalled = this.bytes === this.#bytesAtLastCheck && this.#backpressured;
    if (this.#allReceived || stalled || this.#body.deref() === undefined) {
      this.#end(BODY_OUTCOME_UNREAD);
      return;
    }
    this.#bytesAtLastCheck = this.bytes;
    this.#schedule();
  }
}
