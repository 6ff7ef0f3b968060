import { describe, expect, it } from 'vitest';
import { bound, failureStatus, MAX_ERROR_MESSAGE, safeErrorMessage } from './error-message.js';

// The one bound and redaction of every error text on a span (moved here from instrumentation-undici's
// safe-message tests, issue 13). Canary secrets, none real; every secret shape is tested in
// redact-secrets.test.ts: here, that the message is redacted, bounded at its edge, and found in the
// cause chain.
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SIGNATURE = 'fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024';
const SCOPE = '20260101/us-east-1/s3/aws4_request';

describe('safeErrorMessage, the bound', () => {
  it('is 256 characters', () => {
    expect(MAX_ERROR_MESSAGE).toBe(256);
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

  it('bound() leaves text at the limit alone and cuts one over it', () => {
    expect(bound('abc', 3)).toBe('abc');
    expect(bound('abcd', 3)).toBe('ab…');
  });
});

describe('safeErrorMessage, redaction', () => {
  it('redacts the socket wording found in the cause of fetch failed', () => {
    const cause = Object.assign(new Error(`other side closed Credential=${ACCESS_KEY_ID}/${SCOPE}`), {
      code: 'UND_ERR_SOCKET',
    });
    expect(safeErrorMessage(new TypeError('fetch failed', { cause }))).toBe(
      'other side closed Credential=REDACTED',
    );
  });

  it('redacts before it cuts: no prefix of a secret survives at the edge', () => {
    const out = safeErrorMessage(new Error(`${'x'.repeat(230)} Signature=${SIGNATURE}`));
    expect(out).toBe(`${'x'.repeat(230)} Signature=REDACTED`);
    expect(out).not.toContain(SIGNATURE.slice(0, 8));
  });

  it('cuts a long message that held a secret after redacting it, at 256', () => {
    const out = safeErrorMessage(new Error(`Signature=${SIGNATURE} ${'y'.repeat(300)}`));
    expect(out).toHaveLength(256);
    expect(out?.startsWith('Signature=REDACTED y')).toBe(true);
    expect(out).not.toContain(SIGNATURE.slice(0, 8));
  });

  it.each([
    'other side closed',
    'read ECONNRESET',
    'connect ECONNREFUSED 127.0.0.1:9',
    'Headers Timeout Error',
  ])('leaves a message with no secret unchanged: %s', (text) => {
    expect(safeErrorMessage(new Error(text))).toBe(text);
  });
});

describe('safeErrorMessage, which message', () => {
  it('keeps "fetch failed" when there is no cause to look into', () => {
    expect(safeErrorMessage({ message: 'fetch failed' })).toBe('fetch failed');
    expect(safeErrorMessage(new TypeError('fetch failed'))).toBe('fetch failed');
  });

  it('keeps a message of its own even when it has a cause: only "fetch failed" is looked through', () => {
    expect(safeErrorMessage(new Error('outer', { cause: new Error('inner') }))).toBe('outer');
  });

  it('takes the cause of "fetch failed"', () => {
    expect(safeErrorMessage(new TypeError('fetch failed', { cause: new Error('other side closed') }))).toBe(
      'other side closed',
    );
  });

  it('reads no message from a non-object, a function, a non-string or an empty message', () => {
    expect(safeErrorMessage('read ECONNRESET')).toBeUndefined();
    expect(safeErrorMessage(Object.assign(() => undefined, { message: 'from a function' }))).toBeUndefined();
    expect(safeErrorMessage({ message: ['not a string'] })).toBeUndefined();
    expect(safeErrorMessage(new Error(''))).toBeUndefined();
  });

  it('follows the cause chain five levels deep, not six', () => {
    const chain = (depth: number): unknown =>
      depth === 0 ? { message: 'deep' } : { message: '', cause: chain(depth - 1) };
    expect(safeErrorMessage(chain(4))).toBe('deep');
    expect(safeErrorMessage(chain(5))).toBeUndefined();
  });

  it('never throws, even on an error whose message getter throws', () => {
    const hostile = {
      get message(): string {
        throw new Error('getter exploded');
      },
    };
    expect(safeErrorMessage(hostile)).toBeUndefined();
  });
});

describe('failureStatus', () => {
  it('type: message, redacted, bounded at 256; the type alone without a message', () => {
    expect(failureStatus('ECONNRESET', undefined)).toBe('ECONNRESET');
    expect(failureStatus('ECONNRESET', 'read ECONNRESET')).toBe('ECONNRESET: read ECONNRESET');
    const secret = 'X-Amz-Signature=0123456789abcdef0123456789abcdef';
    expect(failureStatus('E', `failed at https://b.s3.amazonaws.com/k?${secret}`)).not.toContain(
      '0123456789abcdef',
    );
    const long = failureStatus('E', 'x'.repeat(400));
    expect(long).toHaveLength(256);
    expect(long.endsWith('…')).toBe(true);
  });
});
