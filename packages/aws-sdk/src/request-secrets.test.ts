import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { errorStatusMessage, MAX_TEXT_LENGTH, safeMessage } from './redact.js';
import { MIN_SECRET_LENGTH, removeSecretValues, requestSecrets } from './request-secrets.js';

// Canaries shaped so that the pattern rules of redactSecrets do NOT know them (no AKIA prefix, no digits
// mixed with both cases): only removing the request's own values can catch them in prose.
const KEY_ID = 'WSCANARYKEYIDXXXXXXX';
const TOKEN = 'canary/session+token=lowercase-only';
const SSEC_KEY = 'wirescope-canary-ssec-key-32byte';
const SSEC_B64 = Buffer.from(SSEC_KEY).toString('base64');
const SSEC_MD5 = createHash('md5').update(SSEC_KEY).digest('base64');
const SIGNATURE = 'a'.repeat(32) + 'b'.repeat(32);
const AUTHORIZATION = `AWS4-HMAC-SHA256 Credential=${KEY_ID}/20261203/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIGNATURE}`;

const signedHeaders = {
  Authorization: AUTHORIZATION,
  'X-Amz-Security-Token': TOKEN,
  'x-amz-server-side-encryption-customer-key': SSEC_B64,
  'x-amz-server-side-encryption-customer-key-MD5': SSEC_MD5,
  host: 'bucket.s3.us-east-1.amazonaws.com',
  'x-amz-date': '20261203T210000Z',
  'content-type': 'application/octet-stream',
};

