import { Readable } from 'node:stream';
import { main } from '@wirescope/cli';

/** The CLI's `main` in this process, with empty stdin, no terminal and no environment: its exit code and output. */
export async function runMain(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from([]),
    isTTY: {},
    env: {},
  });
  return { code, stdout, stderr };
}
