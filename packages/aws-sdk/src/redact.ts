import { redactSecrets } from '@wirescope/semconv';

/** Longest text we put in a span attribute or status message. */
export const MAX_TEXT_LENGTH = 512;

/** Redacts and truncates a message for a span. */
export function safeMessage(text: string): string {
  const redacted = redactSecrets(text);
  return redacted.length > MAX_TEXT_LENGTH ? `${redacted.slice(0, MAX_TEXT_LENGTH - 1)}…` : redacted;
}

/** Longest identifier-like value a server controls (request ids, error codes) that we record. */
export const MAX_ID_LENGTH = 128;

/** Truncates a server-controlled identifier (request id, error code) for a span attribute. */
export function boundedId(text: string): string {
  return text.length > MAX_ID_LENGTH ? `${text.slice(0, MAX_ID_LENGTH - 1)}…` : text;
}
