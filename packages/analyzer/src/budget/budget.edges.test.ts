import { FINDING_CODES, type FindingCode } from '@wirescope/semconv';
import { describe, expect, it } from 'vitest';
import { InputError } from '../input-error.js';
import type { AnalysisResult, Budget, RuleCoverage } from '../types.js';
import { budgetSpanCount, checkBudget } from './budget-check.js';
import { parseBudget } from './budget-parse.js';

// Exact messages and both sides of every limit, on hand-made analysis results: what `wirescope check`
// prints and decides is pinned here, not only in the CLI's end-to-end tests.

function problem(text: string): string {
  try {
    parseBudget(text, 'b.json');
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).message;
  }
  throw new Error('expected parseBudget to throw');
}

describe('parseBudget, every message', () => {
  it.each([
    ['[]', 'b.json: a budget must be a JSON object such as { "spans": {...}, "forbid": [...] }'],
    ['null', 'b.json: a budget must be a JSON object such as { "spans": {...}, "forbid": [...] }'],
    ['{ "spans": [] }', 'b.json: spans must be an object of span name → { min, max, exact, warnOnly }'],
    ['{ "spans": { "x": 2 } }', 'b.json: spans["x"] must be an object such as { "max": 2 }'],
    ['{ "spans": { "x": null } }', 'b.json: spans["x"] must be an object such as { "max": 2 }'],
    [
      '{ "spans": { "x": { "warnOnly": 1, "max": 1 } } }',
      'b.json: spans["x"].warnOnly must be true or false',
    ],
    ['{ "spans": { "x": { "max": "2" } } }', 'b.json: spans["x"].max must be a non-negative integer'],
    [
      '{ "spans": { "x": { "warnOnly": true } } }',
      'b.json: spans["x"] needs at least one of min, max, exact',
    ],
    [
      '{ "spans": { "x": { "min": 3, "max": 2 } } }',
      'b.json: spans["x"].min (3) is greater than spans["x"].max (2)',
    ],
    [
      '{ "spans": { "x": { "exact": 1, "min": 1 } } }',
      'b.json: spans["x"].exact cannot be combined with min or max',
    ],
    [
      '{ "spans": { "x": { "exact": 1, "max": 1 } } }',
      'b.json: spans["x"].exact cannot be combined with min or max',
    ],
    ['{ "forbid": "connection-churn" }', 'b.json: forbid must be an array of finding codes'],
    ['{ "warn": [1] }', `b.json: warn[0] 1 is not a finding code (known: ${FINDING_CODES.join(', ')})`],
    ['{ "allowUnjudged": "yes" }', 'b.json: allowUnjudged must be an array of finding codes'],
    ['{ "minCoverage": 1.5 }', 'b.json: minCoverage must be a share of calls from 0 to 1 (0.9 for 90 %)'],
    ['{ "minCoverage": -0.1 }', 'b.json: minCoverage must be a share of calls from 0 to 1 (0.9 for 90 %)'],
    [
      '{ "minCoverage": "0.5" }',
      'b.json: minCoverage must be a share (0–1) or an object of finding code → share',
    ],
    [
      '{ "minCoverage": { "connection-churn": 2 } }',
      'b.json: minCoverage["connection-churn"] must be a share of calls from 0 to 1 (0.9 for 90 %)',
    ],
    [
      '{ "minCoverage": { "churn": 1 } }',
      `b.json: minCoverage["churn"] is not a finding code (known: ${FINDING_CODES.join(', ')})`,
    ],
  ])('%s', (text, message) => {
    expect(problem(text)).toEqual(message);
  });

  it('says the line and column of bad JSON', () => {
    expect(problem('{\n  "spans": {},\n  "forbid": [],  }')).toMatch(
      /^b\.json, line 3, column 18: not valid JSON: /,
    );
    expect(problem('{"spans": {}, "forbid": [],   "warn": [], "allowUnjudged": [], x}')).toMatch(
      /^b\.json, line 1, column 64: not valid JSON: /,
    );
  });

  it('accepts every key, the edges of a share and of a limit, and keeps what it read', () => {
    expect(
      parseBudget(
        '{ "$schema": "s", "description": "d", "spans": { "a": { "min": 0, "max": 0 }, "b": { "min": 2, "max": 2, "warnOnly": false } }, "forbid": [], "warn": ["slow-handshake"], "allowUnjudged": true, "minCoverage": { "connection-churn": 0, "slow-handshake": 1 } }',
        'b.json',
      ),
    ).toEqual({
      spans: { a: { min: 0, max: 0 }, b: { min: 2, max: 2, warnOnly: false } },
      forbid: [],
      warn: ['slow-handshake'],
      allowUnjudged: true,
      minCoverage: { 'connection-churn': 0, 'slow-handshake': 1 },
    });
    expect(parseBudget('{ "allowUnjudged": ["connection-churn"], "minCoverage": 0 }', 'b.json')).toEqual({
      allowUnjudged: ['connection-churn'],
      minCoverage: 0,
    });
    expect(parseBudget('{ "minCoverage": 1 }', 'b.json')).toEqual({ minCoverage: 1 });
    expect(parseBudget('{}', 'b.json')).toEqual({});
  });
});

