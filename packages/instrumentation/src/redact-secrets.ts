// Error messages can quote URLs and headers (presigned URLs, `Credential=` scopes, tokens). Redact
// the values the OTel URL conventions name, and anything after a known secret-bearing key, with `=`
// or `:` raw or percent-encoded (`%3D`, `%3A`); an encoded value ends at an encoded `&`, `,`, `;`, `"`
// or space. An `Authorization` scheme word (`AWS4-HMAC-SHA256`, `Bearer`) is kept, its value is not.
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

/**
 * Replaces secret values in free text (error messages a server or socket wrote) with `REDACTED`: the one
 * redaction every producer applies before text reaches a span.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(SECRET_PARAMS, (_match, key: string, sep: string) => `${key}${sep}REDACTED`)
    .replace(ACCESS_KEY_ID, 'REDACTED')
    .replace(OPAQUE_RUN, (run) => (isKeyMaterial(run) ? 'REDACTED' : run));
}
