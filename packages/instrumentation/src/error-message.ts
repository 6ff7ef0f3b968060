import { redactSecrets } from './redact-secrets.js';

/** Longest error text on a span (status message or `wirescope.socket.error`): one bound for every producer. */
export const MAX_ERROR_MESSAGE = 256;

/** `text` cut to `max` characters, the last one an ellipsis when cut. */
export function bound(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The message of an error (or of the first `cause` that has one), redacted and bounded at
 * {@link MAX_ERROR_MESSAGE}. `TypeError: fetch failed` says nothing: the socket's own wording is in
 * its `cause`. Never throws.
 */
export function safeErrorMessage(error: unknown): string | undefined {
  try {
    let current: unknown = error;
    for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
      const { message, cause } = current as { message?: unknown; cause?: unknown };
      if (typeof message === 'string' && message.length > 0 && !(message === 'fetch failed' && cause))
        return bound(redactSecrets(message), MAX_ERROR_MESSAGE);
      current = cause;
    }
  } catch {}
  return undefined;
}

/** The ERROR status text of a failed phase or body: `type: message`, redacted, bounded at 256. */
export function failureStatus(errorType: string, message: string | undefined): string {
  return bound(redactSecrets(message ? `${errorType}: ${message}` : errorType), MAX_ERROR_MESSAGE);
}
