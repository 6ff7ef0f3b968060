import { errorMonitor } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { BodyPhase, nowMs } from '@wirescope/instrumentation';
import { ATTR_CONNECTION_ID, ATTR_HTTP_HANDLER, errorTypeOf, HTTP_HANDLER_NODE } from '@wirescope/semconv';
import type { RecordTarget } from './internal-types.js';
import { guard } from './version.js';

/** What the body watcher needs from its request. */
export interface BodyContext {
  readonly target: RecordTarget;
  readonly connectionId: string | undefined;
  readonly gracePeriodMs: number | undefined;
  /** The socket error the request saw after its response started, if any (a reset by the peer). */
  socketError(): unknown;
}

interface NodeErrorLike {
  message?: unknown;
}

type Push = IncomingMessage['push'];

/**
 * Watches a response body from its headers to its end, on the body itself: a wrapper over the
 * instance's `push` (what Node's parser calls with each chunk, and with `null` after the last) counts
 * bytes without reading them, and `'end'`, `events.errorMonitor` and `'close'` tell how it ended.
 * No `'data'` or `'readable'` listener: the body's flowing mode is the host's business.
 * - `'end'`: the reader took the last byte (Node frees the socket then) → `complete`;
 * - an error after a socket error (RST: `read ECONNRESET`) or after the peer's FIN → `error`, with the
 *   socket's own code;
 * - `'close'` or an error with neither (the host's `destroy()`, an abort signal) → `aborted`;
 * - neither within the grace period → `unread` (see `BodyPhase`).
 */
export function observeBody(res: IncomingMessage, ctx: BodyContext): void {
  const attributes: Record<string, string> = { [ATTR_HTTP_HANDLER]: HTTP_HANDLER_NODE };
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
  const socket: Socket | null = res.socket;
  const original: Push = res.push;
  const counting: Push = function push(this: IncomingMessage, chunk, encoding) {
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
      } else if (socket?.readableEnded) {
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
