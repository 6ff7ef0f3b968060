import { parseArgs } from 'node:util';
import { isRegionName } from '@wirescope/semconv';
import { UsageError } from './errors.js';

/** Option declarations in the shape `node:util` parseArgs takes. */
export type OptionSpec = Record<
  string,
  { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean }
>;

/** Parsed flags and positionals of one command. */
export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

interface ParseArgsError {
  code?: unknown;
  message: string;
}

function quoted(message: string): string | undefined {
  return /'([^']+)'/.exec(message)?.[1];
}

/** Turns parseArgs' long messages into one short line. */
function usageMessage(error: ParseArgsError): string {
  const subject = quoted(error.message);
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${subject ?? '?'}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(error.message)) {
        return `option '${/--[\w-]+/.exec(subject ?? '')?.[0] ?? subject ?? '?'}' needs a value`;
      }
      if (/does not take an argument/.test(error.message)) return `option '${subject ?? '?'}' takes no value`;
      return error.message.split('\n', 1)[0] ?? error.message;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${subject ?? '?'}'`;
    default:
      return error.message.split('\n', 1)[0] ?? error.message;
  }
}

/** Parses `argv` strictly; any problem becomes a {@link UsageError} naming `command`. */
export function parseCommandArgs(argv: readonly string[], options: OptionSpec, command?: string): ParsedArgs {
  try {
    const parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
    return { values: { ...parsed.values }, positionals: parsed.positionals };
  } catch (error) {
    if (error instanceof Error && typeof (error as ParseArgsError).code === 'string') {
      throw new UsageError(usageMessage(error as ParseArgsError), command);
    }
    throw error;
  }
}

/** A string flag's value, or undefined. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A boolean flag's value (false when absent). */
export function booleanFlag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** The value of a flag that must be one of `choices`. */
export function choiceFlag<T extends string>(
  args: ParsedArgs,
  name: string,
  choices: readonly T[],
  fallback: T,
  command: string,
): T {
  const value = stringFlag(args, name);
  if (value === undefined) return fallback;
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name} must be one of ${choices.join(', ')} (got '${value}')`, command);
}

/** `--caller-region`, checked to look like an AWS region (`us-west-2`). */
export function regionFlag(args: ParsedArgs, command: string): string | undefined {
  const value = stringFlag(args, 'caller-region');
  if (value === undefined) return undefined;
  if (!isRegionName(value)) {
    throw new UsageError(`--caller-region '${value}' is not an AWS region such as us-west-2`, command);
  }
  return value;
}
