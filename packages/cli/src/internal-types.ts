import type { CliIo } from './types.js';

/** A CliIo with its defaults resolved once. */
export interface ResolvedIo extends CliIo {
  env: Record<string, string | undefined>;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}
