import { describe, expect, it } from 'vitest';
import { safeErrorMessage } from './safe-message.js';

// Canary secrets (none is real). Every secret shape is tested in @wirescope/semconv redact-secrets.test.ts;
// here: that the socket's message is redacted, bounded, and found in the cause chain.
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SIGNATURE = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';
const SCOPE = '20260101/us-east-1/s3/aws4_request';

describe('safeErrorMessage', () => {
  it('redacts the socket wording found in the cause of fetch failed', () => {
    const cause = Object.assign(new Error(`other side closed Credential=${ACCESS_KEY_ID}/${SCOPE}`), {
      code: 'UND_ERR_SOCKET',
    });
    expect(safeErrorMessage(new TypeError('fetch failed', { cause }))).toBe(
      'other side closed Credential=REDACTED',
    );
  });

  it.each([
    'other side closed',
    'read ECONNRESET',
    'connect ECONNREFUSED 127.0.0.1:9',
    'Headers Timeout Error',
  ])('leaves a message with no secret unchanged: %s', (text) => {
    expect(safeErrorMessage(new Error(text))).toBe(text);
  });

  it('keeps a message of exactly 256 characters whole', () => {
    const text = 'm'.repeat(256);
    expect(safeErrorMessage(new Error(text))).toBe(text);
  });

  it('cuts a message of 257 characters to 256, ending in an ellipsis', () => {
    const out = safeErrorMessage(new Error(`${'a'.repeat(255)}bc`));
    expect(out).toBe(`${'a'.repeat(255)}…`);
    expect(out).toHaveLength(256);
  });

  it('redacts before it cuts: no prefix of a secret survives at the edge', () => {
    const out = safeErrorMessage(new Error(`${'x'.repeat(230)} Signature=${SIGNATURE}`));
    expect(out).toBe(`${'x'.repeat(230)} Signature=REDACTED`);
  });

  it('follows the cause chain to depth 5 and no further', () => {
    const chain = (depth: number): unknown => {
      let error: unknown = new Error('deep socket error');
      for (let i = 0; i < depth; i++) error = { message: '', cause: error };
      return error;
    };
    expect(safeErrorMessage(chain(4))).toBe('deep socket error');
    expect(safeErrorMessage(chain(5))).toBeUndefined();
  });

  it('has nothing to say about a non-object or an empty message', () => {
    expect(safeErrorMessage('read ECONNRESET')).toBeUndefined();
    expect(safeErrorMessage(new Error(''))).toBeUndefined();
    expect(safeErrorMessage(new TypeError('fetch failed'))).toBe('fetch failed');
  });
});
