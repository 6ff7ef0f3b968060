import { writeFile } from 'node:fs/promises';
import { OutputError } from './errors.js';
import type { ResolvedIo } from './internal-types.js';

const PROBLEMS: Record<string, string> = {
  ENOENT: 'no such directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EFBIG: 'file too large',
};

/**
 * Writes a report to `--output` when given, else to stdout; always ends with a newline. A file that
 * cannot be written (missing directory, permissions, a full disk) is an {@link OutputError} naming it.
 */
export async function writeOutput(
  io: ResolvedIo,
  text: string,
  outputFile: string | undefined,
): Promise<void> {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  if (outputFile === undefined) {
    io.stdout.write(body);
    return;
  }
  try {
    await writeFile(outputFile, body, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    throw new OutputError(outputFile, PROBLEMS[code] ?? `cannot write (${code})`, code);
  }
}
