import { open } from 'node:fs/promises';
import { InputError } from '@wirescope/analyzer';

/** A budget is a small JSON file; anything larger is not one (`/dev/zero`, a trace passed by mistake). */
export const MAX_BUDGET_BYTES = 1 << 20;

const PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory, not a budget file',
  ENOTDIR: 'a part of the path is not a directory',
};

function budgetError(file: string, problem: string): InputError {
  return new InputError({ code: 'WIRESCOPE_BAD_BUDGET', file, problem });
}

/**
 * The bytes of a budget file, read up to {@link MAX_BUDGET_BYTES} (a device or a FIFO is read only
 * that far). Every failure is an InputError naming the file: missing, a directory, unreadable, too large.
 */
export async function readBudgetFile(file: string): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, 'r');
    if ((await handle.stat()).isDirectory()) throw budgetError(file, PROBLEMS['EISDIR']!);
    const buffer = Buffer.alloc(MAX_BUDGET_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_BUDGET_BYTES) {
      throw budgetError(
        file,
        `larger than ${MAX_BUDGET_BYTES >> 20} MiB: not a budget (a budget is a small JSON file)`,
      );
    }
    return buffer.subarray(0, length);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as { code?: unknown }).code;
    const problem = typeof code === 'string' ? (PROBLEMS[code] ?? `cannot read (${code})`) : undefined;
    if (problem) throw budgetError(file, problem);
    throw error;
  } finally {
    await handle?.close();
  }
}
