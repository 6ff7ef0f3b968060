import { describe, expect, it } from 'vitest';
import {
  booleanFlag,
  choiceFlag,
  type OptionSpec,
  type ParsedArgs,
  parseCommandArgs,
  regionFlag,
  stringFlag,
} from './args.js';
import { UsageError } from './errors.js';

const OPTIONS: OptionSpec = {
  out: { type: 'string', short: 'o' },
  quick: { type: 'boolean' },
  format: { type: 'string' },
  'caller-region': { type: 'string' },
};

function usage(argv: string[], options: OptionSpec = OPTIONS): UsageError {
  try {
    parseCommandArgs(argv, options, 'check');
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).command).toBe('check');
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('parseCommandArgs, one short line per problem', () => {
  it.each([
    [['--nope'], "unknown option '--nope'"],
    [['-x'], "unknown option '-x'"],
    [['--out'], "option '--out' needs a value"],
    [['-o'], "option '--out' needs a value"],
    [['--quick=yes'], "option '--quick' takes no value"],
  ])('%j', (argv, message) => {
    expect(usage(argv).message).toBe(message);
  });

  it('keeps values and positionals', () => {
    expect(parseCommandArgs(['a.json', '--out', 'x', '--quick', 'b.json'], OPTIONS)).toEqual({
      values: { out: 'x', quick: true },
      positionals: ['a.json', 'b.json'],
    });
  });
});

describe('flag readers', () => {
  const args: ParsedArgs = {
    values: { out: 'x', quick: true, off: false, list: ['a'], format: 'json', 'caller-region': 'us-west-2' },
    positionals: [],
  };

  it('stringFlag and booleanFlag read only their own type', () => {
    expect(stringFlag(args, 'out')).toBe('x');
    expect(stringFlag(args, 'quick')).toBeUndefined();
    expect(stringFlag(args, 'list')).toBeUndefined();
    expect(booleanFlag(args, 'quick')).toBe(true);
    expect(booleanFlag(args, 'off')).toBe(false);
    expect(booleanFlag(args, 'out')).toBe(false);
    expect(booleanFlag(args, 'missing')).toBe(false);
  });

  it('choiceFlag: the fallback when absent, the value when allowed, else a UsageError naming the choices', () => {
    expect(choiceFlag(args, 'missing', ['text', 'json'], 'text', 'analyze')).toBe('text');
    expect(choiceFlag(args, 'format', ['text', 'json'], 'text', 'analyze')).toBe('json');
    expect(() => choiceFlag(args, 'format', ['text', 'html'], 'text', 'analyze')).toThrow(
      new UsageError("--format must be one of text, html (got 'json')", 'analyze'),
    );
  });

  it('regionFlag: undefined when absent, the region, else a UsageError with the value', () => {
    expect(regionFlag(args, 'analyze')).toBe('us-west-2');
    expect(regionFlag({ values: {}, positionals: [] }, 'analyze')).toBeUndefined();
    let thrown: unknown;
    try {
      regionFlag({ values: { 'caller-region': 'mars-1' }, positionals: [] }, 'analyze');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).message).toBe(
      "--caller-region 'mars-1' is not an AWS region such as us-west-2",
    );
    expect((thrown as UsageError).command).toBe('analyze');
  });
});
