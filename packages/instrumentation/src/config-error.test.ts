import { describe, expect, it } from 'vitest';
import { checkOptions, MAX_TIMER_MS, type OptionRule, rules, WirescopeConfigError } from './config-error.js';

// The generic part of issue 13's option checks; each package's own rules are tested beside them
// (aws-sdk validate-options.test.ts, both instrumentations' config.test.ts).
const RULES: Record<string, OptionRule> = {
  enabled: rules.boolean(true),
  count: rules.integer(1, 'how many; default 3'),
  waitMs: rules.milliseconds(0, 'how long; default 10'),
  onThing: rules.hook('called per thing'),
  token: { accepts: 'a token', test: (value) => typeof value === 'string', secret: true },
};

function thrownBy(given: unknown): WirescopeConfigError {
  try {
    checkOptions('@wirescope/x', given, RULES);
  } catch (error) {
    return error as WirescopeConfigError;
  }
  throw new Error('did not throw');
}

describe('checkOptions', () => {
  it('undefined and null are no options; a copy of the known fields comes back', () => {
    expect(checkOptions('@wirescope/x', undefined, RULES)).toEqual({});
    expect(checkOptions('@wirescope/x', null, RULES)).toEqual({});
    const given = { enabled: false, count: 1, waitMs: MAX_TIMER_MS, onThing: () => 0, token: undefined };
    const checked = checkOptions<typeof given>('@wirescope/x', given, RULES);
    expect(checked).not.toBe(given);
    expect(checked).toEqual({ enabled: false, count: 1, waitMs: MAX_TIMER_MS, onThing: given.onThing });
    expect('token' in checked).toBe(false);
  });

  it('the error: name, code, option, and a plain Error for any catch', () => {
    const error = thrownBy({ count: 0 });
    expect(error).toBeInstanceOf(WirescopeConfigError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('WirescopeConfigError');
    expect(error.code).toBe('WIRESCOPE_BAD_OPTION');
    expect(error.option).toBe('count');
    expect(error.message).toBe(
      '@wirescope/x: option count must be an integer ≥ 1 (how many; default 3), got 0 (a number).',
    );
  });

  it.each<[string, unknown, string]>([
    ['a number out of range', { waitMs: MAX_TIMER_MS + 1 }, 'got 2147483648 (a number).'],
    ['NaN', { waitMs: Number.NaN }, 'got NaN (a number).'],
    ['a bigint', { count: 2n }, 'got a bigint.'],
    ['a symbol', { count: Symbol('s') }, 'got a symbol.'],
    ['null in a field', { enabled: null }, 'got null.'],
    ['an object', { onThing: {} }, 'got an object.'],
    ['a long string, cut at 40', { count: 'x'.repeat(50) }, `got "${'x'.repeat(40)}…" (a string).`],
    ['a secret, by its type only', { token: 42 }, 'got a number.'],
  ])('%s: the given value described', (_name, given, ending) => {
    expect(thrownBy(given).message.endsWith(ending)).toBe(true);
  });

  it.each<[string, string]>([
    ['Enabled', 'enabled'],
    ['enable', 'enabled'],
    ['enabledd', 'enabled'],
    ['cuont', undefined as never],
    ['wait', 'waitMs'],
    ['onThings', 'onThing'],
    ['xyz', undefined as never],
  ])('unknown %s: did you mean %s?', (key, near) => {
    const error = thrownBy({ [key]: 1 });
    expect(error.option).toBe(key);
    expect(error.message).toBe(
      `@wirescope/x: unknown option ${key}${near ? ` (did you mean ${near}?)` : ''}; ` +
        'the options are enabled, count, waitMs, onThing, token.',
    );
  });

  it('nested options are named by their path', () => {
    expect(() => checkOptions('@wirescope/x', { count: -1 }, RULES, 'outer.')).toThrow(
      expect.objectContaining({ option: 'outer.count' }),
    );
    expect(() => checkOptions('@wirescope/x', 7, RULES, 'outer.')).toThrow(
      expect.objectContaining({
        option: 'outer',
        message: '@wirescope/x: outer must be an object or left out, got 7 (a number).',
      }),
    );
  });
});
