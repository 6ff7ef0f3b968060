import type { Readable } from 'node:stream';

/** Somewhere the CLI writes text: `process.stdout`, `process.stderr`, or a test's collector. */
export interface OutputStream {
  /** Writes a chunk of text. */
  write(chunk: string): unknown;
}

/** The outside world of one CLI run, so `main()` can be tested without a subprocess. */
export interface CliIo {
  /** Where reports go. */
  stdout: OutputStream;
  /** Where errors, hints and progress go. */
  stderr: OutputStream;
  /** Read when a file argument is `-`. */
  stdin: Readable;
  /** Which streams are terminals: colour needs a TTY stdout, progress a TTY stderr. */
  isTTY?: { stdout?: boolean; stderr?: boolean };
  /** Terminal width for text reports, when stdout is a terminal. */
  columns?: number;
  /** Environment (`NO_COLOR`, `FORCE_COLOR`, `WIRESCOPE_DEBUG`); `process.env` when absent. */
  env?: Record<string, string | undefined>;
  /**
   * Called once every input is read, before the rules run. The `wirescope` executable uses it to have
   * V8 favour memory over speed for the rest of its own process (see bin.ts); embedders leave it out.
   */
  beforeRules?: () => void;
}
