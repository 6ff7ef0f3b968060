/**
 * Bad input to the analyzer or the CLI: names the file, the position and what was wrong. The CLI prints
 * `message` (never a stack) and exits 2.
 */
export class InputError extends Error {
  /** Stable code: `WIRESCOPE_BAD_INPUT`, `WIRESCOPE_NO_FILE`, `WIRESCOPE_BAD_BUDGET`. */
  readonly code: string;
  /** File as the user named it (`-` for stdin). */
  readonly file: string;
  /** 1-based line, when known. */
  readonly line: number | undefined;
  /** 1-based column, when known. */
  readonly column: number | undefined;
  /** Byte offset from the start of the (decompressed) input, when known. */
  readonly offset: number | undefined;
  /** What was wrong, without the position. */
  readonly problem: string;

  constructor(options: {
    code?: string;
    file: string;
    line?: number;
    column?: number;
    offset?: number;
    problem: string;
  }) {
    const where = [
      options.file,
      options.line !== undefined ? `line ${options.line}` : undefined,
      options.column !== undefined ? `column ${options.column}` : undefined,
      options.line === undefined && options.offset !== undefined ? `offset ${options.offset}` : undefined,
    ]
      .filter((part) => part !== undefined)
      .join(', ');
    super(`${where}: ${options.problem}`);
    this.name = 'InputError';
    this.code = options.code ?? 'WIRESCOPE_BAD_INPUT';
    this.file = options.file;
    this.line = options.line;
    this.column = options.column;
    this.offset = options.offset;
    this.problem = options.problem;
  }
}
