// The exact secret values a signed request carried (issue 15). A server that quotes the request back in
// an error message (an API Gateway or proxy error, `IncompleteSignature`) can write them in any shape:
// raw, percent-encoded, base64, in prose with no key before them. The pattern rules of `redactSecrets`
// catch the shapes they know; removing the request's own values catches the rest.

/** The parts of a signed request that can carry secrets (smithy's HttpRequest has both). */
export interface SecretSource {
  readonly headers?: Record<string, string> | undefined;
  readonly query?: Record<string, string | string[] | null> | undefined;
}

/** Values shorter than this are not removed by value: they would match ordinary words. */
export const MIN_SECRET_LENGTH = 8;

/** Header names (lower case) whose whole value is secret. */
const SECRET_HEADERS = new Set([
  'authorization',
  'x-amz-security-token',
  'x-amz-server-side-encryption-customer-key',
  'x-amz-server-side-encryption-customer-key-md5',
  'x-amz-copy-source-server-side-encryption-customer-key',
  'x-amz-copy-source-server-side-encryption-customer-key-md5',
]);

/** Query parameter names (lower case) whose value is secret (presigned requests). */
const SECRET_QUERY = new Set(['x-amz-signature', 'x-amz-credential', 'x-amz-security-token']);

/** Headers whose value is base64 of a key the caller gave raw (the SDK encodes SSE-C keys). */
const BASE64_OF_RAW = new Set([
  'x-amz-server-side-encryption-customer-key',
  'x-amz-copy-source-server-side-encryption-customer-key',
]);

/**
 * The secret values of the requests, each in the shapes a server can quote it: as sent, percent-encoded,
 * base64; an SSE-C key also as the caller gave it; `Authorization` also as its access key id and signature.
 * Longest first, so a value is removed before a shorter one inside it.
 */
export function requestSecrets(sources: readonly SecretSource[]): string[] {
  const values = new Set<string>();
  for (const source of sources) {
    const headers = source.headers ?? {};
    for (const name of Object.keys(headers)) {
      const lower = name.toLowerCase();
      const value = headers[name];
      if (!SECRET_HEADERS.has(lower) || typeof value !== 'string') continue;
      values.add(value);
      if (lower === 'authorization') addAuthorizationParts(value, values);
      if (BASE64_OF_RAW.has(lower)) addDecoded(value, values);
    }
    const query = source.query ?? {};
    for (const name of Object.keys(query)) {
      if (!SECRET_QUERY.has(name.toLowerCase())) continue;
      const value = query[name];
      for (const one of Array.isArray(value) ? value : [value]) {
        if (typeof one !== 'string') continue;
        values.add(one);
        if (name.toLowerCase() === 'x-amz-credential') values.add(one.split('/')[0] ?? '');
      }
    }
  }
  const forms = new Set<string>();
  for (const value of values) {
    if (value.length < MIN_SECRET_LENGTH) continue;
    forms.add(value);
    forms.add(encodeURIComponent(value));
    forms.add(Buffer.from(value, 'utf8').toString('base64'));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/** `Credential=<access key id>/<scope>` and `Signature=<hex>` of a SigV4 `Authorization` value. */
function addAuthorizationParts(value: string, into: Set<string>): void {
  const credential = /Credential=([^/,\s]+)/.exec(value);
  if (credential?.[1]) into.add(credential[1]);
  const signature = /Signature=([0-9a-fA-F]+)/.exec(value);
  if (signature?.[1]) into.add(signature[1]);
}

/** The key a base64 header value encodes, when it is printable text (a binary key cannot be quoted raw). */
function addDecoded(value: string, into: Set<string>): void {
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  if (/^[\x20-\x7e]+$/.test(decoded)) into.add(decoded);
}

/** `text` with every occurrence of the values (in any letter case) replaced by `REDACTED`. */
export function removeSecretValues(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (out.length < secret.length) continue;
    // Case-insensitive (a proxy may re-case percent-encoding), unless lower-casing changes lengths.
    const folded = out.toLowerCase();
    const caseless = folded.length === out.length;
    const lower = caseless ? folded : out;
    const needle = caseless ? secret.toLowerCase() : secret;
    let at = lower.indexOf(needle);
    if (at === -1) continue;
    let result = '';
    let from = 0;
    while (at !== -1) {
      result += `${out.slice(from, at)}REDACTED`;
      from = at + secret.length;
      at = lower.indexOf(needle, from);
    }
    out = result + out.slice(from);
  }
  return out;
}
