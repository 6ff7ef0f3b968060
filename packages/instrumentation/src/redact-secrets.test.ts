import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact-secrets.js';

// Canary secrets in the shapes AWS uses. None is real; each is checked absent from the output.
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SESSION_KEY_ID = 'ASIAQ3EXAMPLE7KEYID2';
const SIGNATURE = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';
const SESSION_TOKEN =
  'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDwE6kZ8f3hN0W2p1xYqZkP4tLw9aUu5k3JxR8sVvM1bQIgXk9sH2rT5nY3wQ2eD7fG6hJ1kL4mN8pQ0rS3tU6vW9x+Zq==';
const SSE_C_KEY = createHash('sha256').update('wirescope canary key').digest('base64');
const SSE_C_KEY_MD5 = createHash('md5').update('wirescope canary key').digest('base64');
const LEGACY_SIGNATURE = 'vjbyPxybdZaNmGa%2ByT272YEAiv4%3D';
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.c2lnbmF0dXJlQ2FuYXJ5MTIz';
const SCOPE = '20260101/us-east-1/s3/aws4_request';
const enc = encodeURIComponent;

interface Shape {
  name: string;
  text: string;
  secrets: string[];
  kept: string[];
}

const SHAPES: Shape[] = [
  {
    name: 'Credential= and Signature= in a quoted Authorization parameter list',
    text: `The request signature we calculated does not match. Credential=${ACCESS_KEY_ID}/${SCOPE}, SignedHeaders=host;x-amz-date, Signature=${SIGNATURE}`,
    secrets: [ACCESS_KEY_ID, SIGNATURE],
    kept: ['The request signature we calculated does not match.', 'SignedHeaders=host;x-amz-date'],
  },
  {
    name: 'X-Amz-Security-Token=',
    text: `Request X-Amz-Security-Token=${SESSION_TOKEN} was refused by the proxy`,
    secrets: [SESSION_TOKEN, SESSION_TOKEN.slice(0, 24)],
    kept: ['Request X-Amz-Security-Token=', 'was refused by the proxy'],
  },
  {
    name: 'URL-encoded (%3D) Credential and Security-Token',
    text: `Bad request: X-Amz-Credential%3D${ACCESS_KEY_ID}%2F${enc(SCOPE)}%26X-Amz-Date%3D20260101T000000Z%26X-Amz-Security-Token%3D${enc(SESSION_TOKEN)}%26X-Amz-Signature%3D${SIGNATURE}%26X-Amz-SignedHeaders%3Dhost`,
    secrets: [ACCESS_KEY_ID, enc(SESSION_TOKEN), enc(SESSION_TOKEN).slice(0, 24), SIGNATURE],
    kept: ['Bad request:', 'X-Amz-Date%3D20260101T000000Z', 'X-Amz-SignedHeaders%3Dhost'],
  },
  {
    name: 'a bare URL-encoded Credential%3D',
    text: `proxy rejected Credential%3D${ACCESS_KEY_ID}%2F${enc(SCOPE)} for host bucket.s3.amazonaws.com`,
    secrets: [ACCESS_KEY_ID],
    kept: ['proxy rejected Credential%3D', 'for host bucket.s3.amazonaws.com'],
  },
  {
    name: 'a SigV4 presigned URL query',
    text: `GET https://canary-bucket.s3.us-east-1.amazonaws.com/photos/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${ACCESS_KEY_ID}%2F${enc(SCOPE)}&X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&X-Amz-Security-Token=${enc(SESSION_TOKEN)}&X-Amz-Signature=${SIGNATURE}&X-Amz-SignedHeaders=host failed`,
    secrets: [ACCESS_KEY_ID, enc(SESSION_TOKEN), SIGNATURE],
    kept: [
      'https://canary-bucket.s3.us-east-1.amazonaws.com/photos/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256',
      '&X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&',
      '&X-Amz-SignedHeaders=host failed',
    ],
  },
  {
    name: 'a SigV2 presigned URL query',
    text: `https://canary-bucket.s3.amazonaws.com/cat.jpg?AWSAccessKeyId=${ACCESS_KEY_ID}&Expires=1767225600&Signature=${LEGACY_SIGNATURE}`,
    secrets: [ACCESS_KEY_ID, LEGACY_SIGNATURE],
    kept: [
      'https://canary-bucket.s3.amazonaws.com/cat.jpg?AWSAccessKeyId=',
      '&Expires=1767225600&Signature=',
    ],
  },
  {
    name: 'a SigV4 Authorization header value',
    text: `Authorization: AWS4-HMAC-SHA256 Credential=${SESSION_KEY_ID}/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${SIGNATURE}`,
    secrets: [SESSION_KEY_ID, SIGNATURE],
    kept: ['Authorization: ', 'SignedHeaders=content-type;host;x-amz-date;x-amz-target'],
  },
  {
    name: 'a Bearer Authorization header value',
    text: `upstream said authorization: Bearer ${BEARER} is not allowed`,
    secrets: [BEARER, BEARER.split('.')[2] as string],
    kept: ['upstream said authorization: ', 'is not allowed'],
  },
  {
    name: 'SSE-C key headers',
    text: `x-amz-server-side-encryption-customer-key: ${SSE_C_KEY}; x-amz-server-side-encryption-customer-key-MD5: ${SSE_C_KEY_MD5}; x-amz-server-side-encryption-customer-algorithm: AES256`,
    secrets: [SSE_C_KEY, SSE_C_KEY_MD5],
    kept: ['x-amz-server-side-encryption-customer-algorithm: AES256'],
  },
  {
    name: 'SSE-C key headers quoted as JSON',
    text: `{"x-amz-server-side-encryption-customer-key":"${SSE_C_KEY}","x-amz-server-side-encryption-customer-key-md5":"${SSE_C_KEY_MD5}","region":"us-east-1"}`,
    secrets: [SSE_C_KEY, SSE_C_KEY_MD5],
    kept: ['"region":"us-east-1"'],
  },
  {
    name: 'a session token and an SSE-C key named in prose',
    text: `The provided token ${SESSION_TOKEN} has expired; customer key ${SSE_C_KEY} rejected (key MD5 ${SSE_C_KEY_MD5})`,
    secrets: [SESSION_TOKEN, SESSION_TOKEN.slice(0, 24), SSE_C_KEY, SSE_C_KEY_MD5],
    kept: ['The provided token ', ' has expired; customer key ', ' rejected (key MD5 '],
  },
  {
    name: 'an access key id in prose and in an XML error body',
    text: `The AWS access key ${ACCESS_KEY_ID} does not exist in our records. <AWSAccessKeyId>${SESSION_KEY_ID}</AWSAccessKeyId>`,
    secrets: [ACCESS_KEY_ID, SESSION_KEY_ID],
    kept: ['The AWS access key ', ' does not exist in our records. <AWSAccessKeyId>', '</AWSAccessKeyId>'],
  },
  {
    name: 'a signature named in prose',
    text: `signature ${SIGNATURE} does not match the string to sign`,
    secrets: [SIGNATURE],
    kept: ['signature ', ' does not match the string to sign'],
  },
];

describe('redactSecrets', () => {
  it.each(SHAPES)('removes the secrets of $name and keeps the context', ({ text, secrets, kept }) => {
    const out = redactSecrets(text);
    for (const secret of secrets) expect(out).not.toContain(secret);
    for (const context of kept) expect(out).toContain(context);
    expect(out).toContain('REDACTED');
  });

  it.each([
    'read ECONNRESET',
    'socket hang up',
    'write EPIPE',
    'getaddrinfo ENOTFOUND canary-bucket.s3.us-east-1.amazonaws.com',
    'connect ETIMEDOUT 52.216.8.21:443',
    'The specified key does not exist.',
    'Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z',
    "Authorization header requires 'Credential' parameter.",
    'The bucket you are attempting to access must be addressed using the specified endpoint. RequestId 4442587FB7D0A2F9',
    'arn:aws:iam::123456789012:role/CanaryRole is not authorized to perform: s3:PutObject',
  ])('leaves a message with no secret unchanged: %s', (text) => {
    expect(redactSecrets(text)).toBe(text);
  });
});
