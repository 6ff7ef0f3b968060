import { errorMonitor } from 'node:events';
import type {
  ClientHttp2Session,
  ClientHttp2Stream,
  IncomingHttpHeaders,
  OutgoingHttpHeaders,
} from 'node:http2';
import { performance } from 'node:perf_hooks';
import { linkToConnection, roundMs } from '@wirescope/instrumentation';
import {
  ATTR_CONNECTION_ID,
  ATTR_CONNECTION_IDLE_MS,
  ATTR_CONNECTION_QUEUE_MS,
  ATTR_CONNECTION_REQUESTS,
  ATTR_CONNECTION_REUSED,
  ATTR_HTTP_HANDLER,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP2_GOAWAY_CODE,
  ATTR_HTTP2_MAX_CONCURRENT_STREAMS,
  ATTR_HTTP2_PREVIOUS_GOAWAY_CODE,
  ATTR_HTTP2_PREVIOUS_IDLE_MS,
  ATTR_HTTP2_STREAMS_IN_FLIGHT,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_TTFB_MS,
  HTTP_HANDLER_NODE_HTTP2,
} from '@wirescope/semconv';
import { asksForContinue, ExpectContinueWait } from './expect-continue-wait.js';
import type { SessionState, StreamState } from './http2-internal-types.js';
import { isPeerError, recordStreamError } from './http2-record-error.js';
import { sessionBusy, sessionIdle } from './http2-session-metrics.js';
import { StreamMeter } from './http2-stream-metrics.js';
import type { RecordTarget } from './internal-types.js';
import { observeBody } from './observe-body.js';
import { guard } from './version.js';

/** SETTINGS_MAX_CONCURRENT_STREAMS when the peer sets no limit (2^32 - 1, what Node reports then). */
const UNLIMITED_STREAMS = 4_294_967_295;

/**
 * Right after `session.request()` returned `stream`: counts it on its session, records the attempt's
 * connection facts on `target` (when there is one) and listens to the stream until it closes. Never
 * throws.
 */
export function beginStream(
  session: ClientHttp2Session,
  state: SessionState,
  stream: ClientHttp2Stream,
  target: RecordTarget | undefined,
  requestedAt: number,
  connecting: boolean,
  gracePeriodMs: number | undefined,
): void {
  guard.run('beginning an HTTP/2 stream', () => {
    const inFlight = openStreams(state);
    const first = state.streams === 0;
    state.streams += 1;
    const meter = target?.metrics
      ? new StreamMeter(target.metrics, state.host, requestedAt, !first)
      : undefined;
    const current: StreamState = {
      stream,
      target,
      requestedAt,
      queued: false,
      readyAt: undefined,
      finishedAt: undefined,
      errored: false,
      peerError: undefined,
      gracePeriodMs,
      meter,
      // The HEADERS of an Expect stream go out as soon as the session can carry them (readyAt).
      expect:
        target && asksForContinue(expectHeader(stream.sentHeaders))
          ? new ExpectContinueWait(target, meter, () => current.readyAt)
          : undefined,
    };
    // A stream over the peer's limit is not refused by Node: nghttp2 holds its HEADERS until an open
    // stream closes, and says nothing when it sends them. So the wait is inferred from our own count,
    // ended by the close that freed the slot (see releaseSlots). While the session is still connecting,
    // every stream waits for the connection instead ('ready', below).
    const limit = connecting ? undefined : streamLimit(session);
    if (limit !== undefined && activeStreams(state) >= limit) current.queued = true;
    else if (!connecting) current.readyAt = requestedAt;
    state.open.add(current);
    // The same waits as the span's queue_ms: the opener's wait for its own session is its setup.
    const wait = connecting ? 'connection' : current.queued ? 'slot' : undefined;
    current.meter?.begin(performance.now(), wait, wait === 'slot' || !first);
    if (target) recordStart(session, state, current, target, { inFlight, first, connecting });
    // Busy from now until this stream (and every other) is done.
    state.idleSince = undefined;
    sessionBusy(state);
    listen(session, state, current, first);
  });
}

/** Records the GOAWAY's code on every attempt whose stream is open on the session now. */
export function goawayOnOpenStreams(state: SessionState, code: number): void {
  for (const open of state.open) open.target?.record(ATTR_HTTP2_GOAWAY_CODE, code);
}

interface StartFacts {
  readonly inFlight: number;
  readonly first: boolean;
  readonly connecting: boolean;
}

