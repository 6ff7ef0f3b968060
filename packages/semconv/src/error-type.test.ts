import { describe, expect, it } from 'vitest';
import { errorTypeOf, isSocketReset } from './error-type.js';

describe('errorTypeOf', () => {
  it('prefers the socket code over the SDK re-label', () => {
    const error = Object.assign(new Error('read ECONNRESET'), { name: 'TimeoutError', code: 'ECONNRESET' });
    expect(errorTypeOf(error)).toBe('ECONNRESET');
  });

  it('unwraps the cause of fetch failed', () => {
    const cause = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(errorTypeOf(new TypeError('fetch failed', { cause }))).toBe('UND_ERR_SOCKET');
  });

  it.each([
    [
      '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 300 ms.',
      'CONNECT_TIMEOUT',
    ],
    [
      '@smithy/node-http-handler - the request socket timed out after 600 ms of inactivity (configured by client requestHandler).',
      'SOCKET_TIMEOUT',
    ],
    ['Request did not complete within 300 ms', 'REQUEST_TIMEOUT'],
  ])('names the wait that ran out for a code-less TimeoutError: %s', (message, type) => {
    expect(errorTypeOf(Object.assign(new Error(message), { name: 'TimeoutError' }))).toBe(type);
  });

  it('falls back to the name, then to Error', () => {
    expect(errorTypeOf(Object.assign(new Error('x'), { name: 'NoSuchKey' }))).toBe('NoSuchKey');
    expect(errorTypeOf('a string')).toBe('Error');
  });

  it('knows which codes mean the peer dropped the socket', () => {
    expect(isSocketReset('ECONNRESET')).toBe(true);
    expect(isSocketReset('UND_ERR_SOCKET')).toBe(true);
    expect(isSocketReset('CONNECT_TIMEOUT')).toBe(false);
  });
});