describe('requestSecrets', () => {
  it('takes every secret of a signed request, in every shape a server can quote it', () => {
    const secrets = requestSecrets([{ headers: signedHeaders }]);
    const expected = [AUTHORIZATION, KEY_ID, SIGNATURE, TOKEN, SSEC_B64, SSEC_KEY, SSEC_MD5].flatMap((v) => [
      v,
      encodeURIComponent(v),
      Buffer.from(v).toString('base64'),
    ]);
    expect(new Set(secrets)).toEqual(new Set(expected));
    // Longest first, so a value is removed before a shorter one inside it.
    for (let i = 1; i < secrets.length; i++)
      expect(secrets[i - 1]!.length).toBeGreaterThanOrEqual(secrets[i]!.length);
  });

  it('leaves out the headers that are not secret', () => {
    const secrets = requestSecrets([{ headers: signedHeaders }]).join('\n');
    expect(secrets).not.toContain('bucket.s3.us-east-1.amazonaws.com');
    expect(secrets).not.toContain('20261203T210000Z');
    expect(secrets).not.toContain('application/octet-stream');
  });

  it('takes a presigned query: signature, credential and its access key id, token, array values', () => {
    const credential = `${KEY_ID}/20261203/us-east-1/s3/aws4_request`;
    const secrets = requestSecrets([
      {
        query: {
          'X-Amz-Signature': SIGNATURE,
          'X-Amz-Credential': credential,
          'x-amz-security-token': [TOKEN],
          'X-Amz-Expires': '900',
          'x-id': 'GetObject',
          'X-Amz-Date': null,
        },
      },
    ]);
    for (const value of [SIGNATURE, credential, KEY_ID, TOKEN, encodeURIComponent(credential)]) {
      expect(secrets).toContain(value);
    }
    expect(secrets).not.toContain('900');
    expect(secrets).not.toContain('GetObject');
  });

  it(`ignores values shorter than MIN_SECRET_LENGTH (${MIN_SECRET_LENGTH}) and keeps one of exactly that length`, () => {
    expect(MIN_SECRET_LENGTH).toBe(8);
    expect(requestSecrets([{ headers: { 'x-amz-security-token': 'short12' } }])).toEqual([]);
    expect(requestSecrets([{ headers: { 'x-amz-security-token': 'exactly8' } }])).toContain('exactly8');
  });

  it('does not add a binary SSE-C key as text (it cannot be quoted raw)', () => {
    const binary = Buffer.from([0, 1, 2, 200, 255, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    const b64 = binary.toString('base64');
    const secrets = requestSecrets([{ headers: { 'x-amz-server-side-encryption-customer-key': b64 } }]);
    expect(new Set(secrets)).toEqual(
      new Set([b64, encodeURIComponent(b64), Buffer.from(b64).toString('base64')]),
    );
  });

  it('joins the secrets of every attempt (each attempt signs anew)', () => {
    const second = `${'c'.repeat(64)}`;
    const secrets = requestSecrets([
      { headers: { authorization: `AWS4-HMAC-SHA256 Credential=${KEY_ID}/x, Signature=${SIGNATURE}` } },
      { headers: { authorization: `AWS4-HMAC-SHA256 Credential=${KEY_ID}/x, Signature=${second}` } },
    ]);
    expect(secrets).toContain(SIGNATURE);
    expect(secrets).toContain(second);
  });
});

describe('requestSecrets on odd requests', () => {
  it('copy-source SSE-C key and MD5 (CopyObject, UploadPartCopy)', () => {
    const secrets = requestSecrets([
      {
        headers: {
          'x-amz-copy-source-server-side-encryption-customer-key': SSEC_B64,
          'x-amz-copy-source-server-side-encryption-customer-key-MD5': SSEC_MD5,
        },
      },
    ]);
    for (const value of [SSEC_B64, SSEC_KEY, SSEC_MD5]) expect(secrets).toContain(value);
  });

  it('values that are not strings, and an Authorization with no SigV4 parts, never throw', () => {
    const headers = { 'x-amz-security-token': 12345678, authorization: 'Bearer opaque-bearer-value' };
    const query = { 'X-Amz-Signature': null, 'X-Amz-Security-Token': [null, 'token-in-a-list'] };
    const secrets = requestSecrets([
      {
        headers: headers as unknown as Record<string, string>,
        query: query as unknown as Record<string, string | string[] | null>,
      },
    ]);
    expect(new Set(secrets)).toEqual(
      new Set(
        ['Bearer opaque-bearer-value', 'token-in-a-list'].flatMap((v) => [
          v,
          encodeURIComponent(v),
          Buffer.from(v).toString('base64'),
        ]),
      ),
    );
  });

  it('only the credential is cut at its first slash (a token with a slash stays whole)', () => {
    const secrets = requestSecrets([{ query: { 'X-Amz-Security-Token': 'abcdefghij/rest-of-token' } }]);
    expect(secrets).toContain('abcdefghij/rest-of-token');
    expect(secrets).not.toContain('abcdefghij');
  });

  it('a decoded SSE-C key is added only when all of it is printable', () => {
    const tailPrintable = Buffer.concat([Buffer.from([0, 200, 255]), Buffer.from('printable-tail')]);
    const headPrintable = Buffer.concat([Buffer.from('printable-head'), Buffer.from([0, 200, 255])]);
    for (const key of [tailPrintable, headPrintable]) {
      const b64 = key.toString('base64');
      const secrets = requestSecrets([{ headers: { 'x-amz-server-side-encryption-customer-key': b64 } }]);
      expect(secrets.some((s) => s.includes('printable'))).toBe(false);
    }
  });
});

describe('removeSecretValues', () => {
  it('a text that is the secret and nothing else, and a secret one character in', () => {
    expect(removeSecretValues(TOKEN, [TOKEN])).toBe('REDACTED');
    expect(removeSecretValues(`x${TOKEN}`, [TOKEN])).toBe('xREDACTED');
  });

  it('replaces every occurrence, whatever the letter case of the percent-encoding', () => {
    const encoded = encodeURIComponent(TOKEN); // canary%2Fsession%2Btoken%3Dlowercase-only
    const text = `token ${TOKEN} again ${TOKEN}; encoded ${encoded.toLowerCase()} end`;
    expect(removeSecretValues(text, requestSecrets([{ headers: { 'x-amz-security-token': TOKEN } }]))).toBe(
      'token REDACTED again REDACTED; encoded REDACTED end',
    );
  });

  it('matches exactly when lower-casing would change the text length (no shifted cut)', () => {
    const text = `İstanbul ${TOKEN} tail`;
    expect(removeSecretValues(text, [TOKEN])).toBe('İstanbul REDACTED tail');
  });

  it('leaves text without the values unchanged', () => {
    expect(removeSecretValues('Access Denied', [TOKEN, KEY_ID])).toBe('Access Denied');
  });
});

describe('safeMessage and errorStatusMessage with the request secrets', () => {
  const prose = `The provided token ${TOKEN} has expired; customer key ${SSEC_KEY} rejected for ${KEY_ID}`;

  it('the pattern rules alone miss these canaries in prose; the request values catch them', () => {
    expect(safeMessage(prose)).toContain(TOKEN);
    expect(safeMessage(prose)).toContain(SSEC_KEY);
    expect(safeMessage(prose, requestSecrets([{ headers: signedHeaders }]))).toBe(
      'The provided token REDACTED has expired; customer key REDACTED rejected for REDACTED',
    );
  });

  it('bounds the whole status, error type included, at MAX_TEXT_LENGTH', () => {
    const type = 'T'.repeat(128);
    const status = errorStatusMessage(type, new Error('m'.repeat(600)));
    expect(status).toHaveLength(MAX_TEXT_LENGTH);
    expect(status).toBe(`${type}: ${'m'.repeat(MAX_TEXT_LENGTH - 128 - 2 - 1)}…`);
    expect(errorStatusMessage('AccessDenied', new Error('m'.repeat(500)))).toHaveLength(512);
    expect(errorStatusMessage('AccessDenied', new Error('short'))).toBe('AccessDenied: short');
  });

  it('is the type alone when the error has no message or is not an Error', () => {
    expect(errorStatusMessage('ECONNRESET', new Error(''))).toBe('ECONNRESET');
    expect(errorStatusMessage('Unknown', 'a string thrown')).toBe('Unknown');
  });

  it('redacts a secret quoted in the error type too', () => {
    expect(errorStatusMessage(`Bad${TOKEN}`, new Error(''), [TOKEN])).toBe('BadREDACTED');
  });
});
