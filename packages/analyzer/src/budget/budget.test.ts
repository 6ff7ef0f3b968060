import { describe, expect, it } from 'vitest';
import { analyze } from '../analyze.js';
import { InputError } from '../input-error.js';
import { call, healthyRun } from '../testing/span-factory.js';
import { checkBudget } from './budget-check.js';
import { parseBudget } from './budget-parse.js';

function problem(text: string): string {
  try {
    parseBudget(text, 'budget.json');
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('WIRESCOPE_BAD_BUDGET');
    return (error as InputError).message;
  }
  throw new Error('expected parseBudget to throw');
}

describe('parseBudget', () => {
  it('accepts the PRODUCT.md example and the extra keys', () => {
    const budget = parseBudget(
      '{ "spans": { "tls.handshake": { "max": 2 }, "S3.PutObject": { "min": 1 }, "dns.lookup": { "exact": 0, "warnOnly": true } }, "forbid": ["connection-churn"], "warn": ["slow-handshake"] }',
      'b.json',
    );
    expect(budget.spans?.['tls.handshake']).toEqual({ max: 2 });
    expect(budget.spans?.['dns.lookup']).toEqual({ exact: 0, warnOnly: true });
    expect(budget.forbid).toEqual(['connection-churn']);
  });

  it('names the file and the JSON path of a bad limit', () => {
    expect(problem('{ "spans": { "tls.handshake": { "max": -1 } } }')).toBe(
      'budget.json: spans["tls.handshake"].max must be a non-negative integer',
    );
    expect(problem('{ "spans": { "x": { "max": 1.5 } } }')).toContain(
      'spans["x"].max must be a non-negative integer',
    );
    expect(problem('{ "spans": { "x": { "maximum": 1 } } }')).toContain('spans["x"].maximum is not a limit');
    expect(problem('{ "spans": { "x": { "min": 3, "max": 1 } } }')).toContain('greater than');
  });

  it('rejects unknown finding codes, unknown keys and bad JSON with a line', () => {
    expect(problem('{ "forbid": ["connection-churn", "churn"] }')).toContain(
      'forbid[1] "churn" is not a finding code',
    );
    expect(problem('{ "limits": {} }')).toContain('"limits" is not a budget key');
    expect(problem('{\n  "spans": {\n    "a": { "max": 1 },\n  }\n}')).toMatch(
      /^budget\.json, line \d+, column \d+: not valid JSON/,
    );
  });
});

describe('checkBudget', () => {
  const churn = Array.from({ length: 5 }, (_, i) =>
    call({ startMs: i * 500, attempts: [{ reused: false, connectionId: `c-${i}` }] }),
  ).flat();

  it('fails on max exceeded and forbidden codes; warn-only lines only warn', async () => {
    const result = await analyze(churn);
    const budget = parseBudget(
      '{ "spans": { "tls.handshake": { "max": 2 }, "dns.lookup": { "max": 1, "warnOnly": true } }, "forbid": ["connection-churn"], "warn": ["dns-lookup-per-connection"] }',
      'b.json',
    );
    const check = checkBudget(result, budget);
    expect(check.ok).toBe(false);
    expect(check.violations).toContainEqual({
      kind: 'spans',
      subject: 'tls.handshake',
      expected: 'max 2',
      actual: '5',
      warnOnly: false,
    });
    expect(check.violations).toContainEqual({
      kind: 'spans',
      subject: 'dns.lookup',
      expected: 'max 1',
      actual: '5',
      warnOnly: true,
    });
    expect(check.violations).toContainEqual({
      kind: 'forbid',
      subject: 'connection-churn',
      expected: 'no finding',
      actual: '1 finding',
      warnOnly: false,
    });
    expect(check.violations.find((v) => v.subject === 'dns-lookup-per-connection')?.warnOnly).toBe(true);
  });

  it('passes a healthy run, counting missing span names as 0', async () => {
    const result = await analyze(healthyRun(5));
    const check = checkBudget(
      result,
      parseBudget(
        '{ "spans": { "tls.handshake": { "exact": 1 }, "S3.PutObject": { "min": 5 }, "S3.GetObject": { "max": 0 } }, "forbid": ["connection-churn"] }',
        'b',
      ),
    );
    expect(check).toEqual({ ok: true, violations: [] });
  });
});
