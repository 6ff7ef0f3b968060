import { writeFile } from 'node:fs/promises';
import type { ResolvedIo } from './internal-types.js';

/** Writes a report to `--output` when given, else to stdout; always ends with a newline. */
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
  await writeFile(outputFile, body, 'utf8');
}
