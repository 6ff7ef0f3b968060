/** Shared classification of socket errors into `error.type` values, for every producer. */

/** Error codes that mean the peer reset or closed the socket under a request. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED']);

interface ErrorLike {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** `error.type` of an SDK timeout with no socket code: the handler gave up waiting for a connection. */
export const ERROR_TYPE_CONNECT_TIMEOUT = 'CONNECT_TIMEOUT';
/** `error.type` of an SDK timeout with no socket code: the socket sat silent past `socketTimeout`. */
export const ERROR_TYPE_SOCKET_TIMEOUT = 'SOCKET_TIMEOUT';
/** `error.type` of an SDK timeout with no socket code: the whole request overran `requestTimeout`. */
export const ERROR_TYPE_REQUEST_TIMEOUT = 'REQUEST_TIMEOUT';

// The SDK's own timers raise `TimeoutError` with no code; their messages (node-http-handler
// set-connection-timeout.js / set-socket-timeout.js, fetch-http-handler request-timeout.js) say which
// wait ran out, which is what a reader of the span needs.
const TIMEOUT_MESSAGES: readonly [RegExp, string][] = [
  [/did not establish a connection|without establishing a connection/i, ERROR_TYPE_CONNECT_TIMEOUT],
  [/socket timed out after .* of inactivity|no activity/i, ERROR_TYPE_SOCKET_TIMEOUT],
  [/did not complete within|request timed? ?out/i, ERROR_TYPE_REQUEST_TIMEOUT],
];

/**
 * The real code of an error: its own `code`, else the `code` of its `cause` chain (fetch wraps the
 * socket error in `TypeError: fetch failed`), else — for the SDK's code-less `TimeoutError` — which wait
 * ran out (`CONNECT_TIMEOUT`, `SOCKET_TIMEOUT`, `REQUEST_TIMEOUT`), else its name. The SDK relabels
 * socket errors as `TimeoutError`, so `code` always wins over `name`.
 */
export function errorTypeOf(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as ErrorLike).code;
    if (typeof code === 'string' && code.length > 0) return code;
    current = (current as ErrorLike).cause;
  }
  if (error && typeof error === 'object') {
    const { name, message } = error as ErrorLike;
    if (name === 'TimeoutError' && typeof message === 'string') {
      for (const [pattern, type] of TIMEOUT_MESSAGES) if (pattern.test(message)) return type;
    }
    if (typeof name === 'string' && name.length > 0) return name;
  }
  return 'Error';
}

/** True when the error type means the peer reset or closed the socket (RST, FIN, broken pipe). */
export function isSocketReset(errorType: string): boolean {
  return RESET_CODES.has(errorType);
}
