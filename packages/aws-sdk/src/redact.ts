import { redactSecrets } from '@wirescope/instrumentation';
import { removeSecretValues } from './request-secrets.js';

/** Longest text we put in a span attribute or status message. */
export const MAX_TEXT_LENGTH = 512;

/**
 * Redacts and truncates a message for a span: first the request's own secret values (`requestSecrets`),
 * then the secret shapes `redactSecrets` knows, then the bound.
 */
export function safeMessage(text: string, secrets: readonly string[] = []): string {
  const redacted = redactSecrets(removeSecretValues(text, secrets));
  return redacted.length > MAX_TEXT_LENGTH ? `${redacted.slice(0, MAX_TEXT_LENGTH - 1)}…` : redacted;
}

/** The ERROR status message of a span: `<error.type>: <message>`, redacted and bounded as a whole. */
export function errorStatusMessage(type: string, error: unknown, secrets: readonly string[] = []): string {
  const message = error instanceof Error ? error.message : '';
  return safeMessage(message ? `${type}: ${message}` : type, secrets);
}

/** Longest identifier-like value a server controls (request ids, error codes) that we record. */
export const MAX_ID_LENGTH = 128;

/** Truncates a server-controlled identifier (request id, error code) for a span attribute. */
export function boundedId(text: string): string {
  return text.length > MAX_ID_LENGTH ? `${text.slice(0, MAX_ID_LENGTH - 1)}…` : text;
}
