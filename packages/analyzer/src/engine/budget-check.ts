import type { AnalysisResult, Budget, BudgetResult, BudgetViolation, SpanCountLimit } from '../types.js';

function spanViolations(name: string, limit: SpanCountLimit, actual: number): BudgetViolation[] {
  const out: BudgetViolation[] = [];
  const warnOnly = limit.warnOnly === true;
  const add = (expected: string) =>
    out.push({ kind: 'spans', subject: name, expected, actual: String(actual), warnOnly });
  if (limit.exact !== undefined && actual !== limit.exact) add(`exactly ${limit.exact}`);
  if (limit.min !== undefined && actual < limit.min) add(`min ${limit.min}`);
  if (limit.max !== undefined && actual > limit.max) add(`max ${limit.max}`);
  return out;
}

/**
 * Holds an analysis against a budget: span counts by name (min / max / exact; `warnOnly` limits only
 * warn), `forbid` codes fail when any finding has them, `warn` codes are listed but never fail.
 * `ok` is false when any violation is not warn-only.
 */
export function checkBudget(result: AnalysisResult, budget: Budget): BudgetResult {
  const violations: BudgetViolation[] = [];
  for (const [name, limit] of Object.entries(budget.spans ?? {})) {
    violations.push(...spanViolations(name, limit, result.stats.spanCountsByName[name] ?? 0));
  }
  const count = (code: string) => result.findings.filter((f) => f.code === code).length;
  for (const [codes, warnOnly] of [
    [budget.forbid ?? [], false],
    [budget.warn ?? [], true],
  ] as const) {
    for (const code of codes) {
      const n = count(code);
      if (n > 0) {
        violations.push({
          kind: 'forbid',
          subject: code,
          expected: 'no finding',
          actual: `${n} finding${n === 1 ? '' : 's'}`,
          warnOnly,
        });
      }
    }
  }
  return { ok: violations.every((v) => v.warnOnly), violations };
}
