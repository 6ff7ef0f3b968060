import type { AnalysisResult } from '@wirescope/analyzer';
import { analyzePrometheus, formatHtml, formatJson, formatMarkdown, formatText } from '@wirescope/analyzer';
import { analyzeInputs } from '../analyze-inputs.js';
import type { OptionSpec } from '../args.js';
import { booleanFlag, choiceFlag, parseCommandArgs, regionFlag, stringFlag } from '../args.js';
import { shouldColor } from '../color.js';
import { ANALYZE_HELP } from '../help.js';
import type { ResolvedIo } from '../internal-types.js';
import { PROMETHEUS_OPTIONS, prometheusOptions } from '../prometheus-flags.js';
import { writeOutput } from '../write-output.js';

const FORMATS = ['text', 'json', 'markdown', 'html'] as const;

const OPTIONS: OptionSpec = {
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  'caller-region': { type: 'string' },
  title: { type: 'string' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  progress: { type: 'boolean' },
  strict: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...PROMETHEUS_OPTIONS,
};

/**
 * `wirescope analyze <file…|->` or `wirescope analyze --prometheus <url>`: prints findings; exit 0 after a
 * successful analysis, 2 when Prometheus cannot be asked or holds no wirescope metric in the window.
 */
export async function runAnalyze(argv: readonly string[], io: ResolvedIo): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, 'analyze');
  if (booleanFlag(args, 'help')) {
    io.stdout.write(ANALYZE_HELP);
    return 0;
  }
  const format = choiceFlag(args, 'format', FORMATS, 'text', 'analyze');
  const output = stringFlag(args, 'output');
  const fleet = prometheusOptions(args, 'analyze');
  const result = fleet
    ? await analyzePrometheus(fleet)
    : await analyzeInputs(io, {
        files: args.positionals,
        command: 'analyze',
        callerRegion: regionFlag(args, 'analyze'),
        progress: booleanFlag(args, 'progress'),
        strict: booleanFlag(args, 'strict'),
      });
  const color = shouldColor(args, io, output !== undefined);
  await writeOutput(io, render(result, format, { color, io, title: stringFlag(args, 'title') }), output);
  return 0;
}

function render(
  result: AnalysisResult,
  format: (typeof FORMATS)[number],
  options: { color: boolean; io: ResolvedIo; title: string | undefined },
): string {
  switch (format) {
    case 'json':
      return formatJson(result);
    case 'markdown':
      return formatMarkdown(result);
    case 'html':
      return formatHtml(result, options.title ? { title: options.title } : {});
    default: {
      const width = options.io.stdoutIsTTY ? options.io.columns : undefined;
      return formatText(result, width ? { color: options.color, width } : { color: options.color });
    }
  }
}
