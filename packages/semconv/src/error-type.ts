/** Shared classification of socket errors into `error.type` values, for every producer. */

/** Error codes that mean the peer reset or closed the socket under a request. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED']);

interface ErrorLike {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
}

/**
 * The real code of an error: its own `code`, else the `code` of its `cause` chain (fetch wraps the
 * socket error in `TypeError: fetch failed`), else its name. The SDK relabels socket errors as
 * `TimeoutError`, so `code` always wins over `name`.
 */
export function errorTypeOf(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as ErrorLike).code;
    if (typeof code === 'string' && code.length > 0) return code;
    current = (current as ErrorLike).cause;
  }
  if (error && typeof error === 'object') {
    const name = (error as ErrorLike).name;
    if (typeof name === 'string' && name.length > 0) return name;
  }
  return 'Error';
}

/** True when the error type means the peer reset or closed the socket (RST, FIN, broken pipe). */
export function isSocketReset(errorType: string): boolean {
  return RESET_CODES.has(errorType);
}
