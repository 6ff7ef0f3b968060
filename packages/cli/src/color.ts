import type { ParsedArgs } from './args.js';
import { booleanFlag } from './args.js';
import type { ResolvedIo } from './internal-types.js';

/**
 * Whether to colour stdout: `--no-color` / `--color` win, then NO_COLOR (https://no-color.org) and
 * FORCE_COLOR, then whether stdout is a terminal. Never when writing to a file.
 */
export function shouldColor(args: ParsedArgs, io: ResolvedIo, toFile: boolean): boolean {
  if (toFile || booleanFlag(args, 'no-color')) return false;
  if (booleanFlag(args, 'color')) return true;
  const noColor = io.env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  const force = io.env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force !== 'false';
  return io.stdoutIsTTY;
}

const CODES = { red: [31, 39], green: [32, 39], yellow: [33, 39], bold: [1, 22], dim: [2, 22] } as const;

/** A colour name the CLI uses. */
export type ColorName = keyof typeof CODES;

/** Wraps text in an ANSI colour when `enabled`. */
export function paint(enabled: boolean, color: ColorName, text: string): string {
  if (!enabled) return text;
  const [open, close] = CODES[color];
  return `\x1b[${open}m${text}\x1b[${close}m`;
}