function recordStart(
  session: ClientHttp2Session,
  state: SessionState,
  current: StreamState,
  target: RecordTarget,
  { inFlight, first, connecting }: StartFacts,
): void {
  target.record(ATTR_HTTP_HANDLER, HTTP_HANDLER_NODE_HTTP2);
  target.record(ATTR_NETWORK_PROTOCOL_VERSION, '2');
  const method = current.stream.sentHeaders?.[':method'];
  if (typeof method === 'string') target.record(ATTR_HTTP_REQUEST_METHOD, method);
  if (state.host) target.record(ATTR_SERVER_ADDRESS, state.host);
  if (state.port) target.record(ATTR_SERVER_PORT, state.port);
  target.record(ATTR_CONNECTION_ID, state.id);
  // The attempt that opened the session carries its first stream (the SDK leases and requests in one
  // go); every later stream rides a session that exists: reused, as a kept-alive socket is.
  target.record(ATTR_CONNECTION_REUSED, !first);
  target.record(ATTR_CONNECTION_REQUESTS, state.streams);
  target.record(ATTR_HTTP2_STREAMS_IN_FLIGHT, inFlight);
  const limit = state.settingsKnown ? streamLimit(session) : undefined;
  if (limit !== undefined && limit !== UNLIMITED_STREAMS)
    target.record(ATTR_HTTP2_MAX_CONCURRENT_STREAMS, limit);
  if (state.goawayCode !== undefined) target.record(ATTR_HTTP2_GOAWAY_CODE, state.goawayCode);
  if (!connecting) recordPeer(state, target);
  if (first) {
    if (state.replaces) {
      target.record(ATTR_HTTP2_PREVIOUS_GOAWAY_CODE, state.replaces.code);
      target.record(ATTR_HTTP2_PREVIOUS_IDLE_MS, state.replaces.idleMs);
    }
    return;
  }
  // Idle only when no stream was open: a stream that multiplexes onto a busy session waited for nothing.
  if (inFlight === 0 && state.idleSince !== undefined) {
    target.record(ATTR_CONNECTION_IDLE_MS, roundMs(current.requestedAt - state.idleSince));
  }
  linkToConnection(target.span, state.setup, state.id);
}

/** The request's `expect` header, whatever the case of its name (the SDK's S3 middleware sets `Expect`). */
function expectHeader(headers: OutgoingHttpHeaders | undefined): unknown {
  if (!headers) return undefined;
  for (const name in headers) if (name.length === 6 && name.toLowerCase() === 'expect') return headers[name];
  return undefined;
}

function recordPeer(state: SessionState, target: RecordTarget): void {
  if (state.peerAddress) target.record(ATTR_NETWORK_PEER_ADDRESS, state.peerAddress);
  if (state.peerPort) target.record(ATTR_NETWORK_PEER_PORT, state.peerPort);
}

