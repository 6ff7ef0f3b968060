import { parseCommandArgs } from './args.js';
import { runAnalyze } from './commands/analyze.js';
import { runCheck } from './commands/check.js';
import { reportError, UsageError } from './errors.js';
import { TOP_HELP } from './help.js';
import type { ResolvedIo } from './internal-types.js';
import type { CliIo } from './types.js';
import { cliVersion } from './version.js';

const COMMANDS: Record<string, (argv: readonly string[], io: ResolvedIo) => Promise<number>> = {
  analyze: runAnalyze,
  check: runCheck,
};

function resolveIo(io: CliIo): ResolvedIo {
  return {
    ...io,
    env: io.env ?? process.env,
    stdoutIsTTY: io.isTTY?.stdout === true,
    stderrIsTTY: io.isTTY?.stderr === true,
  };
}

async function dispatch(argv: readonly string[], io: ResolvedIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr.write(TOP_HELP);
    return 2;
  }
  if (first === 'help') {
    const command = rest[0];
    if (command === undefined) {
      io.stdout.write(TOP_HELP);
      return 0;
    }
    return dispatch([command, '--help'], io);
  }
  const command = COMMANDS[first];
  if (command) return command(rest, io);
  if (first.startsWith('-')) {
    const args = parseCommandArgs(argv, {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'V' },
    });
    if (args.values['version'] === true) {
      io.stdout.write(`${cliVersion()}\n`);
      return 0;
    }
    if (args.values['help'] === true) {
      io.stdout.write(TOP_HELP);
      return 0;
    }
    throw new UsageError(`missing command: ${Object.keys(COMMANDS).join(' or ')}`);
  }
  throw new UsageError(`unknown command '${first}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
}

/**
 * Runs the `wirescope` command with `argv` (without `node` and the script) and returns the exit code:
 * 0 success, 1 budget exceeded, 2 bad usage, unreadable input or any other error.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const resolved = resolveIo(io);
  try {
    return await dispatch(argv, resolved);
  } catch (error) {
    return reportError(error, resolved);
  }
}
