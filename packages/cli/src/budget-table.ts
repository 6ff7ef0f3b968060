import {
  type AnalysisResult,
  type Budget,
  type BudgetResult,
  type BudgetViolation,
  budgetSpanCount,
  type SpanCountLimit,
} from '@wirescope/analyzer';
import { paint } from './color.js';

/** One line of the check table. */
export interface BudgetRow {
  /** `spans` (a span-count limit), `forbid` or `warn` (a finding code), `coverage` (what a rule could judge). */
  kind: 'spans' | 'forbid' | 'warn' | 'coverage';
  /** Span name or finding code. */
  subject: string;
  /** What was found. */
  actual: string;
  /** What the budget asks for. */
  expected: string;
  /** The verdict. */
  status: 'pass' | 'FAIL' | 'warn';
  /** Why a rule could not judge the calls (a coverage violation). */
  reason?: string;
}

/** `exactly 2`, `min 1, max 3`: a span limit in words. */
export function describeLimit(limit: SpanCountLimit): string {
  const parts: string[] = [];
  if (limit.exact !== undefined) parts.push(`exactly ${limit.exact}`);
  if (limit.min !== undefined) parts.push(`min ${limit.min}`);
  if (limit.max !== undefined) parts.push(`max ${limit.max}`);
  return parts.length > 0 ? parts.join(', ') : 'any';
}

function findingCount(result: AnalysisResult, code: string): number {
  return result.findings.filter((finding) => finding.code === code).length;
}

/**
 * Every limit of the budget with its actual value and verdict. The verdicts come from the analyzer's
 * `checkBudget` violations (the one source of truth); rows for violations the budget table does not
 * know of are appended, so nothing that failed the check is hidden.
 */
export function budgetRows(result: AnalysisResult, budget: Budget, checked: BudgetResult): BudgetRow[] {
  const unmatched = new Set<BudgetViolation>(checked.violations);
  const take = (kinds: readonly string[], subject: string): BudgetViolation | undefined => {
    const violation = checked.violations.find(
      (candidate) =>
        unmatched.has(candidate) && kinds.includes(candidate.kind) && candidate.subject === subject,
    );
    if (violation) unmatched.delete(violation);
    return violation;
  };
  const verdict = (violation: BudgetViolation | undefined): BudgetRow['status'] =>
    violation === undefined ? 'pass' : violation.warnOnly ? 'warn' : 'FAIL';

  const rows: BudgetRow[] = [];
  for (const [name, limit] of Object.entries(budget.spans ?? {})) {
    const violation = take(['spans'], name);
    rows.push({
      kind: 'spans',
      subject: name,
      actual: violation?.actual ?? String(budgetSpanCount(result, name)),
      expected: violation?.expected ?? describeLimit(limit),
      status: verdict(violation),
    });
  }
  for (const code of budget.forbid ?? []) {
    // A code that could not be judged shows so on its own row: "none" would be a false pass.
    const violation = take(['forbid'], code) ?? take(['coverage'], code);
    const count = findingCount(result, code);
    rows.push({
      kind: 'forbid',
      subject: code,
      actual: violation?.actual ?? (count === 0 ? 'none' : `${count} found`),
      expected: 'none',
      status: verdict(violation),
      ...(violation?.reason ? { reason: violation.reason } : {}),
    });
  }
  for (const code of budget.warn ?? []) {
    const violation = take(['forbid', 'warn'], code);
    const count = findingCount(result, code);
    rows.push({
      kind: 'warn',
      subject: code,
      actual: violation?.actual ?? (count === 0 ? 'none' : `${count} found`),
      expected: 'none (warn only)',
      status: violation || count > 0 ? 'warn' : 'pass',
    });
  }
  for (const violation of unmatched) {
    rows.push({
      kind: violation.kind,
      subject: violation.subject,
      actual: violation.actual,
      expected: violation.expected,
      status: verdict(violation),
      ...(violation.reason ? { reason: violation.reason } : {}),
    });
  }
  return rows;
}

function label(row: BudgetRow): string {
  return row.kind === 'spans'
    ? row.subject
    : row.kind === 'coverage'
      ? `judged ${row.subject}`
      : `finding ${row.subject}`;
}

/** The check report: an aligned table, the findings behind failed or warned codes, and a verdict line. */
export function formatBudgetTable(
  result: AnalysisResult,
  rows: readonly BudgetRow[],
  ok: boolean,
  color: boolean,
): string {
  const header = { limit: 'limit', actual: 'actual', expected: 'expected' };
  const limitWidth = Math.max(header.limit.length, ...rows.map((row) => label(row).length));
  const actualWidth = Math.max(header.actual.length, ...rows.map((row) => row.actual.length));
  const expectedWidth = Math.max(header.expected.length, ...rows.map((row) => row.expected.length));
  const line = (limit: string, actual: string, expected: string, status: string): string =>
    `  ${limit.padEnd(limitWidth)}  ${actual.padStart(actualWidth)}  ${expected.padEnd(expectedWidth)}  ${status}`;

  const out: string[] = [paint(color, 'bold', line(header.limit, header.actual, header.expected, 'result'))];
  for (const row of rows) {
    const status =
      row.status === 'FAIL'
        ? paint(color, 'red', 'FAIL')
        : row.status === 'warn'
          ? paint(color, 'yellow', 'warn')
          : paint(color, 'green', 'pass');
    out.push(line(label(row), row.actual, row.expected, status));
  }

  const flagged = new Set(
    rows
      .filter((row) => (row.kind === 'forbid' || row.kind === 'warn') && row.status !== 'pass')
      .map((r) => r.subject),
  );
  const details = result.findings.filter((finding) => flagged.has(finding.code));
  const reasons = rows.filter((row) => row.reason !== undefined && row.status !== 'pass');
  if (details.length > 0 || reasons.length > 0) {
    out.push('');
    for (const finding of details) out.push(`  ${finding.code}: ${finding.summary}`);
    for (const row of reasons) out.push(`  ${row.subject} could not be judged: ${row.reason}`);
  }

  const failed = rows.filter((row) => row.status === 'FAIL').length;
  const warned = rows.filter((row) => row.status === 'warn').length;
  out.push('');
  if (ok) {
    const warnings = warned > 0 ? `, ${warned} warning${warned === 1 ? '' : 's'}` : '';
    out.push(paint(color, 'green', `wirescope check: within budget (${rows.length} limits${warnings})`));
  } else {
    out.push(paint(color, 'red', `wirescope check: over budget, ${failed} of ${rows.length} limits failed`));
  }
  return `${out.join('\n')}\n`;
}
