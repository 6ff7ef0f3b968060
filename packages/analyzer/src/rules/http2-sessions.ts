import { isSocketReset } from '@wirescope/semconv';
import type { AttemptRecord } from '../records.js';
import { peakConcurrency, plural } from './rule-helpers.js';

/** HTTP/2 error codes the rules name (RFC 9113 §7), by code. */
const HTTP2_ERROR_NAMES: Readonly<Record<number, string>> = {
  0: 'NO_ERROR',
  1: 'PROTOCOL_ERROR',
  2: 'INTERNAL_ERROR',
  3: 'FLOW_CONTROL_ERROR',
  4: 'SETTINGS_TIMEOUT',
  5: 'STREAM_CLOSED',
  6: 'FRAME_SIZE_ERROR',
  7: 'REFUSED_STREAM',
  8: 'CANCEL',
  9: 'COMPRESSION_ERROR',
  10: 'CONNECT_ERROR',
  11: 'ENHANCE_YOUR_CALM',
  12: 'INADEQUATE_SECURITY',
  13: 'HTTP_1_1_REQUIRED',
};

/** GOAWAY / RST_STREAM NO_ERROR: a graceful shutdown. */
export const HTTP2_NO_ERROR = 0;
/** RST_STREAM REFUSED_STREAM: the peer did not process the stream (safe to retry). */
export const HTTP2_REFUSED_STREAM = 7;

/** `REFUSED_STREAM (7)`: an HTTP/2 error code by name. */
export function http2ErrorName(code: number): string {
  const name = HTTP2_ERROR_NAMES[code];
  return name === undefined ? `code ${code}` : `${name} (${code})`;
}

/** True when every attempt ran on an HTTP/2 session (and there is one). */
export function allHttp2(attempts: readonly AttemptRecord[]): boolean {
  return attempts.length > 0 && attempts.every((a) => a.http2 !== undefined);
}

/**
 * True when the peer dropped a stream of an HTTP/2 session under it, the analogue of writing into a
 * dead keep-alive socket: the transport under the session reset (ECONNRESET, EPIPE); the stream failed
 * under a GOAWAY with an error code; or the stream refused (RST_STREAM REFUSED_STREAM) after the peer's
 * GOAWAY (nghttp2 refuses the streams above its last stream id: the session was closing under the
 * request, a graceful GOAWAY NO_ERROR included). A refusal with no GOAWAY is the peer turning one
 * stream away on a live session (over its stream limit, a burst before its SETTINGS, load shedding;
 * the producer writes no reset): not a dead session. A stream that completed under any GOAWAY is no
 * reset. Any other RST_STREAM (INTERNAL_ERROR, CANCEL) is the server failing one stream on a live
 * session.
 */
export function isHttp2SessionReset(attempt: AttemptRecord): boolean {
  const h2 = attempt.http2;
  if (h2 === undefined) return false;
  if (isSocketReset(attempt.errorType ?? '')) return true;
  if (!attempt.error && attempt.errorType === undefined) return false;
  if (h2.rstStreamCode === HTTP2_REFUSED_STREAM) return h2.goawayCode !== undefined;
  if (h2.goawayCode !== undefined) return h2.goawayCode !== HTTP2_NO_ERROR;
  if (h2.rstStreamCode !== undefined) return false;
  return attempt.socketReset;
}

/**
 * What ended an HTTP/2 stream the peer dropped, in words: `GOAWAY INTERNAL_ERROR (2)`,
 * `GOAWAY NO_ERROR (0), RST_STREAM REFUSED_STREAM (7)`, or the error type of a transport reset.
 */
export function http2ResetCause(attempt: AttemptRecord): string {
  const h2 = attempt.http2;
  const frames = [
    ...(h2?.goawayCode !== undefined ? [`GOAWAY ${http2ErrorName(h2.goawayCode)}`] : []),
    ...(h2?.rstStreamCode !== undefined ? [`RST_STREAM ${http2ErrorName(h2.rstStreamCode)}`] : []),
  ];
  return frames.length > 0 ? frames.join(', ') : (attempt.errorType ?? attempt.socketError ?? 'reset');
}

/** The peer's stream limit the attempts saw (the smallest), undefined when none announced one. */
export function streamLimitOf(attempts: readonly AttemptRecord[]): number | undefined {
  let limit: number | undefined;
  for (const a of attempts) {
    const max = a.http2?.maxConcurrentStreams;
    if (max !== undefined && max > 0 && (limit === undefined || max < limit)) limit = max;
  }
  return limit;
}

/**
 * How many connections the attempts' concurrency needs: the peak of requests in flight on HTTP/1.1 (one
 * request a socket); on HTTP/2, where one session carries many streams at once, the peak over the peer's
 * stream limit, rounded up (one session when the peer set no limit).
 */
export function connectionsNeeded(attempts: AttemptRecord[]): number {
  const peak = peakConcurrency(attempts);
  if (!allHttp2(attempts)) return peak;
  const limit = streamLimitOf(attempts);
  return Math.max(1, limit === undefined ? 1 : Math.ceil(peak / limit));
}

/**
 * Operations the SDK runs as event streams over HTTP/2: NodeHttp2Handler gives each its own session
 * (`isEventStream`: never the pooled one; test/http2-event-stream.test.ts shows it for SubscribeToShard),
 * so a session per call is how they work, not churn. The plugin says so itself
 * (`wirescope.event_stream` on the operation span, from the SDK's own decision); this list is for
 * spans that do not carry it.
 */
const HTTP2_EVENT_STREAM_OPERATIONS: ReadonlySet<string> = new Set([
  'SubscribeToShard',
  'StartStreamTranscription',
  'StartMedicalStreamTranscription',
  'StartCallAnalyticsStreamTranscription',
  'StartConversation',
  'InvokeModelWithBidirectionalStream',
]);

/** True when the attempt is an HTTP/2 event-stream call (a session of its own by design). */
export function isHttp2EventStream(attempt: AttemptRecord): boolean {
  if (attempt.http2 === undefined) return false;
  const operation = attempt.operation;
  if (operation?.eventStream) return true;
  const method = operation?.method;
  return method !== undefined && HTTP2_EVENT_STREAM_OPERATIONS.has(method);
}

/**
 * True when the attempt opened a session that replaced one the peer had closed with a GOAWAY while it
 * sat idle (`wirescope.http2.previous_goaway_code`): the server's idle timeout, not the client, made it.
 */
export function replacesIdleClosedSession(attempt: AttemptRecord): boolean {
  return attempt.http2?.previousGoawayCode !== undefined;
}

/** The churn fix on HTTP/2: what opens a session per request, and how to share one. */
export const HTTP2_CHURN_FIX =
  'NodeHttp2Handler with disableConcurrentStreams: true opens a session per request: leave it off (the default) unless a server cannot take concurrent streams, and create the SDK client once, outside the handler, so that its handler keeps one session per host and multiplexes every call on it.';

/** The saturation fix on HTTP/2 (`limit`: the peer's stream limit): more sessions when one is full, or a higher limit. */
export function http2StreamLimitFix(limit: number, peak: number): string {
  const sessions = Math.ceil(peak / limit);
  return `The server allows ${limit} concurrent streams a session and the handler queued the rest on the full one: set new NodeHttp2Handler({ maxConcurrentStreams: ${limit} }) so that it opens another session when one is full (${peak} in flight at peak: ${plural(sessions, 'session')}), or raise the server's SETTINGS_MAX_CONCURRENT_STREAMS, or limit concurrency to ${limit}.`;
}