function listen(
  session: ClientHttp2Session,
  state: SessionState,
  current: StreamState,
  first: boolean,
): void {
  const { stream } = current;
  const onReady = () =>
    guard.run('HTTP/2 stream ready', () => {
      stream.removeListener('ready', onReady);
      current.readyAt = performance.now();
      current.meter?.ready('connection', current.readyAt);
      if (!current.target || first) return; // the opener's wait is its connection phases
      // Another attempt's session was still connecting: this one waited for it.
      current.target.record(ATTR_CONNECTION_QUEUE_MS, roundMs(performance.now() - current.requestedAt));
      recordPeer(state, current.target);
    });
  const onFinish = () =>
    guard.run('HTTP/2 request end', () => {
      current.finishedAt = performance.now();
      // A buffered body ended with no answer yet: the SDK's fallback timer sent it (expect-continue-wait.ts).
      current.expect?.bodyWithoutAnswer(current.finishedAt);
    });
  // Listeners for Expect streams only (made for them alone).
  const expect = current.expect;
  const onContinue = expect && (() => guard.run('HTTP/2 100 Continue', () => expect.answered()));
  const onPipe = expect && (() => guard.run('HTTP/2 request pipe', () => expect.piped()));
  // The response read to its end: the exchange is over for the host, which may start its next call
  // on the session before the stream's 'close' (observed: up to tens of ms later, on the SDK's
  // `await send(); await send();`).
  const onEnd = () =>
    guard.run('HTTP/2 response end', () => {
      current.meter?.done();
      streamDone(session, state, performance.now());
    });
  const onResponse = (headers: IncomingHttpHeaders) =>
    guard.run('HTTP/2 response', () => {
      const { target } = current;
      if (!target) return;
      // A final answer before any 100 Continue (a 417, an error) ended the wait too.
      current.expect?.finalAnswer();
      const status = Number(headers[':status']);
      if (Number.isInteger(status) && status > 0) target.record(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (current.finishedAt !== undefined) {
        target.record(ATTR_TTFB_MS, roundMs(performance.now() - current.finishedAt));
      }
      // The stream is the response body: watched as node:http's IncomingMessage is. An unsampled
      // attempt (kept for its metrics) has no span to give the body phase.
      if (!target.span.isRecording()) return;
      observeBody(stream, {
        target,
        handler: HTTP_HANDLER_NODE_HTTP2,
        connectionId: state.id,
        gracePeriodMs: current.gracePeriodMs,
        socketError: () => current.peerError,
        peerClosed: () => false,
      });
    });
  const onError = (error: unknown) =>
    guard.run('HTTP/2 stream error', () => {
      if (current.errored) return;
      current.errored = true;
      if (isPeerError(error)) current.peerError = error;
      const reset = recordStreamError(current, state, error);
      current.meter?.failed(reset === true);
    });
  const onClose = () => {
    guard.run('HTTP/2 stream close', () => closeStream(session, state, current));
    stream.removeListener('ready', onReady);
    stream.removeListener('finish', onFinish);
    stream.removeListener('end', onEnd);
    stream.removeListener('response', onResponse);
    stream.removeListener(errorMonitor, onError);
    stream.removeListener('close', onClose);
    if (onContinue) stream.removeListener('continue', onContinue);
    if (onPipe) stream.removeListener('pipe', onPipe);
  };
  if (stream.pending) stream.on('ready', onReady);
  // A body-less request (GET) is ended inside request(): it may have finished already.
  if (stream.writableFinished) {
    current.finishedAt = current.requestedAt;
    current.expect?.bodyWithoutAnswer(current.requestedAt);
  } else stream.on('finish', onFinish);
  // node:http2 emits 'continue' for the peer's 100; the body going out before it is the SDK's fallback
  // timer (a streamed body is piped, a buffer is ended: 'finish').
  if (onContinue) stream.on('continue', onContinue);
  if (onPipe) stream.on('pipe', onPipe);
  stream.on('response', onResponse);
  // An 'end' listener does not make the body flow (only 'data' and 'readable' do).
  stream.on('end', onEnd);
  stream.on(errorMonitor, onError);
  stream.on('close', onClose);
}

function closeStream(session: ClientHttp2Session, state: SessionState, current: StreamState): void {
  state.open.delete(current);
  current.meter?.done();
  streamDone(session, state, performance.now());
}

/**
 * A stream is done (its response ended, or it closed): streams held at the peer's limit may take the
 * slot, and when no stream is open at the HTTP/2 level any more, the session is idle from now.
 */
function streamDone(session: ClientHttp2Session, state: SessionState, now: number): void {
  releaseSlots(session, state, now);
  if (openStreams(state) > 0) return;
  // Out of the active count even while the session closes: its 'close' then counts it out of idle.
  sessionIdle(state);
  if (state.idleSince === undefined && !session.destroyed && !session.closed) state.idleSince = now;
}

/**
 * Streams in flight on the session: requested, and neither closed by nghttp2 (RST_STREAM, or END_STREAM
 * both ways with the body unread) nor read to the end of their response. A stream whose exchange is
 * over no longer counts, even before its JS 'close', which may come after the host's next request:
 * otherwise back-to-back calls would never see the session idle. (The SDK's pool counts a stream
 * until its 'close': that is the pool's bookkeeping, not the session's traffic.)
 */
function openStreams(state: SessionState): number {
  let open = 0;
  for (const { stream } of state.open) if (!stream.closed && !stream.readableEnded) open += 1;
  return open;
}

/**
 * A stream closed: the streams waiting for a slot, oldest first (nghttp2 sends held streams in order),
 * take the slots now free, and their wait ends here. Recorded whatever its size, as node:http records
 * its agent's queue wait, not cut below the kernel's INFERRED_QUEUE_NOISE_MS as fetch's is: whether a
 * stream waited is decided by counting streams against the peer's limit, never by a time difference
 * that holds event-loop turns, so a short wait here is a real one.
 */
function releaseSlots(session: ClientHttp2Session, state: SessionState, now: number): void {
  let active = activeStreams(state);
  const limit = streamLimit(session) ?? Number.POSITIVE_INFINITY;
  for (const open of state.open) {
    if (active >= limit) return;
    if (!open.queued) continue;
    open.queued = false;
    active += 1;
    open.readyAt = now;
    open.target?.record(ATTR_CONNECTION_QUEUE_MS, roundMs(now - open.requestedAt));
    open.meter?.ready('slot', now);
  }
}

/**
 * Streams holding a slot under the peer's limit: sent (not held) and not closed by nghttp2. A stream
 * nghttp2 closed whose body the host has not read yet keeps its JS 'close' until that body is read, but
 * holds no slot (`stream.closed` is already true). Its slot frees with no event, so a stream held behind
 * it is released at the next 'close' we see (or counts no wait, if it closes first): the wait is then
 * late or missing, never invented.
 */
function activeStreams(state: SessionState): number {
  let active = 0;
  for (const open of state.open) if (!open.queued && !open.stream.closed) active += 1;
  return active;
}

/** The peer's current SETTINGS_MAX_CONCURRENT_STREAMS, as nghttp2 enforces it; undefined if unknown. */
function streamLimit(session: ClientHttp2Session): number | undefined {
  if (session.destroyed || session.connecting) return undefined;
  const limit = session.remoteSettings?.maxConcurrentStreams;
  return typeof limit === 'number' && Number.isFinite(limit) && limit >= 0 ? limit : undefined;
}