const CHURN: FindingCode = 'connection-churn';
const SLOW: FindingCode = 'slow-handshake';

function rule(code: FindingCode, judged: number, of: number, reason?: string): RuleCoverage {
  return { code, judged, of, inferred: 0, needs: 'n', ...(reason ? { reason } : {}) };
}

function result(options: {
  counts?: Record<string, number>;
  findings?: FindingCode[];
  calls?: number;
  rules?: RuleCoverage[];
}): AnalysisResult {
  return {
    stats: { spanCountsByName: options.counts ?? {} },
    findings: (options.findings ?? []).map((code) => ({ code, summary: `${code} here` })),
    coverage: { calls: options.calls ?? 4, rules: options.rules ?? [rule(CHURN, 4, 4), rule(SLOW, 4, 4)] },
  } as unknown as AnalysisResult;
}

describe('checkBudget, span limits at both sides', () => {
  const at = (count: number, limit: Budget['spans']) =>
    checkBudget(result({ counts: { 'dns.lookup': count } }), { spans: limit }).violations;

  it('min: one below fails, at the bound passes', () => {
    expect(at(1, { 'dns.lookup': { min: 2 } })).toEqual([
      { kind: 'spans', subject: 'dns.lookup', expected: 'min 2', actual: '1', warnOnly: false },
    ]);
    expect(at(2, { 'dns.lookup': { min: 2 } })).toEqual([]);
  });

  it('max: one above fails, at the bound passes', () => {
    expect(at(3, { 'dns.lookup': { max: 2 } })).toEqual([
      { kind: 'spans', subject: 'dns.lookup', expected: 'max 2', actual: '3', warnOnly: false },
    ]);
    expect(at(2, { 'dns.lookup': { max: 2 } })).toEqual([]);
  });

  it('exact: either side fails, equal passes; warnOnly only warns', () => {
    expect(at(1, { 'dns.lookup': { exact: 2 } })[0]?.expected).toBe('exactly 2');
    expect(at(3, { 'dns.lookup': { exact: 2 } })[0]?.expected).toBe('exactly 2');
    expect(at(2, { 'dns.lookup': { exact: 2 } })).toEqual([]);
    const warned = checkBudget(result({ counts: { 'dns.lookup': 3 } }), {
      spans: { 'dns.lookup': { max: 2, warnOnly: true } },
    });
    expect(warned).toEqual({
      ok: true,
      violations: [{ kind: 'spans', subject: 'dns.lookup', expected: 'max 2', actual: '3', warnOnly: true }],
    });
  });

  it('counts tls.connect into tls.handshake, and only there', () => {
    const counts = { 'tls.handshake': 2, 'tls.connect': 3, 'dns.lookup': 1 };
    expect(budgetSpanCount(result({ counts }), 'tls.handshake')).toBe(5);
    expect(budgetSpanCount(result({ counts }), 'dns.lookup')).toBe(1);
    expect(budgetSpanCount(result({ counts }), 'tls.connect')).toBe(3);
    expect(budgetSpanCount(result({ counts }), 'tcp.connect')).toBe(0);
  });
});

describe('checkBudget, forbid and warn', () => {
  it('counts only the findings of the forbidden code, with the plural right', () => {
    const one = checkBudget(result({ findings: [CHURN, SLOW] }), { forbid: [CHURN] });
    expect(one).toEqual({
      ok: false,
      violations: [
        { kind: 'forbid', subject: CHURN, expected: 'no finding', actual: '1 finding', warnOnly: false },
      ],
    });
    const two = checkBudget(result({ findings: [CHURN, CHURN] }), { warn: [CHURN] });
    expect(two).toEqual({
      ok: true,
      violations: [
        { kind: 'forbid', subject: CHURN, expected: 'no finding', actual: '2 findings', warnOnly: true },
      ],
    });
    expect(checkBudget(result({ findings: [SLOW] }), { forbid: [CHURN], warn: [CHURN] })).toEqual({
      ok: true,
      violations: [],
    });
  });
});

