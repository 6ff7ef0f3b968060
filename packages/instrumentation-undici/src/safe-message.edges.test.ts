import { describe, expect, it } from 'vitest';
import { safeErrorMessage } from './safe-message.js';

describe('safeErrorMessage, which message', () => {
  it('keeps "fetch failed" when there is no cause to look into', () => {
    expect(safeErrorMessage({ message: 'fetch failed' })).toBe('fetch failed');
  });

  it('keeps a message of its own even when it has a cause: only "fetch failed" is looked through', () => {
    expect(safeErrorMessage(new Error('outer', { cause: new Error('inner') }))).toBe('outer');
  });

  it('takes the cause of "fetch failed"', () => {
    expect(safeErrorMessage(new TypeError('fetch failed', { cause: new Error('other side closed') }))).toBe(
      'other side closed',
    );
  });

  it('reads no message from a function or a non-string message, and does not throw', () => {
    expect(safeErrorMessage(Object.assign(() => undefined, { message: 'from a function' }))).toBeUndefined();
    expect(safeErrorMessage({ message: ['not a string'] })).toBeUndefined();
    expect(safeErrorMessage({ message: '' })).toBeUndefined();
  });

  it('follows the cause chain five levels deep, not six', () => {
    const chain = (depth: number): unknown =>
      depth === 0 ? { message: 'deep' } : { message: '', cause: chain(depth - 1) };
    expect(safeErrorMessage(chain(4))).toBe('deep');
    expect(safeErrorMessage(chain(5))).toBeUndefined();
  });
});
