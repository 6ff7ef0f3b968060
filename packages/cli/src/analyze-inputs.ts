import type { AnalysisResult } from '@wirescope/analyzer';
import { createAnalysis, InputError, readSpans } from '@wirescope/analyzer';
import { UsageError } from './errors.js';
import type { ResolvedIo } from './internal-types.js';
import { NO_PROGRESS, ProgressLine } from './progress.js';

/** How to read and analyze the inputs of one command. */
export interface AnalyzeInputsOptions {
  /** Files as the user named them; `-` is stdin. */
  files: readonly string[];
  /** The command, for usage errors. */
  command: string;
  /** `--caller-region`. */
  callerRegion: string | undefined;
  /** `--progress` was given. */
  progress: boolean;
  /** `--strict`: a record the lenient reading would skip (another signal, a bad record) is an error. */
  strict?: boolean;
}

/** Checks the file arguments: at least one, stdin at most once. */
export function checkFileArguments(files: readonly string[], command: string): void {
  if (files.length === 0) throw new UsageError('missing input file (use - to read stdin)', command);
  if (files.filter((file) => file === '-').length > 1) {
    throw new UsageError('stdin (-) can be read only once', command);
  }
}

/**
 * Streams every input through one analysis, each by `Analysis.addInput` (the path `analyze(readSpans(…))`
 * takes: OTLP JSON Lines read straight from the bytes), with a progress line on stderr when asked for or
 * when stderr is a terminal. Input problems surface as the analyzer's InputError.
 */
export async function analyzeInputs(io: ResolvedIo, options: AnalyzeInputsOptions): Promise<AnalysisResult> {
  checkFileArguments(options.files, options.command);
  const progress =
    options.progress || io.stderrIsTTY
      ? new ProgressLine(io.stderr, { delayMs: options.progress ? 0 : 300, intervalMs: 200 })
      : NO_PROGRESS;
  // The analysis tells every 10,000 spans; the end of each input tells too (small inputs show a count).
  const analysis = createAnalysis({
    ...(options.callerRegion ? { callerRegion: options.callerRegion } : {}),
    progressHook: (seen) => progress.update(seen),
  });
  let spansRead = 0;
  let skipped = 0;
  // addInput notes each skipped record in the analysis; the hook only counts them for the message below.
  const reading = { strict: options.strict === true, skipHook: () => skipped++ };
  try {
    for (const file of options.files) {
      const input = file === '-' ? { stream: io.stdin, name: '-' } : { path: file };
      spansRead += await analysis.addInput(readSpans(input, reading));
      progress.update(spansRead);
    }
  } finally {
    progress.done();
  }
  if (spansRead === 0) {
    // An empty file, whitespace, or an empty stdin: there is nothing to analyze or check.
    throw new InputError({
      code: 'WIRESCOPE_NO_SPANS',
      file: options.files.join(', '),
      problem: `no spans: the ${options.files.length === 1 ? 'input is' : 'inputs are'} empty or hold${options.files.length === 1 ? 's' : ''} no trace records${skipped > 0 ? ` (${skipped} ${skipped === 1 ? 'record' : 'records'} skipped)` : ''}`,
    });
  }
  io.beforeRules?.();
  return await analysis.finish();
}
