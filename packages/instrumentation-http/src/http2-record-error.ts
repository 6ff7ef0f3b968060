import { safeErrorMessage } from '@wirescope/instrumentation';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP2_RST_STREAM_CODE,
  ATTR_SOCKET_ERROR,
  ATTR_SOCKET_RESET,
  errorTypeOf,
  isSocketReset,
} from '@wirescope/semconv';
import type { SessionState, StreamState } from './http2-internal-types.js';
import { failureOf } from './observe-connection.js';

interface NodeErrorLike {
  code?: unknown;
  syscall?: unknown;
  message?: unknown;
  cause?: unknown;
}

/**
 * Records a stream's failure on its attempt, as node:http's record-error.ts does for a request:
 * `error.type` (the real code), `wirescope.socket.error` (Node's own wording only), and
 * `wirescope.socket.reset`, written on every failed stream. HTTP/2 has three ways for the peer to drop a
 * request, classified as follows:
 * - the transport reset under the session (`ECONNRESET`, `EPIPE`: the socket's own code, which Node gives
 *   every open stream): a reset, exactly as on HTTP/1.1;
 * - the peer sent GOAWAY while the stream was open (Node fails the stream with `ERR_HTTP2_SESSION_ERROR`
 *   for a GOAWAY with an error code, or it is refused, below): the peer closed the connection under the
 *   request, the HTTP/2 form of HTTP/1.1's FIN with no response ("socket hang up"): a reset;
 * - RST_STREAM REFUSED_STREAM (7): the request was not processed and is safe to retry. nghttp2 refuses
 *   the streams above a GOAWAY's last stream id: that is the GOAWAY case above (a reset). A peer that
 *   refuses a stream on a live session, with no GOAWAY, is turning work away (over its stream limit,
 *   a burst on a cold session sent before its SETTINGS came, load shedding): the session is healthy and
 *   the SDK retries on it, so no reset, and the analyzer does not call the session stale. Any other
 *   RST_STREAM code (INTERNAL_ERROR, CANCEL, …) is the server failing one stream on a healthy session:
 *   no reset. `wirescope.http2.rst_stream_code` tells which.
 * A stream that never got going because its session failed to connect is cancelled by Node
 * (`ERR_HTTP2_STREAM_CANCEL`) with the session's error as `cause`: its `error.type` is that cause's code
 * (`ECONNREFUSED`, a TLS code), as on HTTP/1.1.
 * Returns the `wirescope.socket.reset` it recorded (undefined: no target, nothing recorded), which the
 * stream's `wirescope.socket.resets` counts.
 */
export function recordStreamError(
  current: StreamState,
  session: SessionState,
  error: unknown,
): boolean | undefined {
  const { target, stream } = current;
  if (!target) return undefined;
  const nodeError = (error ?? {}) as NodeErrorLike;
  const real = nodeError.code === 'ERR_HTTP2_STREAM_CANCEL' && nodeError.cause ? nodeError.cause : error;
  const errorType = errorTypeOf(real);
  target.record(ATTR_ERROR_TYPE, errorType);
  const { code, syscall, message } = (real ?? {}) as NodeErrorLike;
  if (typeof message === 'string' && (typeof code === 'string' || typeof syscall === 'string')) {
    const text = safeErrorMessage(real);
    if (text) target.record(ATTR_SOCKET_ERROR, text);
  }
  // The RST_STREAM code, only when one ended the stream: Node fails a stream reset by the peer (or
  // refused by nghttp2 above a GOAWAY's last stream id) with ERR_HTTP2_STREAM_ERROR. A stream Node
  // destroys for another error (the socket reset under the session) carries the local code
  // INTERNAL_ERROR, which no peer sent; one the host closed (an SDK timeout: CANCEL) fails with none.
  const rstCode =
    nodeError.code === 'ERR_HTTP2_STREAM_ERROR' && typeof stream.rstCode === 'number' && stream.rstCode !== 0
      ? stream.rstCode
      : undefined;
  if (rstCode !== undefined) target.record(ATTR_HTTP2_RST_STREAM_CODE, rstCode);
  const reset = isSocketReset(errorType) || session.goawayCode !== undefined;
  target.record(ATTR_SOCKET_RESET, reset);
  return reset;
}

/** Node's codes for a stream the peer failed: its RST_STREAM, or its GOAWAY under the stream. */
const PEER_STREAM_ERRORS: ReadonlySet<string> = new Set([
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
]);

/**
 * True for a stream error that came from the peer or the network (the connection reset, an RST_STREAM,
 * a GOAWAY), not from the host (its own `destroy(error)`, an abort): a response body it ends is
 * `error`, not `aborted`.
 */
export function isPeerError(error: unknown): boolean {
  const code = (error as NodeErrorLike | undefined)?.code;
  if (typeof code === 'string' && PEER_STREAM_ERRORS.has(code)) return true;
  return isSocketReset(errorTypeOf(error));
}

/** A session error while connecting fails its open connection phase (on the attempt that opened it). */
export function failHttp2Phases(session: SessionState, error: unknown): void {
  if (!session.phases) return;
  session.phases.fail(failureOf(error));
  session.phases = undefined;
}
