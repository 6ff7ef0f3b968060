import { type AnalysisResult, analyzePrometheus, checkBudget, parseBudget } from '@wirescope/analyzer';
import { analyzeInputs, checkFileArguments } from '../analyze-inputs.js';
import type { OptionSpec } from '../args.js';
import { booleanFlag, choiceFlag, parseCommandArgs, regionFlag, stringFlag } from '../args.js';
import { budgetRows, formatBudgetTable } from '../budget-table.js';
import { shouldColor } from '../color.js';
import { UsageError } from '../errors.js';
import { CHECK_HELP } from '../help.js';
import type { ResolvedIo } from '../internal-types.js';
import { fleetBudget, PROMETHEUS_OPTIONS, prometheusOptions } from '../prometheus-flags.js';
import { readBudgetFile } from '../read-budget.js';

const FORMATS = ['text', 'json'] as const;

const OPTIONS: OptionSpec = {
  budget: { type: 'string', short: 'b' },
  format: { type: 'string', short: 'f' },
  'caller-region': { type: 'string' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  progress: { type: 'boolean' },
  strict: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  ...PROMETHEUS_OPTIONS,
};

/**
 * `wirescope check <file…> --budget <file>` or `wirescope check --prometheus <url> --budget <file>`: exit 0
 * within budget, 1 over it. Against the fleet, span limits show as not judged (warnings).
 */
export async function runCheck(argv: readonly string[], io: ResolvedIo): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, 'check');
  if (booleanFlag(args, 'help')) {
    io.stdout.write(CHECK_HELP);
    return 0;
  }
  const budgetFile = stringFlag(args, 'budget');
  if (budgetFile === undefined) throw new UsageError('missing --budget <file>', 'check');
  const format = choiceFlag(args, 'format', FORMATS, 'text', 'check');
  const callerRegion = regionFlag(args, 'check');
  const fleet = prometheusOptions(args, 'check');
  if (!fleet) checkFileArguments(args.positionals, 'check');

  // The budget first: a typo in it should not cost a long read of the traces.
  const parsed = parseBudget(await readBudgetFile(budgetFile), budgetFile);
  const { budget, spanRows } = fleet ? fleetBudget(parsed) : { budget: parsed, spanRows: [] };
  const result: AnalysisResult = fleet
    ? await analyzePrometheus(fleet)
    : await analyzeInputs(io, {
        files: args.positionals,
        command: 'check',
        callerRegion,
        progress: booleanFlag(args, 'progress'),
        strict: booleanFlag(args, 'strict'),
      });
  const checked = checkBudget(result, budget);
  const rows = [...spanRows, ...budgetRows(result, budget, checked)];
  if (format === 'json') {
    const report = {
      ok: checked.ok,
      rows,
      violations: checked.violations,
      stats: result.stats,
      coverage: result.coverage,
      ...(result.fleet ? { fleet: result.fleet, findings: result.findings } : {}),
    };
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    io.stdout.write(formatBudgetTable(result, rows, checked.ok, shouldColor(args, io, false)));
  }
  return checked.ok ? 0 : 1;
}
