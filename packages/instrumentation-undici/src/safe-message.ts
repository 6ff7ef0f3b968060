import { redactSecrets } from '@wirescope/instrumentation';

// Socket error messages are short ('other side closed', 'read ECONNRESET'), but a message can quote a
// URL or header: redacted (semconv `redactSecrets`) before anything reaches a span.
const MAX_LENGTH = 256;

/** The message of an error (or of the first `cause` that has one), redacted and truncated. */
export function safeErrorMessage(error: unknown): string | undefined {
  let current: unknown = error;
  // `TypeError: fetch failed` says nothing: the socket's own wording is in `cause`.
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const { message, cause } = current as { message?: unknown; cause?: unknown };
    if (typeof message === 'string' && message.length > 0 && !(message === 'fetch failed' && cause)) {
      const redacted = redactSecrets(message);
      return redacted.length > MAX_LENGTH ? `${redacted.slice(0, MAX_LENGTH - 1)}…` : redacted;
    }
    current = cause;
  }
  return undefined;
}
