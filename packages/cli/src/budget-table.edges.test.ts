import { type AnalysisResult, type Budget, checkBudget } from '@wirescope/analyzer';
import { describe, expect, it } from 'vitest';
import { budgetRows, formatBudgetTable } from './budget-table.js';
import { paint } from './color.js';

// The check table, pinned row by row and character by character on a hand-made analysis: every kind of
// row, each verdict, the findings and reasons under the table, and both verdict lines.
const rule = (code: string, judged: number, of: number, reason?: string) => ({
  code,
  judged,
  of,
  inferred: 0,
  needs: 'n',
  ...(reason ? { reason } : {}),
});

const result = {
  stats: { spanCountsByName: { 'dns.lookup': 3, 'tls.handshake': 1 } },
  findings: [
    { code: 'connection-churn', summary: 'a new connection per call' },
    { code: 'slow-handshake', summary: 'slow' },
    { code: 'slow-handshake', summary: 'slow again' },
    { code: 'hot-prefix', summary: 'hot' },
  ],
  coverage: {
    calls: 4,
    rules: [
      rule('connection-churn', 4, 4),
      rule('stale-connection-reset', 0, 4, 'needs error facts'),
      rule('slow-handshake', 4, 4),
      rule('dns-lookup-per-connection', 4, 4),
      rule('cross-region', 1, 4, 'needs regions'),
    ],
  },
} as unknown as AnalysisResult;

const budget = {
  spans: { 'dns.lookup': { max: 2 }, 'tls.handshake': { min: 1, max: 4 }, 'tcp.connect': { exact: 0 } },
  forbid: ['connection-churn', 'stale-connection-reset', 'hot-prefix'],
  warn: ['slow-handshake', 'dns-lookup-per-connection'],
  minCoverage: { 'cross-region': 0.5 },
} as Budget;

describe('budgetRows and formatBudgetTable, over budget', () => {
  // Computed inside each test (not while the file is collected), so mutation testing sees which test
  // runs which code.
  const run = () => {
    const checked = checkBudget(result, budget);
    return { checked, rows: budgetRows(result, budget, checked) };
  };

  it('has a row per limit with the verdict of its violation, and the violations no limit names', () => {
    const { rows } = run();
    expect(rows).toEqual([
      { kind: 'spans', subject: 'dns.lookup', actual: '3', expected: 'max 2', status: 'FAIL' },
      { kind: 'spans', subject: 'tls.handshake', actual: '1', expected: 'min 1, max 4', status: 'pass' },
      { kind: 'spans', subject: 'tcp.connect', actual: '0', expected: 'exactly 0', status: 'pass' },
      { kind: 'forbid', subject: 'connection-churn', actual: '1 finding', expected: 'none', status: 'FAIL' },
      {
        kind: 'forbid',
        subject: 'stale-connection-reset',
        actual: 'not judged (0 of 4 calls)',
        expected: 'none',
        status: 'FAIL',
        reason: 'needs error facts',
      },
      { kind: 'forbid', subject: 'hot-prefix', actual: '1 finding', expected: 'none', status: 'FAIL' },
      {
        kind: 'warn',
        subject: 'slow-handshake',
        actual: '2 findings',
        expected: 'none (warn only)',
        status: 'warn',
      },
      {
        kind: 'warn',
        subject: 'dns-lookup-per-connection',
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
    ]);
  });

  it('prints the aligned table, the findings and reasons behind it and the verdict', () => {
    const { checked, rows } = run();
    expect(formatBudgetTable(result, rows, checked.ok, false)).toBe(
      [
        '  limit                                                 actual  expected                result',
        '  dns.lookup                                                 3  max 2                   FAIL',
        '  tls.handshake                                              1  min 1, max 4            pass',
        '  tcp.connect                                                0  exactly 0               pass',
        '  finding connection-churn                           1 finding  none                    FAIL',
        '  finding stale-connection-reset     not judged (0 of 4 calls)  none                    FAIL',
        '  finding hot-prefix                                 1 finding  none                    FAIL',
        '  finding slow-handshake                            2 findings  none (warn only)        warn',
        '  finding dns-lookup-per-connection                       none  none (warn only)        pass',
        '  judged cross-region                      1 of 4 calls judged  judged ≥ 50 % of calls  FAIL',
        '',
        '  connection-churn: a new connection per call',
        '  slow-handshake: slow',
        '  slow-handshake: slow again',
        '  hot-prefix: hot',
        '  stale-connection-reset could not be judged: needs error facts',
        '  cross-region could not be judged: needs regions',
        '',
        'wirescope check: over budget, 5 of 9 limits failed',
        '',
      ].join('\n'),
    );
  });

  it('colours the verdicts when asked', () => {
    const { checked, rows } = run();
    const text = formatBudgetTable(result, rows, checked.ok, true);
    expect(text).toContain(paint(true, 'red', 'FAIL'));
    expect(text).toContain(paint(true, 'yellow', 'warn'));
    expect(text).toContain(paint(true, 'green', 'pass'));
    expect(text).toContain(paint(true, 'red', 'wirescope check: over budget, 5 of 9 limits failed'));
  });
});

describe('budgetRows and formatBudgetTable, within budget', () => {
  const loose = { spans: { 'tcp.connect': {} }, warn: ['slow-handshake'] } as Budget;
  const looseRows = () => budgetRows(result, loose, { ok: true, violations: [] });

  it('says "any" for a limit with no bound and counts findings of a warn code itself', () => {
    const rows = looseRows();
    expect(rows).toEqual([
      { kind: 'spans', subject: 'tcp.connect', actual: '0', expected: 'any', status: 'pass' },
      {
        kind: 'warn',
        subject: 'slow-handshake',
        actual: '2 found',
        expected: 'none (warn only)',
        status: 'warn',
      },
    ]);
  });

  it('counts warnings in the verdict line, singular and none', () => {
    const rows = looseRows();
    expect(formatBudgetTable(result, rows, true, false)).toBe(
      [
        '  limit                    actual  expected          result',
        '  tcp.connect                   0  any               pass',
        '  finding slow-handshake  2 found  none (warn only)  warn',
        '',
        '  slow-handshake: slow',
        '  slow-handshake: slow again',
        '',
        'wirescope check: within budget (2 limits, 1 warning)',
        '',
      ].join('\n'),
    );
    expect(formatBudgetTable(result, rows.slice(0, 1), true, false)).toBe(
      [
        '  limit        actual  expected  result',
        '  tcp.connect       0  any       pass',
        '',
        'wirescope check: within budget (1 limits)',
        '',
      ].join('\n'),
    );
  });
});
