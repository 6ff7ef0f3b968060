import { describe, expect, it } from 'vitest';
import { ERROR_TYPE_REQUEST_TIMEOUT, errorTypeOf } from './error-type.js';

// The edges of errorTypeOf: what counts as a code or a name, how deep the cause chain is read, and
// which errors are read for the SDK's timeout wording.
describe('errorTypeOf, edges', () => {
  it('is Error for values that are not objects, without throwing', () => {
    expect(errorTypeOf(null)).toBe('Error');
    expect(errorTypeOf(undefined)).toBe('Error');
    expect(errorTypeOf('ECONNRESET')).toBe('Error');
    expect(errorTypeOf(function Named() {})).toBe('Error');
  });

  it('skips an empty code and takes the cause’s', () => {
    expect(errorTypeOf({ code: '', cause: { code: 'EPIPE' } })).toBe('EPIPE');
  });

  it('reads the cause chain five objects deep, not six', () => {
    const chain = (depth: number): unknown =>
      depth === 0 ? { code: 'ECONNRESET' } : { name: 'Outer', cause: chain(depth - 1) };
    expect(errorTypeOf(chain(4))).toBe('ECONNRESET');
    expect(errorTypeOf(chain(5))).toBe('Outer');
  });

  it('stops on a cause chain that loops', () => {
    const looping: { name: string; cause?: unknown } = { name: 'Looping' };
    looping.cause = looping;
    expect(errorTypeOf(looping)).toBe('Looping');
  });

  it('reads the timeout wording only of a TimeoutError with a string message', () => {
    expect(errorTypeOf(new Error('socket timed out after 5000 ms of inactivity'))).toBe('Error');
    expect(errorTypeOf({ name: 'TimeoutError', message: ['no activity'] })).toBe('TimeoutError');
    expect(errorTypeOf({ name: 'TimeoutError', message: 'something else' })).toBe('TimeoutError');
  });

  it.each(['request timed out', 'request timedout', 'request time out', 'Request Timeout'])(
    'TimeoutError "%s" is REQUEST_TIMEOUT',
    (message) => {
      expect(errorTypeOf({ name: 'TimeoutError', message })).toBe(ERROR_TYPE_REQUEST_TIMEOUT);
    },
  );

  it('is Error for an empty or missing name', () => {
    expect(errorTypeOf({ name: '' })).toBe('Error');
    expect(errorTypeOf({})).toBe('Error');
    expect(errorTypeOf({ name: 42 })).toBe('Error');
  });
});
