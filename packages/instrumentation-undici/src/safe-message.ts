// Socket error messages are short ('other side closed', 'read ECONNRESET'), but a message can quote a
// URL or header: redact the values the OTel URL conventions name before anything reaches a span.
// The same rules as @wirescope/aws-sdk `redact.ts` (issue 15); keep the two in step.
const SECRET_PARAMS =
  /((?:X-Amz-(?:Signature|Credential|Security-Token))|Credential|Signature|AWSAccessKeyId|sig|x-amz-server-side-encryption-customer-key(?:-md5)?|Authorization)(["']?\s*(?:[=:]|%3[ad])\s*["']?(?:(?:AWS4-HMAC-SHA256|AWS|Bearer|Basic)\s+)?)((?:%(?!2[026c]|3[bc])|[^\s&"',;<%])+)/gi;

// Secrets quoted in prose or markup, with no key before them (issue 15: "The provided token … has
// expired; customer key … rejected", `<AWSAccessKeyId>…`): access key ids by their shape, and opaque
// runs that look like key material — 20+ base64 characters mixing upper case, lower case and digits
// (session tokens, SSE-C keys and their MD5), or 32+ hex digits (SigV4 signatures).
const ACCESS_KEY_ID = /(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;
const OPAQUE_RUN = /(?:[A-Za-z0-9+/]|%2[bf])+(?:=|%3d){0,2}/gi;

function isKeyMaterial(run: string): boolean {
  const digit = /[0-9]/.test(run);
  if (run.length >= 32 && digit && /^[0-9a-f]+$/i.test(run) && /[a-f]/i.test(run)) return true;
  return run.length >= 20 && digit && /[A-Z]/.test(run) && /[a-z]/.test(run);
}

function redactText(text: string): string {
  return text
    .replace(SECRET_PARAMS, (_m, key: string, sep: string) => `${key}${sep}REDACTED`)
    .replace(ACCESS_KEY_ID, 'REDACTED')
    .replace(OPAQUE_RUN, (run) => (isKeyMaterial(run) ? 'REDACTED' : run));
}

const MAX_LENGTH = 256;

/** The message of an error (or of the first `cause` that has one), redacted and truncated. */
export function safeErrorMessage(error: unknown): string | undefined {
  let current: unknown = error;
  // `TypeError: fetch failed` says nothing: the socket's own wording is in `cause`.
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const { message, cause } = current as { message?: unknown; cause?: unknown };
    if (typeof message === 'string' && message.length > 0 && !(message === 'fetch failed' && cause)) {
      const redacted = redactText(message);
      return redacted.length > MAX_LENGTH ? `${redacted.slice(0, MAX_LENGTH - 1)}…` : redacted;
    }
    current = cause;
  }
  return undefined;
}
