import { errorMonitor } from 'node:events';
import type { Readable } from 'node:stream';
import { BodyPhase, nowMs } from '@wirescope/instrumentation';
import { ATTR_CONNECTION_ID, ATTR_HTTP_HANDLER, errorTypeOf } from '@wirescope/semconv';
import type { RecordTarget } from './internal-types.js';
import { guard } from './version.js';

/** What the body watcher needs from its request. */
export interface BodyContext {
  readonly target: RecordTarget;
  /** `wirescope.http.handler` of the body span: node-http, node-http2. */
  readonly handler: string;
  readonly connectionId: string | undefined;
  readonly gracePeriodMs: number | undefined;
  /**
   * The peer-side error the request saw after its response started, if any: a reset of the connection
   * (HTTP/1.1, HTTP/2), an RST_STREAM or a GOAWAY that failed the stream (HTTP/2).
   */
  socketError(): unknown;
  /** The peer closed the connection (a FIN) before the last byte: HTTP/1.1's premature end. */
  peerClosed(): boolean;
}

interface NodeErrorLike {
  message?: unknown;
}

type Push = Readable['push'];

/**
 * Watches a response body from its headers to its end, on the body itself (node:http's IncomingMessage,
 * or node:http2's ClientHttp2Stream): a wrapper over the instance's `push` (what Node's HTTP parser, or
 * its HTTP/2 session, calls with each chunk, and with `null` after the last) counts
 * bytes without reading them, and `'end'`, `events.errorMonitor` and `'close'` tell how it ended.
 * No `'data'` or `'readable'` listener: the body's flowing mode is the host's business.
 * - `'end'`: the reader took the last byte (Node frees the socket then) → `complete`;
 * - an error after a socket error (RST: `read ECONNRESET`) or after the peer's FIN → `error`, with the
 *   socket's own code;
 * - `'close'` or an error with neither (the host's `destroy()`, an abort signal) → `aborted`;
 * - neither within the grace period → `unread` (see `BodyPhase`).
 */
export function observeBody(res: Readable, ctx: BodyContext): void {
  const attributes: Record<string, string> = { [ATTR_HTTP_HANDLER]: ctx.handler };
  if (ctx.connectionId) attributes[ATTR_CONNECTION_ID] = ctx.connectionId;
  const phase = new BodyPhase({
    parent: ctx.target.span,
    tracer: ctx.target.tracer,
    startTime: nowMs(),
    attributes,
    gracePeriodMs: ctx.gracePeriodMs,
    body: res,
    now: nowMs,
  });
  const original: Push = res.push;
  const counting: Push = function push(this: Readable, chunk, encoding) {
    const accepted = original.call(this, chunk, encoding);
    guard.run('counting body bytes', () => {
      if (chunk === null) phase.receivedAll();
      else phase.received(chunkLength(chunk), accepted);
    });
    return accepted;
  };
  // Not enumerable: the host's view of its body (Object.keys, spreads) stays what Node gives.
  Object.defineProperty(res, 'push', {
    value: counting,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  const onEnd = () => guard.run('body end', () => phase.complete());
  const onError = (error: unknown) =>
    guard.run('body error', () => {
      const socketError = ctx.socketError();
      if (socketError !== undefined) {
        phase.fail(errorTypeOf(socketError), messageOf(socketError));
      } else if (ctx.peerClosed()) {
        // The peer closed the connection (FIN) before the last byte: Node says `aborted`, ECONNRESET.
        phase.fail(errorTypeOf(error), 'connection closed by the peer before the body ended');
      } else {
        phase.abort();
      }
    });
  const onClose = () => {
    guard.run('body close', () => {
      // Destroyed without an error (the host's `destroy()`) and without its last byte.
      if (phase.open) onError(undefined);
    });
    res.removeListener('end', onEnd);
    res.removeListener(errorMonitor, onError);
    res.removeListener('close', onClose);
  };
  res.on('end', onEnd);
  res.on(errorMonitor, onError);
  res.on('close', onClose);
}

function chunkLength(chunk: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk);
  if (chunk && typeof (chunk as { length?: unknown }).length === 'number') return (chunk as Buffer).length;
  return 0;
}

function messageOf(error: unknown): string | undefined {
  const message = (error as NodeErrorLike | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}
