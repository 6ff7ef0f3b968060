import { type AnalysisResult, type Budget, checkBudget } from '@wirescope/analyzer';
import { describe, expect, it } from 'vitest';
import { budgetRows, formatBudgetTable } from './budget-table.js';
import { paint } from './color.js';

// Which violation each row takes: each violation once, by kind and by subject, in budget order; a
// warn-only span limit warns; a code both forbidden and warned gets both rows; a coverage row's code
// does not list its findings under the table unless a forbid or warn row flags it.
const rule = (code: string, judged: number, of: number, reason?: string) => ({
  code,
  judged,
  of,
  inferred: 0,
  needs: 'n',
  ...(reason ? { reason } : {}),
});

const result = {
  stats: { spanCountsByName: { 'dns.lookup': 3, 'tcp.connect': 1 } },
  findings: [
    { code: 'hot-prefix', summary: 'hot' },
    { code: 'cross-region', summary: 'far' },
  ],
  coverage: {
    calls: 4,
    rules: [
      rule('hot-prefix', 4, 4),
      rule('cross-region', 1, 4, 'needs regions'),
      rule('expect-continue-no-reuse', 1, 4, 'needs 100-continue'),
    ],
  },
} as unknown as AnalysisResult;

const budget = {
  spans: { 'tcp.connect': { max: 5 }, 'dns.lookup': { max: 2, warnOnly: true } },
  forbid: ['hot-prefix'],
  warn: ['hot-prefix', 'expect-continue-no-reuse'],
  minCoverage: { 'cross-region': 0.5, 'expect-continue-no-reuse': 0.5 },
} as Budget;

describe('budgetRows, matching violations to rows', () => {
  // Computed inside each test (not while the file is collected), so mutation testing sees which test
  // runs which code.
  const run = () => {
    const checked = checkBudget(result, budget);
    return { checked, rows: budgetRows(result, budget, checked) };
  };

  it('takes each violation once, by kind and subject', () => {
    const { checked, rows } = run();
    expect(checked.violations).toHaveLength(5);
    expect(rows).toEqual([
      { kind: 'spans', subject: 'tcp.connect', actual: '1', expected: 'max 5', status: 'pass' },
      { kind: 'spans', subject: 'dns.lookup', actual: '3', expected: 'max 2', status: 'warn' },
      { kind: 'forbid', subject: 'hot-prefix', actual: '1 finding', expected: 'none', status: 'FAIL' },
      {
        kind: 'warn',
        subject: 'hot-prefix',
        actual: '1 finding',
        expected: 'none (warn only)',
        status: 'warn',
      },
      {
        kind: 'warn',
        subject: 'expect-continue-no-reuse',
        actual: 'none',
        expected: 'none (warn only)',
        status: 'pass',
      },
      {
        kind: 'coverage',
        subject: 'cross-region',
        actual: '1 of 4 calls judged',
        expected: 'judged ≥ 50 % of calls',
        status: 'FAIL',
        reason: 'needs regions',
      },
      {
        kind: 'coverage',
        subject: 'expect-continue-no-reuse',
        actual: '1 of 4 calls judged',
        expected: 'judged ≥ 50 % of calls',
        status: 'FAIL',
        reason: 'needs 100-continue',
      },
    ]);
  });

  it('lists under the table only the findings of flagged forbid and warn codes', () => {
    const { checked, rows } = run();
    expect(formatBudgetTable(result, rows, checked.ok, false)).toBe(
      [
        '  limit                                          actual  expected                result',
        '  tcp.connect                                         1  max 5                   pass',
        '  dns.lookup                                          3  max 2                   warn',
        '  finding hot-prefix                          1 finding  none                    FAIL',
        '  finding hot-prefix                          1 finding  none (warn only)        warn',
        '  finding expect-continue-no-reuse                 none  none (warn only)        pass',
        '  judged cross-region               1 of 4 calls judged  judged ≥ 50 % of calls  FAIL',
        '  judged expect-continue-no-reuse   1 of 4 calls judged  judged ≥ 50 % of calls  FAIL',
        '',
        '  hot-prefix: hot',
        '  cross-region could not be judged: needs regions',
        '  expect-continue-no-reuse could not be judged: needs 100-continue',
        '',
        'wirescope check: over budget, 3 of 7 limits failed',
        '',
      ].join('\n'),
    );
  });

  it('a warn-only span limit alone keeps the budget, with its warnings counted', () => {
    const spansOnly = { spans: { 'dns.lookup': { max: 2, warnOnly: true } } } as Budget;
    const within = checkBudget(result, spansOnly);
    expect(within.ok).toBe(true);
    const text = formatBudgetTable(result, budgetRows(result, spansOnly, within), within.ok, false);
    expect(text.endsWith('wirescope check: within budget (1 limits, 1 warning)\n')).toBe(true);
  });

  it('counts two warnings in the plural, and colours the within-budget line green', () => {
    const twoWarnings = {
      spans: { 'dns.lookup': { max: 2, warnOnly: true } },
      warn: ['hot-prefix'],
    } as Budget;
    const within = checkBudget(result, twoWarnings);
    const rows = budgetRows(result, twoWarnings, within);
    expect(
      formatBudgetTable(result, rows, within.ok, false).endsWith(
        'wirescope check: within budget (2 limits, 2 warnings)\n',
      ),
    ).toBe(true);
    expect(
      formatBudgetTable(result, rows, within.ok, true).endsWith(
        `${paint(true, 'green', 'wirescope check: within budget (2 limits, 2 warnings)')}\n`,
      ),
    ).toBe(true);
  });
});