describe('checkBudget, coverage', () => {
  it('fails a forbidden code whose rule judged no call, with the reason', () => {
    const r = result({ rules: [rule(CHURN, 0, 4, 'needs connection ids'), rule(SLOW, 1, 4)] });
    expect(checkBudget(r, { forbid: [CHURN, SLOW] })).toEqual({
      ok: false,
      violations: [
        {
          kind: 'coverage',
          subject: CHURN,
          expected: 'judged at least one call',
          actual: 'not judged (0 of 4 calls)',
          warnOnly: false,
          reason: 'needs connection ids',
        },
      ],
    });
  });

  it('passes a rule with no call to apply to, unless the input has no call at all', () => {
    expect(checkBudget(result({ rules: [rule(CHURN, 0, 0)] }), { forbid: [CHURN] }).violations).toEqual([]);
    expect(checkBudget(result({ calls: 0, rules: [rule(CHURN, 0, 0)] }), { forbid: [CHURN] })).toEqual({
      ok: false,
      violations: [
        {
          kind: 'coverage',
          subject: CHURN,
          expected: 'judged at least one call',
          actual: 'not judged (no AWS SDK calls)',
          warnOnly: false,
          reason: 'the input holds no AWS SDK call',
        },
      ],
    });
  });

  it('says so when the rule is unknown to the analysis, and has no reason then', () => {
    const r = result({ calls: 0, rules: [] });
    expect(checkBudget(r, { forbid: [CHURN] }).violations[0]?.actual).toBe('not judged (no AWS SDK calls)');
    expect(checkBudget(result({ rules: [] }), { forbid: [CHURN] }).violations).toEqual([]);
    const v = checkBudget(result({ rules: [] }), { forbid: [CHURN], minCoverage: 0.5 }).violations;
    expect(v).toEqual([]);
    const missing = checkBudget(result({ rules: [rule(SLOW, 4, 4)] }), { minCoverage: { [CHURN]: 0.5 } });
    expect(missing.violations).toEqual([]);
  });

  it('allowUnjudged true or listing the code turns the failure into a warning; another code does not', () => {
    const r = result({ rules: [rule(CHURN, 0, 4)] });
    expect(checkBudget(r, { forbid: [CHURN], allowUnjudged: true })).toMatchObject({
      ok: true,
      violations: [{ kind: 'coverage', warnOnly: true }],
    });
    expect(checkBudget(r, { forbid: [CHURN], allowUnjudged: [CHURN] })).toMatchObject({
      ok: true,
      violations: [{ kind: 'coverage', warnOnly: true }],
    });
    expect(checkBudget(r, { forbid: [CHURN], allowUnjudged: [SLOW] })).toMatchObject({
      ok: false,
      violations: [{ kind: 'coverage', warnOnly: false }],
    });
    expect(checkBudget(r, { forbid: [CHURN], allowUnjudged: false })).toMatchObject({ ok: false });
  });

  it('minCoverage as a number applies to every forbidden code, at both sides of the share', () => {
    const r = result({ rules: [rule(CHURN, 3, 4, 'two calls lack ids'), rule(SLOW, 1, 4)] });
    expect(checkBudget(r, { forbid: [CHURN], minCoverage: 0.75 }).violations).toEqual([]);
    expect(checkBudget(r, { forbid: [CHURN], minCoverage: 0.76 })).toEqual({
      ok: false,
      violations: [
        {
          kind: 'coverage',
          subject: CHURN,
          expected: 'judged ≥ 76 % of calls',
          actual: '3 of 4 calls judged',
          warnOnly: false,
          reason: 'two calls lack ids',
        },
      ],
    });
    expect(checkBudget(r, { minCoverage: 0.9 }).violations).toEqual([]);
  });

  it('minCoverage per code; a rule with no call counts as fully judged unless there are no calls', () => {
    const r = result({ rules: [rule(CHURN, 4, 4), rule(SLOW, 1, 4)] });
    expect(checkBudget(r, { minCoverage: { [CHURN]: 1, [SLOW]: 0.25 } }).violations).toEqual([]);
    expect(checkBudget(r, { minCoverage: { [SLOW]: 0.26 } }).violations).toEqual([
      {
        kind: 'coverage',
        subject: SLOW,
        expected: 'judged ≥ 26 % of calls',
        actual: '1 of 4 calls judged',
        warnOnly: false,
      },
    ]);
    expect(checkBudget(result({ rules: [rule(CHURN, 0, 0)] }), { minCoverage: { [CHURN]: 1 } }).ok).toBe(
      true,
    );
    expect(
      checkBudget(result({ calls: 0, rules: [rule(CHURN, 0, 0)] }), { minCoverage: { [CHURN]: 0.1 } }),
    ).toEqual({
      ok: false,
      violations: [
        {
          kind: 'coverage',
          subject: CHURN,
          expected: 'judged ≥ 10 % of calls',
          actual: 'not judged (0 of 0 calls)',
          warnOnly: false,
        },
      ],
    });
    expect(checkBudget(result({ calls: 0, rules: [] }), { minCoverage: { [CHURN]: 0 } }).ok).toBe(true);
    expect(checkBudget(result({ rules: [] }), { minCoverage: { [CHURN]: 0.5 } }).violations).toEqual([]);
  });
});
