import { describe, expect, it } from 'vitest';
import { isSocketReset } from './error-type.js';

// Every code that means the peer dropped the socket, and near misses that do not.
describe('isSocketReset, code by code', () => {
  it.each(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED'])('%s is a reset', (code) => {
    expect(isSocketReset(code)).toBe(true);
  });

  it.each([
    'ECONNREFUSED',
    'ETIMEDOUT',
    'ENOTFOUND',
    'CONNECT_TIMEOUT',
    'SOCKET_TIMEOUT',
    'REQUEST_TIMEOUT',
    'UND_ERR_CONNECT_TIMEOUT',
    'TimeoutError',
    'econnreset',
    '',
  ])('%s is not a reset', (code) => {
    expect(isSocketReset(code)).toBe(false);
  });
});
