import type { ClientRequest } from 'node:http';
import { safeErrorMessage } from '@wirescope/instrumentation';
import {
  ATTR_ERROR_TYPE,
  ATTR_SOCKET_ERROR,
  ATTR_SOCKET_RESET,
  errorTypeOf,
  isSocketReset,
} from '@wirescope/semconv';
import type { RecordTarget } from './internal-types.js';
import { type ConnectionPhases, failureOf } from './observe-connection.js';

interface NodeErrorLike {
  code?: unknown;
  syscall?: unknown;
  message?: unknown;
}

/**
 * Records a request error on the target and fails the open connection phase. A `socket hang up` that
 * Node raises because the host destroyed the request itself (an SDK timeout or abort) is no reset by
 * the peer: it fails the open phase but adds no `error.type` (the SDK plugin records its own error).
 * Returns the `error.type` recorded (undefined for such a local hang-up).
 */
export function recordRequestError(
  target: RecordTarget,
  req: ClientRequest,
  error: unknown,
  phases: ConnectionPhases | undefined,
): string | undefined {
  const nodeError = (error ?? {}) as NodeErrorLike;
  const message = typeof nodeError.message === 'string' ? nodeError.message : undefined;
  const localHangUp = req.destroyed && nodeError.code === 'ECONNRESET' && message === 'socket hang up';
  if (localHangUp) {
    phases?.fail({
      errorType: 'ABORT_ERR',
      message: 'request destroyed before the connection was established',
    });
    return undefined;
  }
  const errorType = errorTypeOf(error);
  target.record(ATTR_ERROR_TYPE, errorType);
  // Only Node's own socket-level wording (errors with a code or syscall): other messages could carry
  // anything the host put in them. Redacted and bounded by the kernel, as on every handler.
  if (message && (typeof nodeError.code === 'string' || typeof nodeError.syscall === 'string')) {
    const text = safeErrorMessage(error);
    if (text) target.record(ATTR_SOCKET_ERROR, text);
  }
  // Written on every failed request, false included (the undici producer writes it the same way).
  target.record(ATTR_SOCKET_RESET, isSocketReset(errorType));
  phases?.fail(failureOf(error));
  return errorType;
}
