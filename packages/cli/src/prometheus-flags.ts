import type { Budget, PrometheusAnalysisOptions } from '@wirescope/analyzer';
import type { OptionSpec, ParsedArgs } from './args.js';
import { stringFlag } from './args.js';
import type { BudgetRow } from './budget-table.js';
import { describeLimit } from './budget-table.js';
import { UsageError } from './errors.js';

/** The flags `analyze` and `check` take for a fleet analysis. */
export const PROMETHEUS_OPTIONS: OptionSpec = {
  prometheus: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  service: { type: 'string' },
};

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

function untilFlag(value: string, command: string): Date {
  const date = /^\d+(\.\d+)?$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
  if (Number.isNaN(date.getTime()) || !/^\d|^\d{4}-/.test(value)) {
    throw new UsageError(
      `--until '${value}' is not a time: give RFC 3339 (2026-12-04T13:00:00Z) or unix seconds`,
      command,
    );
  }
  return date;
}

/**
 * The fleet options when `--prometheus` is given, else undefined; `--since`, `--until` and `--service`
 * without it, or files with it, are usage errors.
 */
export function prometheusOptions(args: ParsedArgs, command: string): PrometheusAnalysisOptions | undefined {
  const url = stringFlag(args, 'prometheus');
  const since = stringFlag(args, 'since');
  const until = stringFlag(args, 'until');
  const service = stringFlag(args, 'service');
  if (url === undefined) {
    const stray = [since && '--since', until && '--until', service && '--service'].filter(Boolean);
    if (stray.length > 0)
      throw new UsageError(
        `${stray.join(', ')} ${stray.length === 1 ? 'needs' : 'need'} --prometheus <url>`,
        command,
      );
    return undefined;
  }
  if (args.positionals.length > 0) {
    throw new UsageError('give either files or --prometheus <url>, not both', command);
  }
  if (url.trim() === '')
    throw new UsageError('--prometheus needs a URL such as http://prometheus:9090', command);
  if (since !== undefined && !DURATION.test(since)) {
    throw new UsageError(`--since '${since}' is not a duration such as 1h, 30m or 90s`, command);
  }
  if (service !== undefined && service === '') throw new UsageError('--service needs a name', command);
  return {
    url,
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until: untilFlag(until, command) } : {}),
    ...(service !== undefined ? { service } : {}),
  };
}

/**
 * A budget's span limits cannot be judged from metrics (metrics count calls, not spans): each shows as
 * a warning row saying so, and the budget held against the fleet is the rest of it.
 */
export function fleetBudget(budget: Budget): { budget: Budget; spanRows: BudgetRow[] } {
  const { spans, ...rest } = budget;
  const spanRows = Object.entries(spans ?? {}).map(
    ([name, limit]): BudgetRow => ({
      kind: 'spans',
      subject: name,
      actual: 'not judged',
      expected: describeLimit(limit),
      status: 'warn',
      reason: 'span counts cannot be judged from metrics (run wirescope check on a trace file)',
    }),
  );
  return { budget: rest, spanRows };
}
