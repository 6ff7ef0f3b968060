import type { ResolvedIo } from './internal-types.js';

/** Bad usage (unknown flag or command, missing argument): one line, a hint to `--help`, exit 2. */
export class UsageError extends Error {
  /** The command whose help the hint points to (`analyze`, `check`), or undefined for the top level. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** A report that cannot be written to `--output`: names the file; exit 2. */
export class OutputError extends Error {
  /** Stable code: `WIRESCOPE_CANNOT_WRITE`. */
  readonly code = 'WIRESCOPE_CANNOT_WRITE';
  /** The `--output` file as the user named it. */
  readonly file: string;
  /** The system's error code (`ENOSPC`, `EACCES`, …). */
  readonly systemCode: string;

  constructor(file: string, problem: string, systemCode: string) {
    super(`${file}: cannot write the report: ${problem}`);
    this.name = 'OutputError';
    this.file = file;
    this.systemCode = systemCode;
  }
}

interface ErrorWithCode {
  code?: unknown;
  path?: unknown;
  syscall?: unknown;
}

const FS_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EMFILE: 'too many open files',
};

function isInputError(error: unknown): error is Error {
  // By name as well as by class: a second copy of the analyzer (dist next to source) is still ours.
  return error instanceof Error && error.name === 'InputError';
}

function fsProblem(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, path } = error as ErrorWithCode;
  if (typeof code !== 'string' || typeof path !== 'string') return undefined;
  const problem = FS_PROBLEMS[code];
  return problem ? `${path}: ${problem}` : undefined;
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.trim().length > 0 ? line.trim() : 'unexpected error';
}

/**
 * Prints an error the way a user wants to read it and returns the exit code (always 2): usage errors
 * with a hint, input errors as `file, line N, column M: problem`, anything else as one line. A stack
 * trace only with `WIRESCOPE_DEBUG=1`.
 */
export function reportError(error: unknown, io: ResolvedIo): number {
  const debug = io.env['WIRESCOPE_DEBUG'] === '1';
  if (error instanceof UsageError) {
    const help = error.command ? `wirescope ${error.command} --help` : 'wirescope --help';
    io.stderr.write(`wirescope: ${firstLine(error.message)}\nRun '${help}' for usage.\n`);
    return 2;
  }
  const message = isInputError(error)
    ? firstLine(error.message)
    : (fsProblem(error) ?? firstLine(error instanceof Error ? error.message : String(error)));
  io.stderr.write(`wirescope: ${message}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return 2;
}
