import { performance } from 'node:perf_hooks';
import { roundMs } from '@wirescope/instrumentation';
import {
  ATTR_EXPECT_CONTINUE,
  ATTR_EXPECT_CONTINUE_ENDED_BY,
  ATTR_EXPECT_CONTINUE_WAIT_MS,
  EXPECT_CONTINUE_ENDED_BY_SERVER,
  EXPECT_CONTINUE_ENDED_BY_TIMER,
} from '@wirescope/semconv';
import type { RecordTarget } from './internal-types.js';
import { guard } from './version.js';

/** Where a wait's `wirescope.expect_continue.duration` goes: the request's or the stream's meter. */
export interface ExpectContinueMeter {
  /** The wait ended after `ms` (unrounded), `endedBy` server | timer. */
  expectEnded(ms: number, endedBy: string): void;
}

/** True for an `expect` header value that asks for `100 Continue`. */
export function asksForContinue(value: unknown): boolean {
  return typeof value === 'string' && value.toLowerCase() === '100-continue';
}

/**
 * The `Expect: 100-continue` wait of one request, the same on node:http and node:http2 (the SDK writes
 * both bodies through smithy node-http-handler's `writeRequestBody`): made once its headers carry the
 * expectation, it records how the wait ended (the server: a `100 Continue` or a final answer came first;
 * the timer: the body went out with no answer) and, when it knows when the headers went out, how long it
 * ran, on the span side and in `wirescope.expect_continue.duration` when the attempt has a meter. The
 * first ending counts; later ones are ignored.
 */
export class ExpectContinueWait {
  readonly #target: RecordTarget;
  readonly #meter: ExpectContinueMeter | undefined;
  readonly #sentAt: () => number | undefined;
  #ended = false;

  /** `sentAt`: when the headers went out (the connection or stream could carry them), if yet known. */
  constructor(
    target: RecordTarget,
    meter: ExpectContinueMeter | undefined,
    sentAt: () => number | undefined,
  ) {
    this.#target = target;
    this.#meter = meter;
    this.#sentAt = sentAt;
    target.record(ATTR_EXPECT_CONTINUE, true);
  }

  /** The server's `100 Continue` came ('continue'). */
  answered(): void {
    this.#end(EXPECT_CONTINUE_ENDED_BY_SERVER, performance.now());
  }

  /** A final answer came before any `100 Continue` (a 417, an error): ended by the server, no wait. */
  finalAnswer(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#target.record(ATTR_EXPECT_CONTINUE_ENDED_BY, EXPECT_CONTINUE_ENDED_BY_SERVER);
  }

  /**
   * The body started with no answer from the server: the SDK's fallback timer sent it (smithy
   * node-http-handler `writeRequestBody`: max(6 s, requestTimeout)), or a client that does not wait.
   * The wait then ran from the headers to the body (`at`: a buffer's request end, 'finish').
   */
  bodyWithoutAnswer(at = performance.now()): void {
    this.#end(EXPECT_CONTINUE_ENDED_BY_TIMER, at);
  }

  /**
   * A streamed body starts ('pipe'). A 'continue' listener of the host's added before ours may pipe the
   * body inside that emit, before ours ran: judged after it, with the time of the pipe.
   */
  piped(): void {
    if (this.#ended) return;
    const at = performance.now();
    queueMicrotask(() => guard.run('request pipe', () => this.bodyWithoutAnswer(at)));
  }

  #end(endedBy: string, at: number): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#target.record(ATTR_EXPECT_CONTINUE_ENDED_BY, endedBy);
    const start = this.#sentAt();
    if (start === undefined) return;
    this.#target.record(ATTR_EXPECT_CONTINUE_WAIT_MS, roundMs(at - start));
    this.#meter?.expectEnded(at - start, endedBy);
  }
}
