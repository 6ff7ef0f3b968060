import { beforeEach, describe, expect, it, vi } from 'vitest';

// The mapping from parseArgs' errors to one short usage line, for the error shapes real argv cannot
// produce through parseCommandArgs (positionals are allowed, the option specs are valid): parseArgs is
// replaced by one that throws what each case gives it.
const thrown = vi.hoisted(() => ({ value: undefined as unknown }));
vi.mock('node:util', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:util')>()),
  parseArgs: () => {
    throw thrown.value;
  },
}));

const { parseCommandArgs } = await import('./args.js');
const { UsageError } = await import('./errors.js');

function parseArgsError(code: unknown, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function messageFor(error: unknown): string {
  thrown.value = error;
  try {
    parseCommandArgs(['x'], {}, 'check');
  } catch (caught) {
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as InstanceType<typeof UsageError>).command).toBe('check');
    return (caught as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseCommandArgs, the usage line for each parseArgs error', () => {
  beforeEach(() => {
    thrown.value = undefined;
  });

  it.each([
    ['ERR_PARSE_ARGS_UNKNOWN_OPTION', 'Unknown option', "unknown option '?'"],
    ['ERR_PARSE_ARGS_INVALID_OPTION_VALUE', "Option '-o' argument missing", "option '-o' needs a value"],
    ['ERR_PARSE_ARGS_INVALID_OPTION_VALUE', 'Option argument missing', "option '?' needs a value"],
    ['ERR_PARSE_ARGS_INVALID_OPTION_VALUE', 'Option does not take an argument', "option '?' takes no value"],
    ['ERR_PARSE_ARGS_INVALID_OPTION_VALUE', "Option '--a' is bad\nsecond line", "Option '--a' is bad"],
    [
      'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL',
      "Unexpected argument 'b.json'. Use --",
      "unexpected argument 'b.json'",
    ],
    ['ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL', 'Unexpected argument', "unexpected argument '?'"],
    [
      'ERR_INVALID_ARG_VALUE',
      "The property 'options.a.short' is bad\nmore",
      "The property 'options.a.short' is bad",
    ],
  ])('%s: %j', (code, message, expected) => {
    expect(messageFor(parseArgsError(code, message))).toBe(expected);
  });

  it('rethrows unchanged what is not an Error with a string code', () => {
    const noCode = new Error('plain');
    const numericCode = parseArgsError(7, 'numeric');
    const notAnError = { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION', message: "Unknown option '--x'" };
    for (const error of [noCode, numericCode, notAnError]) {
      thrown.value = error;
      let caught: unknown;
      try {
        parseCommandArgs(['x'], {}, 'check');
      } catch (e) {
        caught = e;
      }
      expect(caught).toBe(error);
    }
  });
});
